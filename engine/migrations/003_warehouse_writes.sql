-- Every write reelsync makes to the warehouse, recorded before it is made: the
-- before-image of exactly the cells it overwrites (enough to undo a run's writes),
-- and the after-image it intends. A write is `planned` until the main store has
-- recorded its outcome; a run that fails in between (a full disk, a power cut)
-- leaves it `planned`, and the next run reads the warehouse row to learn whether
-- the write happened, so a write that succeeded is never forgotten.
--
-- `reel`, `status_before` and `last_date_before` have no declared type, so SQLite
-- keeps them exactly as read from the warehouse (text, integer, …).
CREATE TABLE warehouse_writes (
    run_id            INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    product_id        INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    external_id       INTEGER NOT NULL,
    reel_number       TEXT NOT NULL,
    reel,
    status_before,
    last_date_before,
    status_after      TEXT NOT NULL,
    -- NULL with writes_last_date = 1 means the write sets last_date to NULL.
    last_date_after   TEXT,
    writes_last_date  INTEGER NOT NULL CHECK (writes_last_date = 0 OR writes_last_date = 1),
    to_status         TEXT NOT NULL CHECK (to_status = 'In-stock' OR to_status = 'Sold' OR to_status = 'Delivered'),
    source_hash_after INTEGER NOT NULL,
    state             TEXT NOT NULL DEFAULT 'planned' CHECK (state = 'planned' OR state = 'written' OR state = 'not_written'),
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX warehouse_writes_planned ON warehouse_writes (state) WHERE state = 'planned';

-- The warehouse app's time zone (an IANA name); NULL means the host's.
ALTER TABLE sync_settings ADD COLUMN warehouse_time_zone TEXT;
