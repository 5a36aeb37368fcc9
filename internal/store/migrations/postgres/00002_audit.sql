-- +goose Up
-- The audit trail: one hash chain, numbered without gaps (see internal/audit).
-- seq is assigned by kitei from audit_head, never by the database, so a
-- deleted entry leaves a visible gap.
CREATE TABLE audit_events (
    seq         BIGINT  PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    actor_id    BIGINT  NOT NULL DEFAULT 0,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL DEFAULT '',
    object_id   TEXT    NOT NULL DEFAULT '',
    unit_id     BIGINT  NOT NULL DEFAULT 0,
    ip          TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '{}',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);

-- The chain head: the last entry's seq and hash, updated in the same
-- transaction as every append. It reveals entries deleted from the end.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
