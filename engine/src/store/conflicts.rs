//! Conflicts as their own records: opened (or brought up to date) by each sync
//! that finds a reel's statuses apart, closed by a resolution or by a sync that
//! finds them in step.

use rusqlite::{Connection, Row, params};

use crate::mapping::display_value;
use crate::plan::Apart;
use crate::warehouse::Cell;
use crate::{Conflict, ConflictList, Reason, Resolution, Resolved};

use super::Stamp;
use super::products::{status_column, time_column};

const CONFLICT_COLUMNS: &str = "SELECT id, reel_number, base, office, office_by, office_at,
        warehouse, warehouse_at, location, reason, found_run, found_at, seen_run,
        resolution, resolved_by, resolved_at, resolved_run
    FROM conflicts";

/// Records that run `run_id` found `apart` (the reel `reel_number`, whose
/// office status `office_by` set, when known): the reel's open conflict takes
/// the sides as they are now, or a new one is opened.
pub fn record_conflict(
    conn: &Connection,
    reel_number: &str,
    apart: &Apart,
    office_by: Option<&str>,
    run_id: i64,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO conflicts (product_id, reel_number, base, office, office_by, office_at,
                warehouse, warehouse_at, location, reason, found_run, found_at, seen_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11)
         ON CONFLICT (product_id) WHERE resolved_at IS NULL DO UPDATE SET
                reel_number = excluded.reel_number, base = excluded.base,
                office = excluded.office, office_by = excluded.office_by,
                office_at = excluded.office_at, warehouse = excluded.warehouse,
                warehouse_at = excluded.warehouse_at, location = excluded.location,
                reason = excluded.reason, seen_run = excluded.seen_run",
    )?
    .execute(params![
        apart.product_id,
        reel_number,
        apart.base.as_str(),
        apart.office.as_str(),
        office_by,
        Stamp::new(apart.office_at),
        apart.warehouse.as_str(),
        apart.warehouse_at,
        apart.location,
        apart.reason.to_stored(),
        run_id,
        now,
    ])
    .map(drop)
}

/// Ends the product's open conflict, if it has one, as `how`, by `who` in run
/// `run_id`. One probe of a small index when there is none.
pub fn close_conflict(
    conn: &Connection,
    product_id: i64,
    how: Resolution,
    who: &str,
    run_id: i64,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE conflicts SET resolution = ?2, resolved_by = ?3, resolved_at = ?4, resolved_run = ?5
         WHERE product_id = ?1 AND resolved_at IS NULL",
    )?
    .execute(params![product_id, how.as_str(), who, now, run_id])
    .map(drop)
}

/// The open conflicts whose reel number holds `search` (all when `None`),
/// newest found first, at most `limit` of them, with how many match and how
/// many are open.
pub fn open_conflicts(
    conn: &Connection,
    search: Option<&str>,
    limit: usize,
) -> rusqlite::Result<ConflictList> {
    let matching = "resolved_at IS NULL AND (?1 IS NULL OR instr(reel_number, ?1) > 0)";
    let conflicts = conn
        .prepare_cached(&format!(
            "{CONFLICT_COLUMNS} WHERE {matching} ORDER BY found_at DESC, id DESC LIMIT ?2"
        ))?
        .query_map(params![search, limit as i64], conflict_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let matching = conn
        .prepare_cached(&format!("SELECT count(*) FROM conflicts WHERE {matching}"))?
        .query_row(params![search], |row| row.get::<_, i64>(0))?;
    Ok(ConflictList {
        conflicts,
        matching: matching as u64,
        open: open_conflict_count(conn)?,
    })
}

/// How many conflicts are open.
pub fn open_conflict_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")?
        .query_row([], |row| row.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// Every conflict of the reel `reel_number`, open or ended, newest first.
pub fn conflicts_of_reel(conn: &Connection, reel_number: &str) -> rusqlite::Result<Vec<Conflict>> {
    conn.prepare_cached(&format!(
        "{CONFLICT_COLUMNS} WHERE reel_number = ?1 ORDER BY id DESC"
    ))?
    .query_map([reel_number], conflict_from_row)?
    .collect()
}

/// The conflicts run `run_id` ended.
pub fn conflicts_resolved_by(conn: &Connection, run_id: i64) -> rusqlite::Result<Vec<Conflict>> {
    conn.prepare_cached(&format!(
        "{CONFLICT_COLUMNS} WHERE resolved_run = ?1 ORDER BY id"
    ))?
    .query_map([run_id], conflict_from_row)?
    .collect()
}

/// Opens `conflict` (of the product `product_id`) again as it was, and puts
/// its link back in conflict from the base both sides last agreed.
pub fn reopen_conflict(
    conn: &Connection,
    product_id: i64,
    conflict: &Conflict,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE conflicts SET resolution = NULL, resolved_by = NULL, resolved_at = NULL,
                resolved_run = NULL
         WHERE id = ?1",
    )?
    .execute([conflict.id])?;
    conn.prepare_cached(
        "UPDATE product_mappings SET base_status = ?1, state = 'conflict', state_reason = ?2
         WHERE product_id = ?3",
    )?
    .execute(params![
        conflict.base.as_str(),
        conflict.reason.to_stored(),
        product_id
    ])
    .map(drop)
}

fn conflict_from_row(row: &Row<'_>) -> rusqlite::Result<Conflict> {
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match row.get_ref(i)? {
            rusqlite::types::ValueRef::Null => None,
            value => Some(display_value(&Cell::read(value))),
        })
    };
    let resolved = match row.get::<_, Option<String>>(13)? {
        Some(how) => Some(Resolved {
            how: Resolution::parse(&how).unwrap_or(Resolution::Settled),
            by: row.get::<_, Option<String>>(14)?.unwrap_or_default(),
            at: time_column(row, 15)?,
            run_id: row.get::<_, Option<i64>>(16)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Conflict {
        id: row.get(0)?,
        reel_number: row.get(1)?,
        base: status_column(row, 2)?,
        office: status_column(row, 3)?,
        office_by: row.get(4)?,
        office_at: time_column(row, 5)?,
        warehouse: status_column(row, 6)?,
        warehouse_at: text(7)?,
        location: text(8)?,
        reason: Reason::from_stored(&row.get::<_, String>(9)?),
        found_run: row.get(10)?,
        found_at: time_column(row, 11)?,
        seen_run: row.get(12)?,
        resolved,
    })
}
