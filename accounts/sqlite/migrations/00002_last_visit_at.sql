-- Account.LastVisitAt: the start of the account's latest done visit, NULL if
-- it has none. The store recomputes it in the transaction of every activity
-- write; here it is filled in from the activities already stored. Indexed so
-- that "not visited since" is a range scan.

-- +goose Up
ALTER TABLE accounts ADD COLUMN last_visit_at TEXT;

UPDATE accounts SET last_visit_at = (
    SELECT max(start_at) FROM activities
    WHERE account_id = accounts.id AND type = 'visit' AND done)
WHERE id IN (SELECT account_id FROM activities WHERE type = 'visit' AND done);

CREATE INDEX accounts_last_visit_at ON accounts (last_visit_at);
