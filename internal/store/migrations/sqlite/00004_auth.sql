-- +goose Up
-- Sign-in: accounts, password history, server-side sessions, API tokens and
-- settings. Accounts are never deleted (disabled instead) and AUTOINCREMENT
-- keeps their ids from ever being reused. Secrets are stored only as hashes
-- (passwords: argon2id; session and API tokens: SHA-256). Times are UTC text
-- of fixed width (2006-01-02T15:04:05.000000Z) so they compare as text.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    login                TEXT    NOT NULL UNIQUE,
    person_id            INTEGER UNIQUE REFERENCES people(id),  -- one account per person
    display_name         TEXT    NOT NULL DEFAULT '',
    is_admin             INTEGER NOT NULL DEFAULT 0,
    password_hash        TEXT    NOT NULL,
    password_changed_at  TEXT    NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    totp_secret          TEXT    NOT NULL DEFAULT '',  -- pending until totp_enabled_at is set
    totp_enabled_at      TEXT,
    totp_last_step       INTEGER NOT NULL DEFAULT 0,   -- last accepted 30 s step: replay protection
    last_login_at        TEXT,
    last_login_ip        TEXT    NOT NULL DEFAULT '',
    failed_count         INTEGER NOT NULL DEFAULT 0,   -- consecutive failures counting towards the lock
    failed_since_login   INTEGER NOT NULL DEFAULT 0,   -- failures since the last successful sign-in
    last_failed_at       TEXT,
    locked_until         TEXT,
    disabled_at          TEXT,
    disabled_reason      TEXT    NOT NULL DEFAULT '',
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL
);

CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    password_hash TEXT    NOT NULL,
    set_at        TEXT    NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, set_at);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash       TEXT    NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    created_at       TEXT    NOT NULL,
    last_seen_at     TEXT    NOT NULL,
    idle_expires_at  TEXT    NOT NULL,
    expires_at       TEXT    NOT NULL,
    revoked_at       TEXT,
    ip               TEXT    NOT NULL DEFAULT '',
    user_agent       TEXT    NOT NULL DEFAULT '',
    notice_pending   INTEGER NOT NULL DEFAULT 0,  -- last sign-in notice not yet shown
    prev_login_at    TEXT,
    prev_login_ip    TEXT    NOT NULL DEFAULT '',
    prev_failed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id, revoked_at);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,   -- JSON
    updated_at  TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE password_history;
DROP TABLE users;
