-- A run can end `cancelled`: stopped on request at a page boundary, with what it
-- applied before committed and logged. SQLite can't change a CHECK in place, so
-- the runs table is rebuilt (the store's migrate step turns foreign keys off
-- around it, so dropping the old table leaves the run items and warehouse-write
-- records that refer to the runs as they are).
CREATE TABLE runs_new (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind = 'manual' OR kind = 'auto' OR kind = 'import' OR kind = 'export'),
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
    unchanged   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO runs_new (id, kind, trigger, who, started_at, finished_at, duration_ms, outcome,
        error, snapshot, importable, imported, updated, exported, status_in, conflicts,
        rejected, unchanged)
    SELECT id, kind, trigger, who, started_at, finished_at, duration_ms, outcome,
        error, snapshot, importable, imported, updated, exported, status_in, conflicts,
        rejected, unchanged
    FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_started ON runs (started_at);
