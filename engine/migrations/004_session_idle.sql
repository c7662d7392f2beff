-- When a session was last used, for the idle timeout (NULL: not since it began).
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
