-- +goose Up
-- Organisation: a unit tree of any depth, people, the role catalogue and
-- appointments (role assignments with dates). Nothing is deleted: units,
-- roles and people are retired, ids are never reused.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    name_en     TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL DEFAULT '',      -- 本部, 部, 課, 海外拠点 …
    parent_id   INTEGER REFERENCES units(id),
    path        TEXT    NOT NULL,                 -- "/1/4/9/": ids from the root, for subtree queries
    retired_at  TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);

CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    employee_no     TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    name_kana       TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL DEFAULT '',
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    status          TEXT    NOT NULL DEFAULT 'active', -- active, leave, left
    joined_on       TEXT    NOT NULL DEFAULT '',
    transferred_on  TEXT    NOT NULL DEFAULT '',
    left_on         TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX people_unit ON people(unit_id);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,          -- stable key used by code and imports: ciso, isso …
    name        TEXT    NOT NULL,
    name_en     TEXT    NOT NULL DEFAULT '',
    scope       TEXT    NOT NULL DEFAULT 'unit',  -- organisation, unit, system
    privileged  INTEGER NOT NULL DEFAULT 0,       -- holders need the privileged password policy and TOTP
    ord         INTEGER NOT NULL DEFAULT 0,
    retired_at  TEXT,
    created_at  TEXT    NOT NULL
);

CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    role_id     INTEGER NOT NULL REFERENCES roles(id),
    unit_id     INTEGER REFERENCES units(id),     -- the unit the role is held for (NULL: whole organisation)
    system_ref  TEXT    NOT NULL DEFAULT '',      -- information system the role is held for, when scope = system
    starts_on   TEXT    NOT NULL,
    ends_on     TEXT    NOT NULL DEFAULT '',      -- empty: open-ended
    note        TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL
);
CREATE INDEX assignments_person ON assignments(person_id);
CREATE INDEX assignments_role_unit ON assignments(role_id, unit_id);
CREATE INDEX assignments_unit ON assignments(unit_id);

-- +goose Down
DROP TABLE assignments;
DROP TABLE roles;
DROP TABLE people;
DROP TABLE units;
