//! The activity log: who changed what, how it ended, from where, and when.
//! Entries are only ever added (the store refuses to change one); the
//! retention setting's pruning is the one thing that removes them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::{ActivityEntry, ActivityFilter, ActivityOutcome, Actor};

/// Appends to the activity log an entry that was done, by `by`.
pub fn log_activity(
    conn: &Connection,
    by: &Actor,
    action: &str,
    subject: &str,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    log_entry(
        conn,
        &NewEntry {
            by,
            action,
            subject,
            detail,
            outcome: ActivityOutcome::Done,
        },
    )
}

/// An entry to append to the activity log.
pub struct NewEntry<'a> {
    /// Who, and from which client and browser.
    pub by: &'a Actor,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: Option<&'a str>,
    pub outcome: ActivityOutcome,
}

/// Appends `entry` to the activity log, now.
pub fn log_entry(conn: &Connection, entry: &NewEntry<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO activity (at, who, action, target, subject, detail, outcome, client, agent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        Utc::now(),
        entry.by.who,
        entry.action,
        target_of(entry.action),
        entry.subject,
        entry.detail,
        entry.outcome.as_str(),
        entry.by.address(),
        entry.by.agent(),
    ])
    .map(drop)
}

/// The kind of thing an action is about, by its code's first part.
fn target_of(action: &str) -> &'static str {
    match action.split(['.', ' ']).next().unwrap_or_default() {
        "product" | "reel" => "reel",
        "run" | "sync" | "undo" | "resolve" => "run",
        "user" | "session" | "sign_in" | "sign_out" => "user",
        "settings" => "settings",
        "mapping" | "mappings" => "mappings",
        "warehouse" => "warehouse",
        "activity" => "activity",
        _ => "",
    }
}

/// Entries matching a filter, as the store reads it: the day bounds already
/// instants.
pub struct ActivityQuery<'a> {
    pub filter: &'a ActivityFilter,
    /// From this instant (included) and before that one.
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only entries older than this id (the next page's start).
    pub before: Option<i64>,
}

/// Calls `visit` with up to `limit` entries matching `query`, newest first;
/// `visit` answers whether to go on.
pub fn visit_activity(
    conn: &Connection,
    query: &ActivityQuery<'_>,
    limit: u64,
    mut visit: impl FnMut(ActivityEntry) -> bool,
) -> rusqlite::Result<()> {
    let filter = query.filter;
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, who, action, target, subject, detail, outcome, client, agent
         FROM activity
         WHERE (?1 IS NULL OR who = ?1 COLLATE NOCASE)
           AND (?2 IS NULL OR action = ?2 OR substr(action, 1, length(?2) + 1) = ?2 || '.')
           AND (?3 IS NULL OR instr(lower(subject), lower(?3)) > 0)
           AND (?4 IS NULL OR outcome = ?4)
           AND (?5 IS NULL OR at >= ?5)
           AND (?6 IS NULL OR at < ?6)
           AND (?7 IS NULL OR id < ?7)
         ORDER BY id DESC
         LIMIT ?8",
    )?;
    let mut rows = stmt.query(params![
        filter.who,
        filter.action,
        filter.subject,
        filter.outcome.map(ActivityOutcome::as_str),
        query.from,
        query.until,
        query.before,
        i64::try_from(limit).unwrap_or(i64::MAX),
    ])?;
    while let Some(row) = rows.next()? {
        let outcome: String = row.get(7)?;
        let entry = ActivityEntry {
            id: row.get(0)?,
            at: row.get(1)?,
            who: row.get(2)?,
            action: row.get(3)?,
            target: row.get(4)?,
            subject: row.get(5)?,
            detail: row.get(6)?,
            outcome: ActivityOutcome::parse(&outcome).unwrap_or(ActivityOutcome::Done),
            client: row.get(8)?,
            agent: row.get(9)?,
        };
        if !visit(entry) {
            break;
        }
    }
    Ok(())
}

/// Removes the entries older than `at`; how many.
pub fn prune_activity(conn: &Connection, at: DateTime<Utc>) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM activity WHERE at < ?1", [at])
}

/// What the activity log calls an office status change.
const STATUS_SET: &str = "product.set_status";

/// How an office status change's detail spells its two statuses.
const FROM_TO: &str = " → ";

/// Logs an office status change of the reel `reel_number`, `from` → `to`.
pub fn log_status_set(
    conn: &Connection,
    by: &Actor,
    reel_number: &str,
    from: &str,
    to: &str,
) -> rusqlite::Result<()> {
    let detail = format!("{from}{FROM_TO}{to}");
    log_activity(conn, by, STATUS_SET, reel_number, Some(&detail))
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
