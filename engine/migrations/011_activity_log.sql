-- The activity log as the admin's screen reads it: how each entry ended, what
-- kind of thing it is about, and where the request came from (the client's
-- address and browser; none for the command line and the schedule).
ALTER TABLE activity ADD COLUMN outcome TEXT NOT NULL DEFAULT 'done'
    CHECK (outcome IN ('done', 'refused', 'failed'));
ALTER TABLE activity ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN client TEXT;
ALTER TABLE activity ADD COLUMN agent TEXT;

UPDATE activity SET target = CASE
    WHEN action = 'product.set_status' THEN 'reel'
    WHEN action LIKE 'settings.%' THEN 'settings'
    WHEN action LIKE 'mapping%' THEN 'mappings'
    WHEN action LIKE 'user.%' THEN 'user'
    WHEN action LIKE 'warehouse.%' THEN 'warehouse'
    ELSE ''
END;

-- Append-only: an entry, once written, is never changed. (Only the retention
-- setting's pruning deletes, and only old entries.)
CREATE TRIGGER activity_append_only BEFORE UPDATE ON activity
BEGIN
    SELECT RAISE(ABORT, 'the activity log is append-only');
END;
