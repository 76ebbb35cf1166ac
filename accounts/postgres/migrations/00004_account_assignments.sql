-- Territory assignment: who follows each account in each territory layer.
-- One row per (account, layer) where a territory of the layer holds the
-- account or a manager pinned it; the store recomputes the rows in the
-- transaction of every account, territory and pin write (see
-- accounts.Store). territory_id is the territory that holds the account,
-- NULL when none does (pinned rows only); user_id the pinned user or the
-- territory's assignee. A deleted territory leaves its rows to the
-- recomputation in the same transaction, hence SET NULL rather than a
-- blocking reference. Territories stored before this migration get their
-- rows at their next edit.

-- +goose Up
CREATE TABLE account_assignments (
    account_id   bigint  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    layer        text    NOT NULL,
    user_id      bigint  REFERENCES users (id),
    territory_id bigint  REFERENCES territories (id) ON DELETE SET NULL,
    pinned       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, layer)
);
CREATE INDEX account_assignments_user_id ON account_assignments (user_id);
CREATE INDEX account_assignments_territory_id ON account_assignments (territory_id);

-- Accounts inside a territory's bounds: the rows a territory edit reads.
CREATE INDEX accounts_lat_lng ON accounts (lat, lng);
