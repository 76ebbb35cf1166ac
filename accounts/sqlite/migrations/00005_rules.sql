-- Strategic rules, what they did, the alert feed and the outbox.
--
-- rules are versioned records like the others. rule_firings holds one row
-- per (rule, account): the time the rule last fired there, which the
-- cooldown is measured from; a write of a firing upserts it in the same
-- transaction as the alerts, tasks, deliveries and owner change it carries
-- (see accounts.RuleStore). alerts are each user's in-app feed. deliveries
-- are the outbox: one message to one recipient, unique by key so that a
-- firing enqueued twice sends nothing twice. accounts.rule_score holds the
-- score parts the matching rules add, derived like last_visit_at.
--
-- An alert outlives the account, rule and task it mentions (SET NULL: the
-- message still reads), while a user's alerts block the user's delete, as
-- every reference to a user does. Firings go with their rule and account.

-- +goose Up
CREATE TABLE rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    version       INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    expression    TEXT    NOT NULL,
    actions       TEXT    NOT NULL, -- JSON array of actions
    enabled       INTEGER NOT NULL,
    cooldown_days INTEGER NOT NULL
);

CREATE TABLE rule_firings (
    rule_id    INTEGER NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    fired_at   TEXT    NOT NULL,
    PRIMARY KEY (rule_id, account_id)
) WITHOUT ROWID;
CREATE INDEX rule_firings_account_id ON rule_firings (account_id);

CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    rule_id    INTEGER REFERENCES rules (id) ON DELETE SET NULL,
    task_id    INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    message    TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    read_at    TEXT
);
-- A user's feed, newest first; it also serves the user's foreign key.
CREATE INDEX alerts_user_id ON alerts (user_id, id);
CREATE INDEX alerts_account_id ON alerts (account_id);
CREATE INDEX alerts_rule_id ON alerts (rule_id);
CREATE INDEX alerts_task_id ON alerts (task_id);

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT    NOT NULL UNIQUE,
    channel      TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    subscription INTEGER NOT NULL, -- webhook subscription, 0 for an e-mail
    subject      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    payload      BLOB,             -- webhook only
    state        TEXT    NOT NULL, -- pending, sent or dead
    attempts     INTEGER NOT NULL,
    next_at      TEXT    NOT NULL, -- due, or the end of the current claim
    last_error   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    sent_at      TEXT,
    dead_at      TEXT              -- when it was given up, for an admin
);
-- What a claim and the worker's next wake-up read: the pending ones by due time.
CREATE INDEX deliveries_pending ON deliveries (next_at, id) WHERE state = 'pending';

ALTER TABLE accounts ADD COLUMN rule_score TEXT; -- JSON array of score parts, NULL when none
