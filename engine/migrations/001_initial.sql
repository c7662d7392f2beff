-- reelsync's main store.
--
-- CHECKs spell out `a = x OR a = y` rather than `a IN (x, y)`: SQLite builds an
-- ephemeral table for each IN list on every insert, which made a 100k-reel import
-- several times slower. Times reelsync makes are UTC (RFC 3339 text); times copied
-- from the warehouse stay as the warehouse app wrote them (naive local time).

CREATE TABLE products (
    id                INTEGER PRIMARY KEY,
    reel_number       TEXT NOT NULL UNIQUE,
    width             INTEGER,
    gsm               INTEGER,
    length            INTEGER,
    grade             TEXT,
    breaks            INTEGER,
    comments          TEXT,
    qr_code           TEXT,
    profile_name      TEXT,
    location          TEXT,
    status            TEXT NOT NULL CHECK (status = 'In-stock' OR status = 'Sold' OR status = 'Delivered'),
    receive_date      TEXT,
    last_date         TEXT,
    username          TEXT,
    logs              TEXT,
    date              TEXT,
    shipment_id       INTEGER,
    -- When the status last changed here: an office sale's time, exported as last_date.
    status_changed_at TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- One row per tracked reel: the link to its warehouse row and the sync's memory.
CREATE TABLE product_mappings (
    product_id     INTEGER PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    external_id    INTEGER NOT NULL UNIQUE,
    -- The status both sides agreed on at the last sync.
    base_status    TEXT NOT NULL CHECK (base_status = 'In-stock' OR base_status = 'Sold' OR base_status = 'Delivered'),
    -- The status reelsync itself last wrote to the warehouse, if any: an office
    -- cancellation is exported only over a value reelsync wrote.
    written_status TEXT CHECK (written_status = 'In-stock' OR written_status = 'Sold' OR written_status = 'Delivered'),
    -- Hash of the mapped warehouse fields (all but status) at the last sync.
    field_hash     INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'ok' CHECK (state = 'ok' OR state = 'conflict' OR state = 'missing'),
    state_reason   TEXT,
    imported_at    TEXT NOT NULL,
    last_synced_at TEXT NOT NULL
);
CREATE INDEX product_mappings_state ON product_mappings (state) WHERE state <> 'ok';

CREATE TABLE field_mappings (
    field           TEXT PRIMARY KEY,
    external_column TEXT NOT NULL,
    -- JSON array of transforms, applied in order; [] for a direct mapping.
    transforms      TEXT NOT NULL DEFAULT '[]',
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    updated_at      TEXT NOT NULL
);

CREATE TABLE sync_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    auto_sync          INTEGER NOT NULL DEFAULT 0 CHECK (auto_sync = 0 OR auto_sync = 1),
    interval_minutes   INTEGER NOT NULL DEFAULT 1440 CHECK (interval_minutes BETWEEN 1 AND 10080),
    auto_import        TEXT NOT NULL DEFAULT 'off' CHECK (auto_import = 'off' OR auto_import = 'all'),
    external_path      TEXT,
    snapshot_retention INTEGER NOT NULL DEFAULT 5 CHECK (snapshot_retention BETWEEN 1 AND 1000),
    last_run_at        TEXT,
    next_run_at        TEXT
);
INSERT INTO sync_settings (id) VALUES (1);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind = 'manual' OR kind = 'auto' OR kind = 'import' OR kind = 'export'),
    trigger     TEXT NOT NULL CHECK (trigger = 'manual' OR trigger = 'schedule'),
    who         TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    duration_ms INTEGER,
    outcome     TEXT NOT NULL CHECK (outcome = 'running' OR outcome = 'succeeded' OR outcome = 'partial' OR outcome = 'failed'),
    error       TEXT,
    snapshot    TEXT,
    importable  INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    exported    INTEGER NOT NULL DEFAULT 0,
    status_in   INTEGER NOT NULL DEFAULT 0,
    conflicts   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_started ON runs (started_at);

-- Clustered by run: a run's items are written and read together, and one B-tree
-- instead of a table and an index keeps a 100k-reel import fast.
CREATE TABLE run_items (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    reel_number TEXT NOT NULL,
    action      TEXT NOT NULL,
    reason      TEXT,
    -- JSON array of {field, old, new}.
    changes     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE activity (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT
);
CREATE INDEX activity_at ON activity (at);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- argon2id PHC string.
    password_hash TEXT NOT NULL,
    is_superuser  INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser = 0 OR is_superuser = 1),
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a leaked store does not leak live sessions.
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
