-- +goose Up
CREATE TABLE catalogs (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);

-- An edition is immutable once imported; a changed source becomes a new edition.
CREATE TABLE editions (
    id           INTEGER PRIMARY KEY,
    catalog_id   INTEGER NOT NULL REFERENCES catalogs(id),
    number       INTEGER NOT NULL,
    title        TEXT    NOT NULL DEFAULT '',
    format       TEXT    NOT NULL,
    style        TEXT    NOT NULL DEFAULT '',
    encoding     TEXT    NOT NULL DEFAULT '',
    source_name  TEXT    NOT NULL DEFAULT '',
    source_hash  TEXT    NOT NULL,
    nodes        INTEGER NOT NULL,
    requirements INTEGER NOT NULL,
    warnings     TEXT    NOT NULL DEFAULT '',
    imported_at  TEXT    NOT NULL,
    UNIQUE (catalog_id, number),
    UNIQUE (catalog_id, source_hash)
);

CREATE TABLE nodes (
    id          INTEGER PRIMARY KEY,
    edition_id  INTEGER NOT NULL REFERENCES editions(id),
    ord         INTEGER NOT NULL,
    ref         TEXT    NOT NULL,
    parent_ref  TEXT    NOT NULL DEFAULT '',
    depth       INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL DEFAULT '',
    requirement INTEGER NOT NULL DEFAULT 0,
    subject     TEXT    NOT NULL DEFAULT '',
    category    TEXT    NOT NULL DEFAULT '',
    refs        TEXT    NOT NULL DEFAULT '',
    UNIQUE (edition_id, ref),
    UNIQUE (edition_id, ord)
);

-- +goose Down
DROP TABLE nodes;
DROP TABLE editions;
DROP TABLE catalogs;
