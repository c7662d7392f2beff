-- "Which runs touched reel X" on the runs page: without this it reads every item
-- of every run kept.
CREATE INDEX run_items_by_reel ON run_items (reel_number, run_id);
