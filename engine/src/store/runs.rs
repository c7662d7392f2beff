//! The run log: runs, their counts and items, and their pages.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::report::{
    Action, Change, Counts, ItemFilter, LoggedItem, Outcome, RunFilter, RunItem, RunKind,
    RunSummary, Trigger,
};
use crate::{Reason, RunError};

use super::config::conversion;

/// Marks as failed the runs still logged as `running`: called with the run lock
/// held, they are runs whose process died (killed, or a power cut) before they
/// could record their end. A run commits its counters with each part of its work,
/// so theirs count what they saved; the rest was rolled back with them.
pub fn close_interrupted_runs(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE runs SET outcome = 'failed', finished_at = ?1, error = ?2
         WHERE outcome = 'running'",
        params![Utc::now(), RunError::Interrupted.to_stored()],
    )
}

/// Records a run's counters so far, in the transaction that saves the work they
/// count: whatever happens next, the log never says more or less than was saved.
pub fn record_counts(conn: &Connection, run_id: i64, c: &Counts) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET importable = ?1, imported = ?2, updated = ?3, exported = ?4,
                status_in = ?5, conflicts = ?6, rejected = ?7, unchanged = ?8, missing = ?9,
                rewritten = ?10
         WHERE id = ?11",
    )?
    .execute(params![
        c.importable as i64,
        c.imported as i64,
        c.updated as i64,
        c.exported as i64,
        c.status_in as i64,
        c.conflicts as i64,
        c.rejected as i64,
        c.unchanged as i64,
        c.missing as i64,
        c.rewritten as i64,
        run_id
    ])
    .map(drop)
}

/// The number of items a run has logged (its last `seq`).
pub fn logged_items(conn: &Connection, run_id: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT coalesce(max(seq), 0) FROM run_items WHERE run_id = ?1",
        [run_id],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
}

/// Logs, in an earlier run, an export that run made but could not record, and
/// counts it there.
pub fn record_late_export(conn: &Connection, run_id: i64, item: &RunItem) -> rusqlite::Result<()> {
    let seq = logged_items(conn, run_id)? + 1;
    let changes = serde_json::to_string(&item.changes).map_err(|e| conversion(5, e))?;
    conn.prepare_cached(
        "INSERT INTO run_items (run_id, seq, reel_number, action, reason, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        run_id,
        seq as i64,
        item.reel_number,
        item.action.as_str(),
        item.reason.as_ref().map(Reason::to_stored),
        changes
    ])?;
    conn.prepare_cached("UPDATE runs SET exported = exported + 1 WHERE id = ?1")?
        .execute([run_id])
        .map(drop)
}

/// Starts the log of a run; its outcome reads `running` until [`finish_run`].
pub fn start_run(
    conn: &Connection,
    kind: RunKind,
    trigger: Trigger,
    who: &str,
    started_at: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO runs (kind, trigger, who, started_at, outcome) VALUES (?1, ?2, ?3, ?4, 'running')",
        params![kind.as_str(), trigger.as_str(), who, started_at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What a finished run records.
pub struct Finish<'a> {
    pub outcome: Outcome,
    pub counts: &'a Counts,
    pub duration_ms: u64,
    pub error: Option<&'a RunError>,
    pub snapshot: Option<&'a str>,
}

/// Records how a run ended, with its counters.
pub fn finish_run(conn: &Connection, run_id: i64, f: &Finish<'_>) -> rusqlite::Result<()> {
    record_counts(conn, run_id, f.counts)?;
    conn.prepare_cached(
        "UPDATE runs SET finished_at = ?1, duration_ms = ?2, outcome = ?3, error = ?4, snapshot = ?5
         WHERE id = ?6",
    )?
    .execute(params![
        Utc::now(),
        f.duration_ms as i64,
        f.outcome.as_str(),
        f.error.map(RunError::to_stored),
        f.snapshot,
        run_id
    ])
    .map(drop)
}

pub(super) const RUN_SELECT: &str =
    "SELECT id, kind, trigger, who, started_at, duration_ms, outcome,
        importable, imported, updated, exported, status_in, conflicts, rejected, unchanged, error,
        missing, rewritten
     FROM runs";

pub(super) fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunSummary> {
    let kind: String = row.get(1)?;
    let trigger: String = row.get(2)?;
    let outcome: String = row.get(6)?;
    let count = |i| row.get::<_, i64>(i).map(|n| n as u64);
    Ok(RunSummary {
        id: row.get(0)?,
        kind: RunKind::parse(&kind).ok_or_else(|| conversion(1, bad_text(kind.clone())))?,
        trigger: Trigger::parse(&trigger)
            .ok_or_else(|| conversion(2, bad_text(trigger.clone())))?,
        who: row.get(3)?,
        started_at: row.get(4)?,
        duration_ms: row.get::<_, Option<i64>>(5)?.map(|d| d as u64),
        outcome: Outcome::parse(&outcome)
            .ok_or_else(|| conversion(6, bad_text(outcome.clone())))?,
        counts: Counts {
            importable: count(7)?,
            imported: count(8)?,
            updated: count(9)?,
            exported: count(10)?,
            status_in: count(11)?,
            conflicts: count(12)?,
            rejected: count(13)?,
            unchanged: count(14)?,
            missing: count(16)?,
            rewritten: count(17)?,
        },
        error: row
            .get::<_, Option<String>>(15)?
            .as_deref()
            .map(RunError::from_stored),
    })
}

pub(super) fn bad_text(text: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("unexpected value {text:?}"),
    )
}

/// The latest runs, newest first.
pub fn runs(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<RunSummary>> {
    conn.prepare(&format!("{RUN_SELECT} ORDER BY id DESC LIMIT ?1"))?
        .query_map([limit], run_from_row)?
        .collect()
}

/// One run.
pub fn run(conn: &Connection, id: i64) -> rusqlite::Result<Option<RunSummary>> {
    conn.query_row(&format!("{RUN_SELECT} WHERE id = ?1"), [id], run_from_row)
        .optional()
}

/// A run's items, in the order they were logged.
pub fn run_items(conn: &Connection, run_id: i64) -> rusqlite::Result<Vec<RunItem>> {
    let all = run_items_page(conn, run_id, &ItemFilter::default(), 0, u32::MAX)?;
    Ok(all.into_iter().map(|logged| logged.item).collect())
}

/// Up to `limit` of a run's items after `after_seq` that pass `filter`, in the
/// order they were logged. Keyset-paged on the item key, so page 700 of a
/// 70,000-reel import costs what page 1 does.
pub fn run_items_page(
    conn: &Connection,
    run_id: i64,
    filter: &ItemFilter,
    after_seq: u64,
    limit: u32,
) -> rusqlite::Result<Vec<LoggedItem>> {
    conn.prepare_cached(
        "SELECT seq, reel_number, action, reason, changes FROM run_items
         WHERE run_id = ?1 AND seq > ?2
           AND (?3 IS NULL OR action = ?3)
           AND (?4 IS NULL OR instr(reel_number, ?4) > 0)
         ORDER BY seq LIMIT ?5",
    )?
    .query_map(
        params![
            run_id,
            after_seq as i64,
            filter.action.map(Action::as_str),
            filter.reel,
            limit
        ],
        |row| {
            let action: String = row.get(2)?;
            let changes: String = row.get(4)?;
            Ok(LoggedItem {
                seq: row.get::<_, i64>(0)? as u64,
                item: RunItem {
                    reel_number: row.get(1)?,
                    action: Action::parse(&action)
                        .ok_or_else(|| conversion(2, bad_text(action.clone())))?,
                    reason: row
                        .get::<_, Option<String>>(3)?
                        .as_deref()
                        .map(Reason::from_stored),
                    changes: serde_json::from_str::<Vec<Change>>(&changes)
                        .map_err(|e| conversion(4, e))?,
                },
            })
        },
    )?
    .collect()
}

/// A run's item of one reel, with the run's kind, who started it and when.
pub struct ReelItem {
    pub run_id: i64,
    pub kind: RunKind,
    pub who: String,
    pub at: DateTime<Utc>,
    pub action: Action,
    pub reason: Option<Reason>,
}

/// Every run item of the reel `reel_number`, newest run first (by the items'
/// reel index).
pub fn items_of_reel(conn: &Connection, reel_number: &str) -> rusqlite::Result<Vec<ReelItem>> {
    conn.prepare_cached(
        "SELECT i.run_id, r.kind, r.who, r.started_at, i.action, i.reason
         FROM run_items i JOIN runs r ON r.id = i.run_id
         WHERE i.reel_number = ?1
         ORDER BY i.run_id DESC, i.seq DESC",
    )?
    .query_map([reel_number], |row| {
        let kind: String = row.get(1)?;
        let action: String = row.get(4)?;
        Ok(ReelItem {
            run_id: row.get(0)?,
            kind: RunKind::parse(&kind).ok_or_else(|| conversion(1, bad_text(kind.clone())))?,
            who: row.get(2)?,
            at: row.get(3)?,
            action: Action::parse(&action)
                .ok_or_else(|| conversion(4, bad_text(action.clone())))?,
            reason: row
                .get::<_, Option<String>>(5)?
                .as_deref()
                .map(Reason::from_stored),
        })
    })?
    .collect()
}

/// Up to `limit` runs that pass `filter`, newest first, older than the run
/// `before` when it is given (keyset-paged on the run id).
pub fn runs_page(
    conn: &Connection,
    filter: &RunFilter,
    before: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<RunSummary>> {
    conn.prepare_cached(&format!(
        "{RUN_SELECT}
         WHERE (?1 IS NULL OR id < ?1)
           AND (?2 IS NULL OR kind = ?2)
           AND (?3 IS NULL OR outcome = ?3)
           AND (?4 IS NULL OR trigger = ?4)
           AND (?5 IS NULL OR id IN (SELECT run_id FROM run_items WHERE reel_number = ?5))
         ORDER BY id DESC LIMIT ?6"
    ))?
    .query_map(
        params![
            before,
            filter.kind.map(RunKind::as_str),
            filter.outcome.map(Outcome::as_str),
            filter.trigger.map(Trigger::as_str),
            filter.reel,
            limit
        ],
        run_from_row,
    )?
    .collect()
}

/// The reels that runs after run `run_id` changed (any item but a refusal or a
/// skip), each with the first such run.
pub fn reels_changed_after(
    conn: &Connection,
    run_id: i64,
) -> rusqlite::Result<std::collections::HashMap<String, i64>> {
    conn.prepare_cached(
        "SELECT reel_number, min(run_id) FROM run_items
         WHERE run_id > ?1 AND action NOT IN ('reject', 'skip')
         GROUP BY reel_number",
    )?
    .query_map([run_id], |row| Ok((row.get(0)?, row.get(1)?)))?
    .collect()
}
