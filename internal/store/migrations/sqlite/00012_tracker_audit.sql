-- +goose Up
-- Evidence files of the improvement tracker and of audits, kept in the
-- store with their SHA-256 and the type sniffed from their content.
CREATE TABLE evidence_files (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    uploaded_by  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL
);

-- The one improvement tracker (改善・是正措置) of audits, self-inspection,
-- incidents, CISO instructions and reviews.
CREATE TABLE tracker_actions (
    id            INTEGER PRIMARY KEY,
    source_kind   TEXT    NOT NULL,            -- audit_finding, selfcheck_item, incident, ciso_instruction, review
    source_id     INTEGER NOT NULL DEFAULT 0,  -- the record: campaign, engagement, incident …
    source_item   INTEGER NOT NULL DEFAULT 0,  -- the part of it: item, finding … (0: none)
    source_label  TEXT    NOT NULL DEFAULT '',
    source_link   TEXT    NOT NULL DEFAULT '',
    unit_id       INTEGER NOT NULL DEFAULT 0,  -- 0: organisation-wide
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    owner_id      INTEGER NOT NULL REFERENCES people(id),
    due_on        TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'open', -- open, in_progress, done, closed
    note          TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    done_at       TEXT    NOT NULL DEFAULT '',
    closed_by     INTEGER NOT NULL DEFAULT 0,
    closed_at     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX tracker_actions_source ON tracker_actions(source_kind, source_id, source_item);
CREATE INDEX tracker_actions_owner ON tracker_actions(owner_id);

CREATE TABLE tracker_requirements (
    action_id   INTEGER NOT NULL REFERENCES tracker_actions(id),
    catalog_id  INTEGER NOT NULL DEFAULT 0,
    node_ref    TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (action_id, catalog_id, node_ref)
);

CREATE TABLE tracker_progress (
    id          INTEGER PRIMARY KEY,
    action_id   INTEGER NOT NULL REFERENCES tracker_actions(id),
    on_date     TEXT    NOT NULL,
    author_id   INTEGER NOT NULL DEFAULT 0,
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX tracker_progress_action ON tracker_progress(action_id, id);

CREATE TABLE tracker_evidence (
    action_id  INTEGER NOT NULL REFERENCES tracker_actions(id),
    file_id    INTEGER NOT NULL REFERENCES evidence_files(id),
    PRIMARY KEY (action_id, file_id)
);

-- Information-security audits (internal/auditeng).
CREATE TABLE audit_plans (
    id           INTEGER PRIMARY KEY,
    fiscal_year  INTEGER NOT NULL UNIQUE,
    title        TEXT    NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'draft', -- draft, submitted, approved
    created_by   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    approved_by  INTEGER NOT NULL DEFAULT 0,
    approved_at  TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE audit_engagements (
    id                 INTEGER PRIMARY KEY,
    plan_id            INTEGER NOT NULL DEFAULT 0,   -- 0: ordered ad hoc
    ad_hoc             INTEGER NOT NULL DEFAULT 0,
    title              TEXT    NOT NULL,
    kind               TEXT    NOT NULL DEFAULT 'unit', -- unit, system
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    system_ref         TEXT    NOT NULL DEFAULT '',
    catalog_id         INTEGER NOT NULL REFERENCES catalogs(id),
    scope              TEXT    NOT NULL,              -- section refs separated by spaces
    starts_on          TEXT    NOT NULL,
    ends_on            TEXT    NOT NULL,
    objective          TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL,              -- planned, fieldwork, reported, instructed
    selfcheck_id       INTEGER NOT NULL DEFAULT 0,
    parent_catalog_id  INTEGER NOT NULL DEFAULT 0,
    summary            TEXT    NOT NULL DEFAULT '',
    reported_at        TEXT    NOT NULL DEFAULT '',
    reported_by        INTEGER NOT NULL DEFAULT 0,
    created_by         INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX audit_engagements_plan ON audit_engagements(plan_id);

CREATE TABLE audit_auditors (
    engagement_id  INTEGER NOT NULL REFERENCES audit_engagements(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    outside        INTEGER NOT NULL DEFAULT 0,
    access_until   TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (engagement_id, person_id)
);
CREATE INDEX audit_auditors_person ON audit_auditors(person_id);

CREATE TABLE audit_papers (
    id             INTEGER PRIMARY KEY,
    engagement_id  INTEGER NOT NULL REFERENCES audit_engagements(id),
    node_ref       TEXT    NOT NULL,
    result         TEXT    NOT NULL,                  -- conform, partial, nonconform, na
    observation    TEXT    NOT NULL DEFAULT '',
    auditor_id     INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT    NOT NULL,
    UNIQUE (engagement_id, node_ref)
);

CREATE TABLE audit_evidence (
    engagement_id  INTEGER NOT NULL REFERENCES audit_engagements(id),
    node_ref       TEXT    NOT NULL,
    file_id        INTEGER NOT NULL REFERENCES evidence_files(id),
    PRIMARY KEY (engagement_id, file_id)
);

CREATE TABLE audit_findings (
    id              INTEGER PRIMARY KEY,
    engagement_id   INTEGER NOT NULL REFERENCES audit_engagements(id),
    node_ref        TEXT    NOT NULL,
    severity        TEXT    NOT NULL,                 -- major, minor, observation
    description     TEXT    NOT NULL,
    recommendation  TEXT    NOT NULL DEFAULT '',
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL
);
CREATE INDEX audit_findings_engagement ON audit_findings(engagement_id);

CREATE TABLE audit_instructions (
    id             INTEGER PRIMARY KEY,
    engagement_id  INTEGER NOT NULL REFERENCES audit_engagements(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    body           TEXT    NOT NULL,
    issued_by      INTEGER NOT NULL DEFAULT 0,
    issued_at      TEXT    NOT NULL
);
CREATE INDEX audit_instructions_engagement ON audit_instructions(engagement_id);

-- Self-inspection's improvement actions move onto the tracker.
INSERT INTO tracker_actions (source_kind, source_id, source_item, source_label, source_link, unit_id, title,
    owner_id, due_on, status, note, created_at, updated_at, done_at)
SELECT 'selfcheck_item', a.campaign_id, a.item_id,
    c.name || CASE WHEN i.node_ref IS NULL THEN '' ELSE ' ' || i.node_ref END,
    '/selfcheck/campaigns/' || a.campaign_id || '/results', a.unit_id, a.title, a.owner_id, a.due_on, a.status,
    a.note, a.created_at, a.updated_at, CASE WHEN a.status = 'done' THEN a.updated_at ELSE '' END
FROM sc_actions a JOIN sc_campaigns c ON c.id = a.campaign_id LEFT JOIN sc_items i ON i.id = a.item_id ORDER BY a.id;
INSERT INTO tracker_requirements (action_id, catalog_id, node_ref, label)
SELECT t.id, e.catalog_id, i.node_ref, i.section_title FROM tracker_actions t
    JOIN sc_items i ON i.id = t.source_item JOIN editions e ON e.id = i.edition_id
WHERE t.source_kind = 'selfcheck_item' AND t.source_item <> 0;
DROP TABLE sc_actions;

-- +goose Down
CREATE TABLE sc_actions (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES sc_campaigns(id),
    item_id      INTEGER NOT NULL DEFAULT 0,
    unit_id      INTEGER NOT NULL DEFAULT 0,
    title        TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES people(id),
    due_on       TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open',
    note         TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX sc_actions_campaign ON sc_actions(campaign_id);
INSERT INTO sc_actions (campaign_id, item_id, unit_id, title, owner_id, due_on, status, note, created_at, updated_at)
SELECT source_id, source_item, unit_id, title, owner_id, due_on,
    CASE WHEN status = 'closed' THEN 'done' ELSE status END, note, created_at, updated_at
FROM tracker_actions WHERE source_kind = 'selfcheck_item' ORDER BY id;
DROP TABLE audit_instructions;
DROP TABLE audit_findings;
DROP TABLE audit_evidence;
DROP TABLE audit_papers;
DROP TABLE audit_auditors;
DROP TABLE audit_engagements;
DROP TABLE audit_plans;
DROP TABLE tracker_evidence;
DROP TABLE tracker_progress;
DROP TABLE tracker_requirements;
DROP TABLE tracker_actions;
DROP TABLE evidence_files;
