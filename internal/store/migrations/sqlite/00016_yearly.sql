-- +goose Up
-- The year as a whole: the yearly security plan (対策推進計画) and its
-- items, the annual report to the CISO (its figures kept as generated, so
-- next year's report compares with what was reported), the CISO's review
-- decisions (見直し), and each account's display preferences (和暦).
CREATE TABLE yearly_plans (
    id            INTEGER PRIMARY KEY,
    fiscal_year   INTEGER NOT NULL UNIQUE,
    status        TEXT    NOT NULL DEFAULT 'draft',   -- draft, submitted, approved
    note          TEXT    NOT NULL DEFAULT '',
    submitted_at  TEXT    NOT NULL DEFAULT '',
    approved_at   TEXT    NOT NULL DEFAULT '',
    approved_by   INTEGER    REFERENCES people(id),
    decision_note TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE yearly_plan_items (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER    NOT NULL REFERENCES yearly_plans(id),
    position    INTEGER NOT NULL DEFAULT 0,
    title       TEXT    NOT NULL,
    area        TEXT    NOT NULL,                    -- education, selfcheck, audit, system_review …
    owner_id    INTEGER    REFERENCES people(id),
    starts_on   TEXT    NOT NULL DEFAULT '',
    ends_on     TEXT    NOT NULL DEFAULT '',
    ref         TEXT    NOT NULL DEFAULT '',         -- the record it follows: "selfcheck:3"
    status      TEXT    NOT NULL DEFAULT 'planned',  -- planned, in_progress, done (set by hand)
    progress    INTEGER NOT NULL DEFAULT 0,
    note        TEXT    NOT NULL DEFAULT '',
    updated_at  TEXT    NOT NULL
);
CREATE INDEX yearly_plan_items_plan ON yearly_plan_items (plan_id, position);

CREATE TABLE yearly_reports (
    id            INTEGER PRIMARY KEY,
    fiscal_year   INTEGER NOT NULL UNIQUE,
    sections      TEXT    NOT NULL,                  -- JSON: the capabilities' sections as generated
    generated_at  TEXT    NOT NULL,
    generated_by  TEXT    NOT NULL
);

CREATE TABLE yearly_decisions (
    id          INTEGER PRIMARY KEY,
    fiscal_year INTEGER NOT NULL,
    kind        TEXT    NOT NULL,                    -- rules, plan, other
    text        TEXT    NOT NULL,
    decided_by  INTEGER    REFERENCES people(id),
    decided_at  TEXT    NOT NULL
);
CREATE INDEX yearly_decisions_year ON yearly_decisions (fiscal_year, id);

CREATE TABLE user_prefs (
    user_id     INTEGER    PRIMARY KEY REFERENCES users(id),
    date_style  TEXT    NOT NULL DEFAULT 'seireki',  -- seireki (2025-04-01) or wareki (令和7年4月1日)
    updated_at  TEXT    NOT NULL
);

-- +goose Down
DROP TABLE user_prefs;
DROP TABLE yearly_decisions;
DROP TABLE yearly_reports;
DROP TABLE yearly_plan_items;
DROP TABLE yearly_plans;
