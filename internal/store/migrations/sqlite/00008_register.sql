-- +goose Up
-- Registers: information assets (情報資産管理台帳), information systems
-- (情報システム台帳) and cloud services / outsourcing contracts, with a
-- history of every change. Levels are stored as numbers; their names live
-- in the classification scheme (reg_settings 'scheme'). Nothing is deleted:
-- records are retired.
CREATE TABLE reg_settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE reg_assets (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL DEFAULT '',
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    decider_id    INTEGER NOT NULL REFERENCES people(id),
    decided_on    TEXT    NOT NULL DEFAULT '',
    conf          INTEGER NOT NULL,
    integ         INTEGER NOT NULL DEFAULT 0,
    avail         INTEGER NOT NULL DEFAULT 0,
    paper         INTEGER NOT NULL DEFAULT 0,
    restrictions  TEXT    NOT NULL DEFAULT '[]',   -- JSON array of scheme keys and free texts
    location      TEXT    NOT NULL DEFAULT '',
    retention     TEXT    NOT NULL DEFAULT '',
    users_scope   TEXT    NOT NULL DEFAULT '',
    source_id     INTEGER REFERENCES reg_assets(id),
    likelihood    INTEGER NOT NULL DEFAULT 0,
    note          TEXT    NOT NULL DEFAULT '',
    retired       INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX reg_assets_unit ON reg_assets(unit_id);
CREATE INDEX reg_assets_source ON reg_assets(source_id);

-- The people named on an asset: for 機密性3, the only readers with the 決定者.
CREATE TABLE reg_asset_people (
    asset_id   INTEGER NOT NULL REFERENCES reg_assets(id),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (asset_id, person_id)
);
CREATE INDEX reg_asset_people_person ON reg_asset_people(person_id);

CREATE TABLE reg_systems (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    purpose       TEXT    NOT NULL DEFAULT '',
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    isso_id       INTEGER NOT NULL REFERENCES people(id),
    stage         TEXT    NOT NULL,
    conf          INTEGER NOT NULL DEFAULT 0,
    integ         INTEGER NOT NULL DEFAULT 0,
    avail         INTEGER NOT NULL DEFAULT 0,
    components    TEXT    NOT NULL DEFAULT '[]',   -- JSON arrays
    connections   TEXT    NOT NULL DEFAULT '[]',
    services      TEXT    NOT NULL DEFAULT '[]',   -- service codes
    requirements  TEXT    NOT NULL DEFAULT '[]',   -- [{catalog_id, ref}]
    note          TEXT    NOT NULL DEFAULT '',
    retired       INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX reg_systems_unit ON reg_systems(unit_id);

CREATE TABLE reg_services (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,              -- cloud, outsourcing
    provider        TEXT    NOT NULL,
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    ismap           INTEGER NOT NULL DEFAULT 0,
    ismap_no        TEXT    NOT NULL DEFAULT '',
    data_location   TEXT    NOT NULL DEFAULT '',
    contract_from   TEXT    NOT NULL DEFAULT '',
    contract_to     TEXT    NOT NULL DEFAULT '',
    manager_id      INTEGER REFERENCES people(id),
    conf            INTEGER NOT NULL DEFAULT 0,    -- highest confidentiality it may handle
    subcontracting  TEXT    NOT NULL DEFAULT '[]', -- JSON: approved subcontractors
    exit_checklist  TEXT    NOT NULL DEFAULT '[]', -- JSON: exit steps done
    note            TEXT    NOT NULL DEFAULT '',
    retired         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX reg_services_unit ON reg_services(unit_id);

CREATE TABLE reg_history (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,                   -- assets, systems, services
    entity_id  INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX reg_history_entity ON reg_history(kind, entity_id, id);

-- +goose Down
DROP TABLE reg_history;
DROP TABLE reg_services;
DROP TABLE reg_systems;
DROP TABLE reg_asset_people;
DROP TABLE reg_assets;
DROP TABLE reg_settings;
