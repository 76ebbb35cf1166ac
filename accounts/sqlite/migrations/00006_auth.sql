-- Sign-in: users' password hashes and credentials (see accounts.AuthStore).
--
-- users.password_hash is the argon2id hash of the user's password in PHC
-- form, NULL for a user who has none (and cannot sign in with one). It is
-- not a field of accounts.User: only PasswordHash reads it, and setting it
-- is not a write of the user record (no version, no change row).
--
-- credentials are browser sessions and API tokens, of which only the
-- SHA-256 hash of the secret is kept; hash is unique, which also indexes
-- the lookup of every authenticated request. parent_id is the refresh token
-- an access token was made from, so that revoking the one revokes the
-- other. Credentials are not records of the change feed and have no
-- version: a revocation sets revoked_at, and rows stay until their user
-- goes.
--
-- Unlike every other reference to a user, a credential does not block the
-- user's delete: it means nothing without its user, so it goes with it
-- (CASCADE), and the access tokens made from a credential go with that
-- credential.

-- +goose Up
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE credentials (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL, -- session, access, refresh or api
    name       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE CHECK (hash <> ''), -- hex SHA-256 of the secret
    parent_id  INTEGER REFERENCES credentials (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    last_used  TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    revoked_at TEXT
);
-- A user's credentials not yet expired: the token list, the revocation of
-- all of them; it also serves the user's foreign key.
CREATE INDEX credentials_user_id ON credentials (user_id, expires_at);
CREATE INDEX credentials_parent_id ON credentials (parent_id);
