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

/// What the activity log calls an office status change.
const STATUS_SET: &str = "product.set_status";

/// How an office status change's detail spells its two statuses.
const FROM_TO: &str = " → ";

/// Logs an office status change of the reel `reel_number`, `from` → `to`.
pub fn log_status_set(
    conn: &Connection,
    who: &str,
    reel_number: &str,
    from: &str,
    to: &str,
) -> rusqlite::Result<()> {
    let detail = format!("{from}{FROM_TO}{to}");
    log_activity(conn, who, STATUS_SET, reel_number, Some(&detail))
}

/// An office status change of a reel, as the activity log holds it.
pub struct StatusSet {
    pub at: DateTime<Utc>,
    pub who: String,
    pub from: String,
    pub to: String,
}

/// Every office status change of the reel `reel_number`, newest first.
pub fn status_changes_of(conn: &Connection, reel_number: &str) -> rusqlite::Result<Vec<StatusSet>> {
    conn.prepare_cached(
        "SELECT at, who, detail FROM activity
         WHERE subject = ?1 AND action = ?2
         ORDER BY at DESC",
    )?
    .query_map(params![reel_number, STATUS_SET], |row| {
        let detail: String = row.get::<_, Option<String>>(2)?.unwrap_or_default();
        let (from, to) = detail.split_once(FROM_TO).unwrap_or(("", &detail));
        Ok(StatusSet {
            at: row.get(0)?,
            who: row.get(1)?,
            from: from.to_owned(),
            to: to.to_owned(),
        })
    })?
    .collect()
}

/// Who set the reel `reel_number` to `office`, its office status now: the
/// newest office status change of it, when that set this status (else the
/// status came with the import or a sync, and no one set it).
pub fn office_status_setter(
    conn: &Connection,
    reel_number: &str,
    office: crate::ReelStatus,
) -> rusqlite::Result<Option<String>> {
    Ok(status_changes_of(conn, reel_number)?
        .into_iter()
        .next()
        .filter(|change| change.to == office.as_str())
        .map(|change| change.who))
}

/// The reels whose office status anyone set after `at`.
pub fn status_set_since(
    conn: &Connection,
    at: DateTime<Utc>,
) -> rusqlite::Result<std::collections::HashSet<String>> {
    conn.prepare_cached("SELECT DISTINCT subject FROM activity WHERE action = ?1 AND at > ?2")?
        .query_map(params![STATUS_SET, at], |row| row.get(0))?
        .collect()
}
