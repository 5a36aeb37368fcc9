-- +goose Up
-- Sign-in through an OpenID provider: how a session was started
-- ('password' or 'oidc:NAME'), whether it still owes kitei a TOTP code
-- (the provider's sign-in did not include a second factor), and the kitei
-- roles the provider's groups gave for this session (JSON array of keys).
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN mfa_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN idp_roles TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE sessions DROP COLUMN idp_roles;
ALTER TABLE sessions DROP COLUMN mfa_pending;
ALTER TABLE sessions DROP COLUMN method;
