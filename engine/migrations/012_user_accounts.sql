-- Users managed from the web (issue 21): an account is disabled, never
-- deleted (its name stays in the logs it wrote); a one-time password must be
-- changed at the first sign-in; the list shows the last sign-in and each open
-- session with where it came from.
ALTER TABLE users ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1
    CHECK (is_active = 0 OR is_active = 1);
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password = 0 OR must_change_password = 1);
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_from TEXT;

ALTER TABLE sessions ADD COLUMN client TEXT;
ALTER TABLE sessions ADD COLUMN agent TEXT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- How long the activity log keeps its entries, in days (NULL: for good).
ALTER TABLE sync_settings ADD COLUMN activity_retention_days INTEGER DEFAULT 365
    CHECK (activity_retention_days IS NULL OR activity_retention_days BETWEEN 7 AND 36500);
