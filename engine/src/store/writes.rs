//! Warehouse writes, recorded before they are made and settled after, so a run
//! that stops part way knows what to retry.

use rusqlite::{Connection, params};

use crate::status::ReelStatus;
use crate::warehouse::Cell;

use super::products::status_column;

/// One write to the warehouse, as recorded before it is made.
#[derive(Debug, Clone, PartialEq)]
pub struct WarehouseWrite {
    pub run_id: i64,
    /// Its place in the run's writes.
    pub seq: u64,
    pub product_id: i64,
    pub external_id: i64,
    pub reel_number: String,
    /// The compare-and-set key, as read.
    pub reel: Cell,
    /// The before-image of the cells written: what the write overwrites.
    pub status_before: Cell,
    pub last_date_before: Cell,
    /// The after-image.
    pub status_after: String,
    pub last_date_after: Option<String>,
    pub writes_last_date: bool,
    pub to: ReelStatus,
    pub source_hash_after: i64,
    /// The hash of the row's mapped cells just before the write: a row back at
    /// exactly this and `status_before` lost the write.
    pub source_hash_before: Option<i64>,
    /// The row's creation time, when known.
    pub born: Option<String>,
    /// The forklift's copy written with it, when there is one: its row in an
    /// `Anbar_` table and the before-image of what the write overwrites there.
    pub copy: Option<CopyBefore>,
}

/// The forklift's copy of a reel as a write found it.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyBefore {
    pub table: String,
    pub id: i64,
    pub status_before: Cell,
    pub last_date_before: Cell,
    pub writes_last_date: bool,
}

/// Records writes about to be made, as `planned`.
pub fn plan_writes(conn: &Connection, writes: &[WarehouseWrite]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO warehouse_writes (run_id, seq, product_id, external_id, reel_number, reel,
             status_before, last_date_before, status_after, last_date_after, writes_last_date,
             to_status, source_hash_after, source_hash_before, born, copy_table, copy_id,
             copy_status_before, copy_last_date_before, copy_writes_last_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20)",
    )?;
    for w in writes {
        let copy = w.copy.as_ref();
        stmt.execute(params![
            w.run_id,
            w.seq as i64,
            w.product_id,
            w.external_id,
            w.reel_number,
            w.reel,
            w.status_before,
            w.last_date_before,
            w.status_after,
            w.last_date_after,
            w.writes_last_date,
            w.to.as_str(),
            w.source_hash_after,
            w.source_hash_before,
            w.born,
            copy.map(|c| &c.table),
            copy.map(|c| c.id),
            copy.map_or(&Cell::Null, |c| &c.status_before),
            copy.map_or(&Cell::Null, |c| &c.last_date_before),
            copy.is_some_and(|c| c.writes_last_date)
        ])?;
    }
    Ok(())
}

/// Records whether a planned write was made, and its forklift copy (`None`:
/// none, or not known).
pub fn settle_write(
    conn: &Connection,
    run_id: i64,
    seq: u64,
    written: bool,
    copy_written: Option<bool>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE warehouse_writes SET state = ?1, copy_written = ?2
         WHERE run_id = ?3 AND seq = ?4 AND state = 'planned'",
    )?
    .execute(params![
        if written { "written" } else { "not_written" },
        copy_written,
        run_id,
        seq as i64
    ])
    .map(drop)
}

/// The columns [`write_from_row`] reads, in its order.
const WRITE_COLUMNS: &str = "SELECT run_id, seq, product_id, external_id, reel_number, reel,
        status_before, last_date_before, status_after, last_date_after, writes_last_date,
        to_status, source_hash_after, source_hash_before, born, copy_table, copy_id,
        copy_status_before, copy_last_date_before, copy_writes_last_date, copy_written
    FROM warehouse_writes";

/// Writes whose outcome no run has recorded: their run failed or died between the
/// warehouse's commit and its own.
pub fn planned_writes(conn: &Connection) -> rusqlite::Result<Vec<WarehouseWrite>> {
    conn.prepare(&format!(
        "{WRITE_COLUMNS} WHERE state = 'planned' ORDER BY run_id, seq"
    ))?
    .query_map([], write_from_row)?
    .collect()
}

/// The writes run `run_id` made, in order, each with whether its forklift copy
/// was written too (`None`: none, or not known).
pub fn writes_of_run(
    conn: &Connection,
    run_id: i64,
) -> rusqlite::Result<Vec<(WarehouseWrite, Option<bool>)>> {
    conn.prepare(&format!(
        "{WRITE_COLUMNS} WHERE run_id = ?1 AND state = 'written' ORDER BY seq"
    ))?
    .query_map([run_id], |row| Ok((write_from_row(row)?, row.get(20)?)))?
    .collect()
}

fn write_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<WarehouseWrite> {
    Ok(WarehouseWrite {
        run_id: row.get(0)?,
        seq: row.get::<_, i64>(1)? as u64,
        product_id: row.get(2)?,
        external_id: row.get(3)?,
        reel_number: row.get(4)?,
        reel: Cell::read(row.get_ref(5)?),
        status_before: Cell::read(row.get_ref(6)?),
        last_date_before: Cell::read(row.get_ref(7)?),
        status_after: row.get(8)?,
        last_date_after: row.get(9)?,
        writes_last_date: row.get(10)?,
        to: status_column(row, 11)?,
        source_hash_after: row.get(12)?,
        source_hash_before: row.get(13)?,
        born: row.get(14)?,
        copy: match (
            row.get::<_, Option<String>>(15)?,
            row.get::<_, Option<i64>>(16)?,
        ) {
            (Some(table), Some(id)) => Some(CopyBefore {
                table,
                id,
                status_before: Cell::read(row.get_ref(17)?),
                last_date_before: Cell::read(row.get_ref(18)?),
                writes_last_date: row.get(19)?,
            }),
            _ => None,
        },
    })
}
