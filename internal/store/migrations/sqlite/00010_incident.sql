-- +goose Up
-- Incidents (情報セキュリティインシデント). Incident records are themselves
-- 要機密 information: every read is audited by the service, and the
-- timeline is append-only (a correction is a new entry pointing at the
-- one it corrects; triggers refuse UPDATE and DELETE).
CREATE TABLE incident_config (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,              -- JSON: levels, categories, notice rules, limits
    updated_at  TEXT    NOT NULL
);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    what            TEXT    NOT NULL,
    noticed_at      TEXT    NOT NULL,
    reported_at     TEXT    NOT NULL,
    reporter_id     INTEGER NOT NULL DEFAULT 0,   -- 0 for an external report
    unit_id         INTEGER NOT NULL DEFAULT 0,   -- 0 when unknown (external)
    external        INTEGER NOT NULL DEFAULT 0,
    ext_name        TEXT    NOT NULL DEFAULT '',
    ext_contact     TEXT    NOT NULL DEFAULT '',
    client_addr     TEXT    NOT NULL DEFAULT '',  -- external reports: for the hourly limit
    refs            TEXT    NOT NULL DEFAULT '',  -- systems / assets / services concerned
    personal        TEXT    NOT NULL DEFAULT 'unknown', -- yes, no, unknown
    personal_count  INTEGER NOT NULL DEFAULT 0,
    first_actions   TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,             -- reported, handling, reviewing, closed, dismissed
    is_incident     INTEGER NOT NULL DEFAULT 0,
    triage_reason   TEXT    NOT NULL DEFAULT '',
    level           INTEGER NOT NULL DEFAULT -1,
    category        TEXT    NOT NULL DEFAULT '',
    owner_id        INTEGER NOT NULL DEFAULT 0,
    triaged_at      TEXT    NOT NULL DEFAULT '',
    cause           TEXT    NOT NULL DEFAULT '',
    prevention      TEXT    NOT NULL DEFAULT '',
    report_by       INTEGER NOT NULL DEFAULT 0,
    report_at       TEXT    NOT NULL DEFAULT '',
    lessons         TEXT    NOT NULL DEFAULT '',
    closed_at       TEXT    NOT NULL DEFAULT '',
    updated_at      TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_reporter ON incidents(reporter_id);
CREATE INDEX incidents_reported ON incidents(reported_at);
CREATE INDEX incidents_client ON incidents(client_addr, reported_at);

CREATE TABLE incident_timeline (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    at           TEXT    NOT NULL,
    actor_id     INTEGER NOT NULL DEFAULT 0,
    actor_name   TEXT    NOT NULL DEFAULT '',
    kind         TEXT    NOT NULL,
    body         TEXT    NOT NULL DEFAULT '',
    corrects     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, id);

-- +goose StatementBegin
CREATE TRIGGER incident_timeline_no_update BEFORE UPDATE ON incident_timeline
BEGIN
    SELECT RAISE(ABORT, 'incident timeline entries are append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incident_timeline_no_delete BEFORE DELETE ON incident_timeline
BEGIN
    SELECT RAISE(ABORT, 'incident timeline entries are append-only');
END;
-- +goose StatementEnd

CREATE TABLE incident_tasks (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    kind         TEXT    NOT NULL,               -- containment, check_same, other
    instruction  TEXT    NOT NULL,
    answer       TEXT    NOT NULL DEFAULT '',
    answered_at  TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL
);
CREATE INDEX incident_tasks_incident ON incident_tasks(incident_id);
CREATE INDEX incident_tasks_person ON incident_tasks(person_id);

CREATE TABLE incident_notices (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    rule_key      TEXT    NOT NULL,
    authority     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    due_at        TEXT    NOT NULL,
    sent_at       TEXT    NOT NULL DEFAULT '',
    sent_by       INTEGER NOT NULL DEFAULT 0,
    content       TEXT    NOT NULL DEFAULT '',
    escalated_at  TEXT    NOT NULL DEFAULT '',
    UNIQUE (incident_id, rule_key)
);
CREATE INDEX incident_notices_due ON incident_notices(sent_at, due_at);

-- The CISO's measures, tracked with owner and due date (kept here until
-- the improvement tracker takes them over).
CREATE TABLE incident_measures (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    title        TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES people(id),
    due_on       TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open', -- open, done
    done_note    TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX incident_measures_incident ON incident_measures(incident_id);
CREATE INDEX incident_measures_owner ON incident_measures(owner_id);

-- +goose Down
DROP TABLE incident_measures;
DROP TABLE incident_notices;
DROP TABLE incident_tasks;
DROP TRIGGER incident_timeline_no_delete;
DROP TRIGGER incident_timeline_no_update;
DROP TABLE incident_timeline;
DROP TABLE incidents;
DROP TABLE incident_config;
