-- +goose Up
-- Education and training (教育・訓練). A plan per fiscal year with its
-- approval history; courses carry their sections and test (questions as
-- JSON, correctness included: only the server reads it); one assignment per
-- person, course and cycle (the new-staff course: the day of joining or
-- transfer); attempts keep the shuffled order they showed. Images are
-- stored base64 so both engines keep the same column types.
CREATE TABLE training_plans (
    id           INTEGER PRIMARY KEY,
    fiscal_year  INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    created_by   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

CREATE TABLE training_plan_events (
    id        INTEGER PRIMARY KEY,
    plan_id   INTEGER NOT NULL REFERENCES training_plans(id),
    action    TEXT    NOT NULL,
    actor_id  INTEGER NOT NULL DEFAULT 0,
    comment   TEXT    NOT NULL DEFAULT '',
    at        TEXT    NOT NULL
);
CREATE INDEX training_plan_events_plan ON training_plan_events(plan_id, id);

CREATE TABLE training_courses (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL DEFAULT 0,
    title         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    summary       TEXT    NOT NULL DEFAULT '',
    sections      TEXT    NOT NULL DEFAULT '[]',
    questions     TEXT    NOT NULL DEFAULT '[]',
    pass_mark     INTEGER NOT NULL DEFAULT 80,
    max_attempts  INTEGER NOT NULL DEFAULT 0,
    opens_on      TEXT    NOT NULL DEFAULT '',
    closes_on     TEXT    NOT NULL DEFAULT '',
    audience      TEXT    NOT NULL DEFAULT '{}',
    new_staff     INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE training_images (
    id            INTEGER PRIMARY KEY,
    course_id     INTEGER NOT NULL REFERENCES training_courses(id),
    name          TEXT    NOT NULL DEFAULT '',
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    data          TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);

CREATE TABLE training_assignments (
    id               INTEGER PRIMARY KEY,
    course_id        INTEGER NOT NULL REFERENCES training_courses(id),
    person_id        INTEGER NOT NULL REFERENCES people(id),
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    cycle            TEXT    NOT NULL DEFAULT '',
    reason           TEXT    NOT NULL DEFAULT '',
    due_on           TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL,
    opened_at        TEXT    NOT NULL DEFAULT '',
    completed_at     TEXT    NOT NULL DEFAULT '',
    score            INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    drill_opened     INTEGER NOT NULL DEFAULT 0,
    drill_reported   INTEGER NOT NULL DEFAULT 0,
    reminded_at      TEXT    NOT NULL DEFAULT '',
    auto_reminded_at TEXT    NOT NULL DEFAULT '',
    escalated_at     TEXT    NOT NULL DEFAULT '',
    excuse           TEXT    NOT NULL DEFAULT '',
    excuse_state     TEXT    NOT NULL DEFAULT '',
    excuse_by        INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL,
    UNIQUE (course_id, person_id, cycle)
);
CREATE INDEX training_assignments_person ON training_assignments(person_id);
-- Covers the completion figures (per course and unit) and the score bands.
CREATE INDEX training_assignments_course_unit ON training_assignments(course_id, unit_id, status, due_on, score, drill_opened, drill_reported);
CREATE INDEX training_assignments_due ON training_assignments(status, due_on);

CREATE TABLE training_attempts (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES training_assignments(id),
    course_id      INTEGER NOT NULL,
    person_id      INTEGER NOT NULL,
    shown          TEXT    NOT NULL DEFAULT '{}',
    answers        TEXT    NOT NULL DEFAULT '{}',
    started_at     TEXT    NOT NULL,
    submitted_at   TEXT    NOT NULL DEFAULT '',
    score          INTEGER NOT NULL DEFAULT 0,
    passed         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX training_attempts_assignment ON training_attempts(assignment_id, id);

CREATE TABLE training_employment (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id),
    type        TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- +goose Down
DROP TABLE training_employment;
DROP TABLE training_attempts;
DROP TABLE training_assignments;
DROP TABLE training_images;
DROP TABLE training_courses;
DROP TABLE training_plan_events;
DROP TABLE training_plans;
