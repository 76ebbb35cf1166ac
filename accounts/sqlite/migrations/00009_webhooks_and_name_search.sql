-- Webhook subscriptions (see accounts.WebhookStore), and account names in
-- full-text search (see accounts.Store.SearchReports).
--
-- A subscription follows the change feed from last_seq, its cursor: the
-- dispatcher moves it and enqueues the deliveries of the changes it passed
-- in one transaction. secret signs the deliveries; the store returns it
-- only from WebhookSecret, never with the subscription. Subscriptions are
-- settings, not records of the change feed. entities and ops are JSON
-- arrays of strings.
--
-- account_search indexes each account's name as activity_search does
-- reports (see 00007): contentless FTS5 over the folded, stemmed words
-- that tournee_search_text gives, kept in step by triggers in every
-- write's own transaction, and filled here with the accounts already there.

-- +goose Up
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    entities   TEXT    NOT NULL,
    ops        TEXT    NOT NULL,
    enabled    INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    secret     TEXT    NOT NULL CHECK (secret <> '')
);

CREATE VIRTUAL TABLE account_search USING fts5 (
    name,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO account_search (rowid, name) SELECT id, tournee_search_text(name) FROM accounts;

-- +goose StatementBegin
CREATE TRIGGER accounts_search_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO account_search (rowid, name) VALUES (new.id, tournee_search_text(new.name));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER accounts_search_update AFTER UPDATE OF name ON accounts BEGIN
    DELETE FROM account_search WHERE rowid = old.id;
    INSERT INTO account_search (rowid, name) VALUES (new.id, tournee_search_text(new.name));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER accounts_search_delete AFTER DELETE ON accounts BEGIN
    DELETE FROM account_search WHERE rowid = old.id;
END;
-- +goose StatementEnd
