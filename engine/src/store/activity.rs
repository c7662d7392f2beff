//! The activity log: who changed what, and when.

use chrono::{DateTime, Utc};
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

/// An office status change of a reel, as the activity log holds it.
pub struct StatusSet {
    pub at: DateTime<Utc>,
    pub who: String,
    /// `old → new`.
    pub detail: Option<String>,
}

/// Every office status change of the reel `reel_number`, newest first.
pub fn status_changes_of(conn: &Connection, reel_number: &str) -> rusqlite::Result<Vec<StatusSet>> {
    conn.prepare_cached(
        "SELECT at, who, detail FROM activity
         WHERE subject = ?1 AND action = 'product.set_status'
         ORDER BY at DESC",
    )?
    .query_map([reel_number], |row| {
        Ok(StatusSet {
            at: row.get(0)?,
            who: row.get(1)?,
            detail: row.get(2)?,
        })
    })?
    .collect()
}
