-- +goose Up
-- Self-inspection (自己点検). A campaign's items come from catalog
-- requirements; publishing makes one checklist per person, pointing at a
-- profile (a distinct role set and the items it answers) instead of
-- listing items, so the only row per person × item is the answer itself.
-- sc_tally keeps answer counts per campaign × unit × item, updated in the
-- same transaction as each answer, so roll-ups never scan the answers.
CREATE TABLE sc_campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    fiscal_year   INTEGER NOT NULL,
    opens_on      TEXT    NOT NULL,
    closes_on     TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'draft', -- draft, published, closed
    published_on  TEXT    NOT NULL DEFAULT '',
    remind_days   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE sc_items (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER NOT NULL REFERENCES sc_campaigns(id),
    ord            INTEGER NOT NULL,
    edition_id     INTEGER NOT NULL REFERENCES editions(id),
    node_ref       TEXT    NOT NULL,
    section_ref    TEXT    NOT NULL,
    section_title  TEXT    NOT NULL DEFAULT '',
    subject        TEXT    NOT NULL DEFAULT '',
    body           TEXT    NOT NULL,             -- the requirement verbatim
    question       TEXT    NOT NULL,             -- what people are asked
    roles          TEXT    NOT NULL DEFAULT '',  -- role keys separated by spaces
    UNIQUE (campaign_id, edition_id, node_ref)
);

CREATE TABLE sc_profiles (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES sc_campaigns(id),
    roles        TEXT    NOT NULL,               -- role keys separated by spaces
    item_ids     TEXT    NOT NULL                -- item ids separated by spaces
);
CREATE INDEX sc_profiles_campaign ON sc_profiles(campaign_id);

CREATE TABLE sc_checklists (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES sc_campaigns(id),
    person_id     INTEGER NOT NULL REFERENCES people(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    profile_id    INTEGER NOT NULL REFERENCES sc_profiles(id),
    status        TEXT    NOT NULL DEFAULT 'not_started', -- not_started, in_progress, submitted
    total         INTEGER NOT NULL,             -- items on the checklist (answered ones are counted from sc_answers)
    submitted_at  TEXT    NOT NULL DEFAULT '',
    updated_at    TEXT    NOT NULL DEFAULT '',
    UNIQUE (campaign_id, person_id)
);
CREATE INDEX sc_checklists_unit ON sc_checklists(campaign_id, unit_id);
CREATE INDEX sc_checklists_person ON sc_checklists(person_id);

CREATE TABLE sc_answers (
    checklist_id  INTEGER NOT NULL,
    item_id       INTEGER NOT NULL,
    value         INTEGER NOT NULL,              -- 1 yes, 2 partial, 3 no, 4 na
    comment       TEXT    NOT NULL DEFAULT '',
    answered_at   TEXT    NOT NULL,
    PRIMARY KEY (checklist_id, item_id)
) WITHOUT ROWID;

CREATE TABLE sc_tally (
    campaign_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    item_id      INTEGER NOT NULL,
    n_yes        INTEGER NOT NULL DEFAULT 0,
    n_partial    INTEGER NOT NULL DEFAULT 0,
    n_no         INTEGER NOT NULL DEFAULT 0,
    n_na         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, unit_id, item_id)
) WITHOUT ROWID;

CREATE TABLE sc_actions (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES sc_campaigns(id),
    item_id      INTEGER NOT NULL DEFAULT 0,
    unit_id      INTEGER NOT NULL DEFAULT 0,
    title        TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES people(id),
    due_on       TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open', -- open, in_progress, done
    note         TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX sc_actions_campaign ON sc_actions(campaign_id);

-- In-app notices (reminders and the like), newest read first.
CREATE TABLE notices (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    kind         TEXT    NOT NULL,
    ref          TEXT    NOT NULL DEFAULT '',    -- what it is about: "selfcheck:3"
    message      TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    read_at      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notices_person ON notices(person_id, id);

-- Background jobs: a job runs only after a replica claims it with a
-- conditional UPDATE, so several replicas never run the same job twice.
CREATE TABLE jobs (
    key            TEXT    PRIMARY KEY,
    claimed_by     TEXT    NOT NULL DEFAULT '',
    claimed_until  TEXT    NOT NULL DEFAULT '',
    done_at        TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL
);

-- +goose Down
DROP TABLE jobs;
DROP TABLE notices;
DROP TABLE sc_actions;
DROP TABLE sc_tally;
DROP TABLE sc_answers;
DROP TABLE sc_checklists;
DROP TABLE sc_profiles;
DROP TABLE sc_items;
DROP TABLE sc_campaigns;
