-- +goose Up
-- The organisation's own rulebooks (規程): a document with one working
-- draft (policy_nodes, in document order), the edits with their notes,
-- submitted versions (immutable snapshots of the draft as JSON), review
-- comments per node, acknowledgments of the version in force and revision
-- tasks opened when the parent catalog has a new edition. A published
-- version becomes an edition of the catalog named after the document.
CREATE TABLE policy_docs (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL,
    origin          TEXT    NOT NULL,
    parent_catalog  INTEGER NOT NULL DEFAULT 0,
    parent_edition  INTEGER NOT NULL DEFAULT 0,
    parent_number   INTEGER NOT NULL DEFAULT 0,
    scope           TEXT    NOT NULL DEFAULT '[]',
    catalog_id      INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL,
    published       INTEGER NOT NULL DEFAULT 0,
    rev             INTEGER NOT NULL DEFAULT 1,
    created_by      TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE policy_nodes (
    doc_id        INTEGER NOT NULL REFERENCES policy_docs(id),
    pos           INTEGER NOT NULL,
    ref           TEXT    NOT NULL,
    parent        TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL DEFAULT '',
    text          TEXT    NOT NULL DEFAULT '',
    requirement   INTEGER NOT NULL DEFAULT 0,
    subject       TEXT    NOT NULL DEFAULT '',
    category      TEXT    NOT NULL DEFAULT '',
    refs          TEXT    NOT NULL DEFAULT '',
    derived_from  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (doc_id, pos)
);
CREATE UNIQUE INDEX policy_nodes_ref ON policy_nodes(doc_id, ref);

CREATE TABLE policy_changes (
    id       INTEGER PRIMARY KEY,
    doc_id   INTEGER NOT NULL REFERENCES policy_docs(id),
    action   TEXT    NOT NULL,
    ref      TEXT    NOT NULL DEFAULT '',
    old_ref  TEXT    NOT NULL DEFAULT '',
    note     TEXT    NOT NULL DEFAULT '',
    actor    TEXT    NOT NULL DEFAULT '',
    at       TEXT    NOT NULL
);
CREATE INDEX policy_changes_doc ON policy_changes(doc_id, id);

CREATE TABLE policy_versions (
    id            INTEGER PRIMARY KEY,
    doc_id        INTEGER NOT NULL REFERENCES policy_docs(id),
    number        INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    nodes         TEXT    NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    submitted_by  TEXT    NOT NULL DEFAULT '',
    submitted_at  TEXT    NOT NULL,
    deliberation  TEXT    NOT NULL DEFAULT '',
    decided_by    TEXT    NOT NULL DEFAULT '',
    decided_at    TEXT    NOT NULL DEFAULT '',
    effective_on  TEXT    NOT NULL DEFAULT '',
    published_at  TEXT    NOT NULL DEFAULT '',
    edition       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (doc_id, number)
);

CREATE TABLE policy_comments (
    id       INTEGER PRIMARY KEY,
    doc_id   INTEGER NOT NULL REFERENCES policy_docs(id),
    version  INTEGER NOT NULL,
    ref      TEXT    NOT NULL DEFAULT '',
    body     TEXT    NOT NULL,
    author   TEXT    NOT NULL DEFAULT '',
    at       TEXT    NOT NULL
);
CREATE INDEX policy_comments_version ON policy_comments(doc_id, version, id);

CREATE TABLE policy_acks (
    doc_id     INTEGER NOT NULL REFERENCES policy_docs(id),
    version    INTEGER NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    at         TEXT    NOT NULL,
    PRIMARY KEY (doc_id, version, person_id)
);

CREATE TABLE policy_tasks (
    id           INTEGER PRIMARY KEY,
    doc_id       INTEGER NOT NULL REFERENCES policy_docs(id),
    from_number  INTEGER NOT NULL,
    to_number    INTEGER NOT NULL,
    items        TEXT    NOT NULL DEFAULT '[]',
    status       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    closed_by    TEXT    NOT NULL DEFAULT '',
    closed_at    TEXT    NOT NULL DEFAULT '',
    UNIQUE (doc_id, to_number)
);

-- +goose Down
DROP TABLE policy_tasks;
DROP TABLE policy_acks;
DROP TABLE policy_comments;
DROP TABLE policy_versions;
DROP TABLE policy_changes;
DROP TABLE policy_nodes;
DROP TABLE policy_docs;
