-- Tournée schema for SQLite. Migrations are forward-only: a later change is a
-- new file, never an edit of this one.
--
-- Times are TEXT in the fixed-width UTC form 2006-01-02T15:04:05.000000Z so
-- that text order is time order. Ids use AUTOINCREMENT so that an id is never
-- reused after a delete: offline clients and list cursors rely on that.
-- Every foreign-key column has an index, because SQLite checks a parent's
-- delete by searching each child table.

-- +goose Up
CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    version           INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    email             TEXT    NOT NULL,
    email_key         TEXT    NOT NULL UNIQUE, -- lower-cased email: unique regardless of case
    name              TEXT    NOT NULL,
    role              TEXT    NOT NULL,
    manager_id        INTEGER REFERENCES users (id),
    home_lat          REAL    NOT NULL,
    home_lng          REAL    NOT NULL,
    home_address      TEXT    NOT NULL,
    work_days         TEXT    NOT NULL, -- JSON array of day names
    work_start        INTEGER NOT NULL, -- minutes after midnight
    work_end          INTEGER NOT NULL,
    cost_per_km_cents INTEGER NOT NULL,
    speed_kmh         REAL    NOT NULL
);
CREATE INDEX users_manager_id ON users (manager_id);

CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    version           INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    name_lower        TEXT    NOT NULL, -- for case-insensitive prefix search
    legal_id          TEXT    NOT NULL,
    street            TEXT    NOT NULL,
    postal_code       TEXT    NOT NULL,
    city              TEXT    NOT NULL,
    country           TEXT    NOT NULL,
    lat               REAL    NOT NULL,
    lng               REAL    NOT NULL,
    potential_cents   INTEGER NOT NULL,
    segment           TEXT    NOT NULL,
    tags              TEXT    NOT NULL, -- JSON array of strings
    opening_hours     TEXT    NOT NULL, -- JSON object keyed by day name
    visit_duration_ns INTEGER NOT NULL,
    qual_size         TEXT    NOT NULL,
    qual_sector       TEXT    NOT NULL,
    qualified_at      TEXT,             -- YYYY-MM-DD
    custom            TEXT,             -- JSON object, NULL when empty
    owner_id          INTEGER REFERENCES users (id)
);
CREATE INDEX accounts_owner_id ON accounts (owner_id);
CREATE INDEX accounts_kind ON accounts (kind);
CREATE INDEX accounts_segment ON accounts (segment);
CREATE INDEX accounts_updated_at ON accounts (updated_at);
CREATE INDEX accounts_name_lower ON accounts (name_lower);

CREATE TABLE revenue (
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    month        TEXT    NOT NULL, -- YYYY-MM
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (account_id, month)
) WITHOUT ROWID;

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    notes      TEXT    NOT NULL,
    dates      TEXT    NOT NULL -- JSON array of {label, date}
);
CREATE INDEX contacts_account_id ON contacts (account_id);
CREATE INDEX contacts_updated_at ON contacts (updated_at);

CREATE TABLE stages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    probability INTEGER NOT NULL
);

CREATE TABLE opportunities (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    version        INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    stage_id       INTEGER NOT NULL REFERENCES stages (id),
    amount_cents   INTEGER NOT NULL,
    expected_close TEXT    NOT NULL, -- YYYY-MM-DD or ''
    owner_id       INTEGER REFERENCES users (id),
    status         TEXT    NOT NULL
);
CREATE INDEX opportunities_account_id ON opportunities (account_id);
CREATE INDEX opportunities_stage_id ON opportunities (stage_id);
CREATE INDEX opportunities_owner_id ON opportunities (owner_id);
CREATE INDEX opportunities_updated_at ON opportunities (updated_at);

CREATE TABLE activities (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    done         INTEGER NOT NULL,
    -- No cascade: an account with a visit history is not deleted (the
    -- Store contract cascades to contacts, revenue and opportunities only).
    account_id   INTEGER REFERENCES accounts (id),
    owner_id     INTEGER REFERENCES users (id),
    start_at     TEXT    NOT NULL,
    end_at       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    report       TEXT    NOT NULL,
    check_in_lat REAL, -- both NULL when the visit was not checked in
    check_in_lng REAL,
    travelled_m  INTEGER NOT NULL
);
CREATE INDEX activities_account_id ON activities (account_id);
CREATE INDEX activities_owner_id ON activities (owner_id);
CREATE INDEX activities_start_at ON activities (start_at);
CREATE INDEX activities_updated_at ON activities (updated_at);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    notes       TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts (id), -- no cascade, as for activities
    assignee_id INTEGER NOT NULL REFERENCES users (id),
    created_by  INTEGER REFERENCES users (id),
    due         TEXT    NOT NULL, -- YYYY-MM-DD or ''
    remind_at   TEXT,
    status      TEXT    NOT NULL
);
CREATE INDEX tasks_account_id ON tasks (account_id);
CREATE INDEX tasks_assignee_id ON tasks (assignee_id);
CREATE INDEX tasks_created_by ON tasks (created_by);
CREATE INDEX tasks_remind_at ON tasks (remind_at);
CREATE INDEX tasks_updated_at ON tasks (updated_at);

CREATE TABLE territories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    layer       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    geometry    BLOB,             -- WKB MultiPolygon, lng/lat order
    min_lat     REAL,             -- bounding box of geometry
    min_lng     REAL,
    max_lat     REAL,
    max_lng     REAL,
    priority    INTEGER NOT NULL,
    assignee_id INTEGER REFERENCES users (id)
);
CREATE INDEX territories_layer ON territories (layer);
CREATE INDEX territories_assignee_id ON territories (assignee_id);

-- No foreign key on actor_id: the feed outlives the users it names.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT    NOT NULL,
    entity_id INTEGER NOT NULL,
    op        TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    actor_id  INTEGER
);

CREATE TABLE idempotency_keys (
    key         TEXT    PRIMARY KEY,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0, -- 0 while the first request is in flight
    body        BLOB,
    created_at  TEXT    NOT NULL
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
