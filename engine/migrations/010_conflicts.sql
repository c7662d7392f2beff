-- A conflict is its own record (issue 20): found by a sync, shown in the
-- inbox, and ended by a person keeping one side (a `resolve` run) or by a later
-- sync that finds both sides in step. At most one open conflict per reel.
CREATE TABLE conflicts (
    id           INTEGER PRIMARY KEY,
    product_id   INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    reel_number  TEXT NOT NULL,
    base         TEXT NOT NULL CHECK (base = 'In-stock' OR base = 'Sold' OR base = 'Delivered'),
    office       TEXT NOT NULL CHECK (office = 'In-stock' OR office = 'Sold' OR office = 'Delivered'),
    office_by    TEXT,
    office_at    TEXT NOT NULL,
    warehouse    TEXT NOT NULL CHECK (warehouse = 'In-stock' OR warehouse = 'Sold' OR warehouse = 'Delivered'),
    -- The warehouse row's last_date and location as read (kept as read).
    warehouse_at,
    location,
    -- JSON of the Reason the sync gave.
    reason       TEXT NOT NULL,
    found_run    INTEGER NOT NULL,
    found_at     TEXT NOT NULL,
    -- The newest run that found it still open.
    seen_run     INTEGER NOT NULL,
    resolution   TEXT CHECK (resolution = 'kept_warehouse' OR resolution = 'kept_office' OR resolution = 'settled' OR resolution = 'gone'),
    resolved_by  TEXT,
    resolved_at  TEXT,
    resolved_run INTEGER
);
CREATE UNIQUE INDEX conflicts_open ON conflicts (product_id) WHERE resolved_at IS NULL;
CREATE INDEX conflicts_of_reel ON conflicts (reel_number, id);

-- Conflicts found before this version: the link knew only its state and the
-- reason; the warehouse's side is the reason's, else (a renamed row) unknown
-- and taken as the base until the next sync reads it again.
INSERT INTO conflicts (product_id, reel_number, base, office, office_at, warehouse,
        reason, found_run, found_at, seen_run)
    SELECT m.product_id, p.reel_number, m.base_status, p.status, p.status_changed_at,
        coalesce(json_extract(m.state_reason, '$.warehouse'), m.base_status),
        coalesce(m.state_reason, '{"code":"text","text":""}'),
        coalesce((SELECT max(id) FROM runs), 0), m.last_synced_at,
        coalesce((SELECT max(id) FROM runs), 0)
    FROM product_mappings m JOIN products p ON p.id = m.product_id
    WHERE m.state = 'conflict';

-- Runs of kind `resolve` (a person keeping one side of conflicts) and `undo`
-- (a run taken back). SQLite can't change a CHECK in place: the runs table is
-- rebuilt, foreign keys off around it (see `Store::migrate`).
CREATE TABLE runs_new (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind = 'manual' OR kind = 'auto' OR kind = 'import' OR kind = 'export' OR kind = 'resolve' OR kind = 'undo'),
    trigger     TEXT NOT NULL CHECK (trigger = 'manual' OR trigger = 'schedule'),
    who         TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    duration_ms INTEGER,
    outcome     TEXT NOT NULL CHECK (outcome = 'running' OR outcome = 'succeeded' OR outcome = 'partial' OR outcome = 'failed' OR outcome = 'cancelled'),
    error       TEXT,
    snapshot    TEXT,
    importable  INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    exported    INTEGER NOT NULL DEFAULT 0,
    status_in   INTEGER NOT NULL DEFAULT 0,
    conflicts   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    missing     INTEGER NOT NULL DEFAULT 0,
    rewritten   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO runs_new (id, kind, trigger, who, started_at, finished_at, duration_ms, outcome,
        error, snapshot, importable, imported, updated, exported, status_in, conflicts,
        rejected, unchanged, missing, rewritten)
    SELECT id, kind, trigger, who, started_at, finished_at, duration_ms, outcome,
        error, snapshot, importable, imported, updated, exported, status_in, conflicts,
        rejected, unchanged, missing, rewritten
    FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_started ON runs (started_at);
