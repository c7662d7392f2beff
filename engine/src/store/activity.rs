//! The activity log: who changed what, and when.

use chrono::Utc;
use rusqlite::{Connection, params};

/// Appends to the activity log.
pub fn log_activity(
    conn: &Connection,
    who: &str,
    action: &str,
    subject: &str,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO activity (at, who, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![Utc::now(), who, action, subject, detail])
    .map(drop)
}
