-- What each user has chosen in the import grid, kept between requests.
CREATE TABLE import_selections (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- "Select all matching": the grid's filter as JSON; NULL while reels are
    -- picked one by one.
    matching   TEXT,
    -- JSON array: the reels picked, or those taken out of `matching`.
    reels      TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);
