-- +goose Up
-- A link ties a requirement of one catalog edition to one of another
-- (crosswalk). Refs are the nodes' own identifiers in their edition.
CREATE TABLE crosswalk_links (
    id              INTEGER PRIMARY KEY,
    from_catalog_id INTEGER NOT NULL REFERENCES catalogs(id),
    from_edition_id INTEGER NOT NULL REFERENCES editions(id),
    from_ref        TEXT    NOT NULL,
    to_catalog_id   INTEGER NOT NULL REFERENCES catalogs(id),
    to_edition_id   INTEGER NOT NULL REFERENCES editions(id),
    to_ref          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    score           REAL    NOT NULL DEFAULT 0,
    confirmed_by    TEXT    NOT NULL DEFAULT '',
    confirmed_at    TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    UNIQUE (from_edition_id, from_ref, to_edition_id, to_ref)
);
CREATE INDEX crosswalk_links_pair ON crosswalk_links (from_edition_id, to_edition_id, status);
CREATE INDEX crosswalk_links_to ON crosswalk_links (to_edition_id, to_ref);

-- +goose Down
DROP TABLE crosswalk_links;
