-- A reel is its reel number (issue 17). A tracked reel's warehouse row id is
-- only a hint now: after a rebuilt file or two swapped labels two links may
-- point at the same id for a moment, so the id is no longer UNIQUE (the table
-- is rebuilt: SQLite can't drop a column constraint in place; foreign keys are
-- off around the migration, see `Store::migrate`).
--
-- `born` is the warehouse row's creation time (its `date` column, to the
-- second) as last seen: a reel found under its number but born at another time
-- was entered again. No declared type: kept as read.
CREATE TABLE product_mappings_new (
    product_id     INTEGER PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    external_id    INTEGER NOT NULL,
    base_status    TEXT NOT NULL CHECK (base_status = 'In-stock' OR base_status = 'Sold' OR base_status = 'Delivered'),
    written_status TEXT CHECK (written_status = 'In-stock' OR written_status = 'Sold' OR written_status = 'Delivered'),
    field_hash     INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'ok' CHECK (state = 'ok' OR state = 'conflict' OR state = 'missing'),
    state_reason   TEXT,
    last_synced_at TEXT NOT NULL,
    born,
    -- While written_status is set: the run that wrote it, and the row's raw
    -- status and field hash just before (a row back at exactly these lost the
    -- write). Kept here, beside the link, so a sync reads them with it.
    written_run    INTEGER,
    written_before,
    written_hash_before INTEGER
);
INSERT INTO product_mappings_new (product_id, external_id, base_status, written_status,
        field_hash, state, state_reason, last_synced_at)
    SELECT product_id, external_id, base_status, written_status, field_hash, state,
        state_reason, last_synced_at
    FROM product_mappings;
DROP TABLE product_mappings;
ALTER TABLE product_mappings_new RENAME TO product_mappings;
CREATE INDEX product_mappings_external ON product_mappings (external_id);
CREATE INDEX product_mappings_state ON product_mappings (state) WHERE state <> 'ok';

-- Lost writes: the hash of the warehouse row's mapped cells just before the
-- write (NULL for writes recorded before this version, which are never taken
-- as lost). A row whose status and hash are back at exactly that lost the write.
ALTER TABLE warehouse_writes ADD COLUMN source_hash_before INTEGER;
-- The row's creation time when written: a later row at the same id or under the
-- same number born at another time is another reel.
ALTER TABLE warehouse_writes ADD COLUMN born;
-- The forklift's copy: the reel's row in its `Anbar_<location>` table, written
-- in the same warehouse transaction, with its own before-image. `copy_written`
-- is NULL until known.
ALTER TABLE warehouse_writes ADD COLUMN copy_table TEXT;
ALTER TABLE warehouse_writes ADD COLUMN copy_id INTEGER;
ALTER TABLE warehouse_writes ADD COLUMN copy_status_before;
ALTER TABLE warehouse_writes ADD COLUMN copy_last_date_before;
ALTER TABLE warehouse_writes ADD COLUMN copy_writes_last_date INTEGER NOT NULL DEFAULT 0;
ALTER TABLE warehouse_writes ADD COLUMN copy_written INTEGER;
-- A row new to the reel whose number it carries may hold what reelsync wrote to
-- it for another reel (two labels swapped after a sale): its writes are found by
-- its creation time, which, unlike its id, survives a rebuilt file.
CREATE INDEX warehouse_writes_by_born ON warehouse_writes (born, run_id, seq) WHERE born IS NOT NULL;

ALTER TABLE runs ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN rewritten INTEGER NOT NULL DEFAULT 0;

ALTER TABLE sync_settings ADD COLUMN mirror_anbar INTEGER NOT NULL DEFAULT 1 CHECK (mirror_anbar = 0 OR mirror_anbar = 1);
-- JSON of the WarehouseProblem that holds runs back; NULL when none.
ALTER TABLE sync_settings ADD COLUMN warehouse_hold TEXT;
-- JSON object: each mapped warehouse column and its declared type, as the last
-- run that read the file found them.
ALTER TABLE sync_settings ADD COLUMN warehouse_columns TEXT;
-- Set by `accept-warehouse`: the next run takes the file as it is (once).
ALTER TABLE sync_settings ADD COLUMN warehouse_accepted INTEGER NOT NULL DEFAULT 0 CHECK (warehouse_accepted = 0 OR warehouse_accepted = 1);
