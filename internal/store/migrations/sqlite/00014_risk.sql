-- +goose Up
-- Risk assessment (リスク評価) and the registers of devices, external media
-- and controlled areas, and the contact means of the 連絡網. The risk method
-- is configuration (risk_settings 'method'); nothing is deleted: risks and
-- register entries are retired. Every change has a history line.
CREATE TABLE risk_settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- An assessment round: the security office asks units to assess their
-- assets and systems by due_on; reminders go through the jobs table.
CREATE TABLE risk_campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    due_on       TEXT    NOT NULL,
    remind_days  INTEGER NOT NULL DEFAULT 3,
    status       TEXT    NOT NULL DEFAULT 'open',
    created_by   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL
);

CREATE TABLE risk_campaign_units (
    campaign_id   INTEGER NOT NULL REFERENCES risk_campaigns(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    submitted_at  TEXT    NOT NULL DEFAULT '',
    submitted_by  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, unit_id)
);

CREATE TABLE risks (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    subject_kind      TEXT    NOT NULL,            -- asset, system, service, org
    subject_ref       TEXT    NOT NULL DEFAULT '', -- register reference (asset:12)
    subject_label     TEXT    NOT NULL DEFAULT '',
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    system_code       TEXT    NOT NULL DEFAULT '', -- the system whose ISSO assesses it
    campaign_id       INTEGER REFERENCES risk_campaigns(id),
    method            TEXT    NOT NULL,
    threat_text       TEXT    NOT NULL DEFAULT '',
    vulnerability_text TEXT   NOT NULL DEFAULT '',
    impact            INTEGER NOT NULL DEFAULT 0,
    threat            INTEGER NOT NULL DEFAULT 0,
    vulnerability     INTEGER NOT NULL DEFAULT 0,
    likelihood        INTEGER NOT NULL DEFAULT 0,
    value             INTEGER NOT NULL DEFAULT 0,
    r_threat          INTEGER NOT NULL DEFAULT 0,
    r_vulnerability   INTEGER NOT NULL DEFAULT 0,
    r_likelihood      INTEGER NOT NULL DEFAULT 0,
    r_value           INTEGER NOT NULL DEFAULT 0,
    treatment         TEXT    NOT NULL DEFAULT '',
    measures          TEXT    NOT NULL DEFAULT '[]', -- JSON: catalog requirements chosen
    owner_id          INTEGER REFERENCES people(id),
    review_on         TEXT    NOT NULL DEFAULT '',
    acceptance        TEXT    NOT NULL DEFAULT '',   -- '', requested, accepted, rejected
    request_id        INTEGER,
    accepted_by       TEXT    NOT NULL DEFAULT '',
    accepted_on       TEXT    NOT NULL DEFAULT '',
    note              TEXT    NOT NULL DEFAULT '',
    retired           INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX risks_unit ON risks(unit_id);
CREATE INDEX risks_campaign ON risks(campaign_id);

CREATE TABLE risk_history (
    id        INTEGER PRIMARY KEY,
    risk_id   INTEGER NOT NULL REFERENCES risks(id),
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL DEFAULT '',
    actor_id  INTEGER NOT NULL DEFAULT 0,
    action    TEXT    NOT NULL,
    detail    TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX risk_history_risk ON risk_history(risk_id);

-- Devices (端末・サーバ装置), external media (外部電磁的記録媒体) and
-- controlled areas (要管理対策区域): one table, the kind's own fields in
-- data (JSON); the columns the queries filter on are kept beside it.
CREATE TABLE inv_items (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,               -- device, medium, area
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    holder_id   INTEGER REFERENCES people(id),  -- issued to / lent to
    system_code TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT '',
    due_on      TEXT    NOT NULL DEFAULT '',    -- a medium lent and not returned: due back
    data        TEXT    NOT NULL DEFAULT '{}',
    retired     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (kind, code)
);
CREATE INDEX inv_items_unit ON inv_items(unit_id);

CREATE TABLE inv_history (
    id        INTEGER PRIMARY KEY,
    item_id   INTEGER NOT NULL REFERENCES inv_items(id),
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL DEFAULT '',
    actor_id  INTEGER NOT NULL DEFAULT 0,
    action    TEXT    NOT NULL,
    detail    TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX inv_history_item ON inv_history(item_id);

-- Entry records and visitor log of a controlled area (imported from xlsx).
CREATE TABLE inv_area_log (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES inv_items(id),
    kind         TEXT    NOT NULL,   -- entry, visitor
    entered_at   TEXT    NOT NULL,
    left_at      TEXT    NOT NULL DEFAULT '',
    name         TEXT    NOT NULL,
    affiliation  TEXT    NOT NULL DEFAULT '',
    purpose      TEXT    NOT NULL DEFAULT '',
    escort       TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL
);
CREATE INDEX inv_area_log_item ON inv_area_log(item_id, entered_at);

-- Each person's contact means for the 連絡網 (phone, mobile, …).
CREATE TABLE contact_means (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    kind       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    updated_at TEXT    NOT NULL
);
CREATE INDEX contact_means_person ON contact_means(person_id);

-- +goose Down
DROP TABLE contact_means;
DROP TABLE inv_area_log;
DROP TABLE inv_history;
DROP TABLE inv_items;
DROP TABLE risk_history;
DROP TABLE risks;
DROP TABLE risk_campaign_units;
DROP TABLE risk_campaigns;
DROP TABLE risk_settings;
