-- +goose Up
-- Approval gates (例外措置, 持出し, …). Request types are data (the Type as
-- JSON), seeded on start and editable by the security office. A request
-- moves through its states with conditional updates on (status, version);
-- request_events is its history. Notices and background jobs reuse the
-- notices and jobs tables of migration 00005.
CREATE TABLE request_types (
    key         TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    definition  TEXT    NOT NULL,
    ord         INTEGER NOT NULL DEFAULT 0,
    retired     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE requests (
    id            INTEGER PRIMARY KEY,
    type_key      TEXT    NOT NULL REFERENCES request_types(key),
    applicant_id  INTEGER NOT NULL REFERENCES people(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    title         TEXT    NOT NULL,
    level         TEXT    NOT NULL DEFAULT '',
    outcome       TEXT    NOT NULL DEFAULT '',
    emergency     INTEGER NOT NULL DEFAULT 0,
    starts_on     TEXT    NOT NULL DEFAULT '',
    ends_on       TEXT    NOT NULL DEFAULT '',
    catalog_id    INTEGER NOT NULL DEFAULT 0,
    node_ref      TEXT    NOT NULL DEFAULT '',
    rule_text     TEXT    NOT NULL DEFAULT '',
    target_ref    TEXT    NOT NULL DEFAULT '',
    fields        TEXT    NOT NULL DEFAULT '{}',
    status        TEXT    NOT NULL,
    decider_id    INTEGER NOT NULL DEFAULT 0,
    decider_role  TEXT    NOT NULL DEFAULT '',
    escalated     INTEGER NOT NULL DEFAULT 0,
    conditions    TEXT    NOT NULL DEFAULT '',
    decision      TEXT    NOT NULL DEFAULT '',
    submitted_at  TEXT    NOT NULL DEFAULT '',
    decided_at    TEXT    NOT NULL DEFAULT '',
    end_report    TEXT    NOT NULL DEFAULT '',
    ended_at      TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX requests_status ON requests(status);
CREATE INDEX requests_applicant ON requests(applicant_id);
CREATE INDEX requests_decider ON requests(decider_id, status);
CREATE INDEX requests_type ON requests(type_key, created_at);

CREATE TABLE request_events (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES requests(id),
    action       TEXT    NOT NULL,
    from_status  TEXT    NOT NULL DEFAULT '',
    to_status    TEXT    NOT NULL,
    actor_id     INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT '',
    at           TEXT    NOT NULL
);
CREATE INDEX request_events_request ON request_events(request_id, id);

-- +goose Down
DROP TABLE request_events;
DROP TABLE requests;
DROP TABLE request_types;
