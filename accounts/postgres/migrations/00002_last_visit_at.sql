-- Account.LastVisitAt: the start of the account's latest done visit, NULL if
-- it has none. The store recomputes it in the transaction of every activity
-- write; here it is filled in from the activities already stored, touching
-- only the accounts that have a done visit. Indexed so that "not visited
-- since" is a range scan.

-- +goose Up
ALTER TABLE accounts ADD COLUMN last_visit_at timestamptz;

UPDATE accounts SET last_visit_at = v.last
FROM (SELECT account_id, max(start_at) AS last FROM activities
      WHERE type = 'visit' AND done AND account_id IS NOT NULL
      GROUP BY account_id) AS v
WHERE accounts.id = v.account_id;

CREATE INDEX accounts_last_visit_at ON accounts (last_visit_at);
