//! Tracked reels and their products: the links to warehouse rows, what a run
//! writes to them, and the catalogue's fingerprint.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, Statement, params};

use crate::mapping::{FieldValue, Mapped, ProductField};
use crate::plan::{KnownNumbers, LastWrite, LinkState, LinksByRow, Relink, RowWrite, Tracked};
use crate::report::RunItem;
use crate::status::ReelStatus;
use crate::warehouse::Cell;
use crate::{GridColumn, Reason};

use super::Stamp;
use super::config::conversion;
use super::writes::WarehouseWrite;

pub(super) const TRACKED_COLUMNS: &str =
    "SELECT m.product_id, m.external_id, p.reel_number, p.status,
        m.base_status, m.field_hash, m.state, p.status_changed_at, m.written_status, m.born,
        m.written_run, m.written_before, m.written_hash_before";

/// Tracked reels, from the links (`m`) and their products (`p`).
pub(super) fn tracked_select() -> String {
    format!("{TRACKED_COLUMNS} FROM product_mappings m JOIN products p ON p.id = m.product_id")
}

pub(super) fn tracked_from_row(row: &Row<'_>) -> rusqlite::Result<Tracked> {
    let last_write = match (
        row.get::<_, Option<i64>>(10)?,
        row.get::<_, Option<i64>>(12)?,
    ) {
        (Some(run_id), Some(source_hash_before)) => Some(LastWrite {
            run_id,
            status_before: Cell::read(row.get_ref(11)?),
            source_hash_before,
            born: row.get(9)?,
        }),
        // Writes recorded before their row's hash was kept are never taken as lost.
        _ => None,
    };
    Ok(Tracked {
        product_id: row.get(0)?,
        external_id: row.get(1)?,
        reel_number: row.get(2)?,
        office: status_column(row, 3)?,
        base: status_column(row, 4)?,
        field_hash: row.get(5)?,
        state: LinkState::parse(&row.get::<_, String>(6)?),
        status_changed_at: time_column(row, 7)?,
        written: row
            .get::<_, Option<String>>(8)?
            .map(|s| s.parse().map_err(|e| conversion(8, e)))
            .transpose()?,
        born: row.get(9)?,
        last_write,
    })
}

/// A time the store keeps (`YYYY-MM-DD HH:MM:SS[.f]±HH:MM`), read without the
/// general parser rusqlite uses, which takes longer than the rest of the row on
/// a sync of every tracked reel; anything else is left to it.
pub(super) fn time_column(row: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    if let rusqlite::types::ValueRef::Text(bytes) = row.get_ref(i)?
        && bytes.get(10) == Some(&b' ')
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        let rfc3339 = format!("{}T{}", &text[..10], &text[11..]);
        if let Ok(at) = DateTime::parse_from_rfc3339(&rfc3339) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    row.get(i)
}

pub(super) fn status_column(row: &Row<'_>, i: usize) -> rusqlite::Result<ReelStatus> {
    row.get::<_, String>(i)?
        .parse()
        .map_err(|e| conversion(i, e))
}

/// The tracked reels among `reels`, by reel number.
pub fn tracked_by_reels<'r>(
    conn: &Connection,
    reels: impl IntoIterator<Item = &'r str>,
) -> rusqlite::Result<HashMap<String, Tracked>> {
    let reels: Vec<&str> = reels.into_iter().collect();
    if reels.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(&reels).map_err(|e| conversion(0, e))?;
    // A join probes the reel-number index once per listed reel; `IN (SELECT …)`
    // would first copy the list into a temporary B-tree.
    let mut stmt = conn.prepare_cached(&format!(
        "{TRACKED_COLUMNS} FROM json_each(?1) AS r JOIN products p ON p.reel_number = r.value
         JOIN product_mappings m ON m.product_id = p.id"
    ))?;
    stmt.query_map([list], tracked_from_row)?
        .map(|t| t.map(|t| (t.reel_number.clone(), t)))
        .collect()
}

/// Tracked reels last found on warehouse rows with ids in `(after, up_to]`, by
/// row id (two links may share one).
pub fn tracked_in_range(conn: &Connection, after: i64, up_to: i64) -> rusqlite::Result<LinksByRow> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE m.external_id > ?1 AND m.external_id <= ?2",
        tracked_select()
    ))?;
    let mut by_row = LinksByRow::new();
    for t in stmt.query_map([after, up_to], tracked_from_row)? {
        let t = t?;
        by_row.entry(t.external_id).or_default().push(t);
    }
    Ok(by_row)
}

/// reelsync's writes to the warehouse rows created at `borns`, newest first, by
/// creation time (which, unlike a row id, survives a rebuilt file).
pub fn writes_to_rows(
    conn: &Connection,
    borns: &[&str],
) -> rusqlite::Result<HashMap<String, Vec<RowWrite>>> {
    if borns.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(borns).map_err(|e| conversion(0, e))?;
    let mut writes: HashMap<String, Vec<RowWrite>> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT w.born, w.reel_number, w.reel, w.status_before, w.status_after,
                w.source_hash_after
         FROM json_each(?1) AS r JOIN warehouse_writes w ON w.born = r.value
         WHERE w.state = 'written'
         ORDER BY w.run_id DESC, w.seq DESC",
    )?;
    let mut rows = stmt.query([list])?;
    while let Some(row) = rows.next()? {
        writes.entry(row.get(0)?).or_default().push(RowWrite {
            reel_number: row.get(1)?,
            reel: Cell::read(row.get_ref(2)?),
            status_before: Cell::read(row.get_ref(3)?),
            status_after: row.get(4)?,
            source_hash_after: row.get(5)?,
        });
    }
    Ok(writes)
}

/// Every tracked reel's product id, in order.
pub fn tracked_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT product_id FROM product_mappings ORDER BY product_id")?
        .query_map([], |row| row.get(0))?
        .collect()
}

/// The tracked reels with these product ids, in id order.
pub fn tracked_by_ids(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<Tracked>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(|e| conversion(0, e))?;
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE m.product_id IN (SELECT value FROM json_each(?1)) ORDER BY m.product_id",
        tracked_select()
    ))?;
    stmt.query_map([list], tracked_from_row)?.collect()
}

/// Every product's reel number (along the reel-number index, which holds
/// nothing else), as a set that tells which numbers are surely not products.
pub fn known_numbers(conn: &Connection) -> rusqlite::Result<KnownNumbers> {
    let mut stmt = conn.prepare_cached("SELECT reel_number FROM products ORDER BY reel_number")?;
    let mut rows = stmt.query([])?;
    let mut known = KnownNumbers::default();
    while let Some(row) = rows.next()? {
        if let rusqlite::types::ValueRef::Text(reel) = row.get_ref(0)? {
            known.add(&String::from_utf8_lossy(reel));
        }
    }
    Ok(known)
}

/// Which of `reels` are products already.
pub fn known_reels(conn: &Connection, reels: &[&str]) -> rusqlite::Result<HashSet<String>> {
    if reels.is_empty() {
        return Ok(HashSet::new());
    }
    let list = serde_json::to_string(reels).map_err(|e| conversion(0, e))?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.reel_number FROM json_each(?1) AS r JOIN products AS p ON p.reel_number = r.value",
    )?;
    stmt.query_map([list], |row| row.get(0))?.collect()
}

/// Moves a tracked reel's link to the warehouse row it was found on (and, for a
/// row new to it, starts the link afresh from `base`).
pub fn relink(conn: &Connection, relink: &Relink, now: &Stamp) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET external_id = ?1, born = ?2,
                base_status = coalesce(?3, base_status),
                written_status = CASE WHEN ?3 IS NULL THEN written_status ELSE ?6 END,
                written_run = CASE WHEN ?3 IS NULL THEN written_run END,
                written_before = CASE WHEN ?3 IS NULL THEN written_before END,
                written_hash_before = CASE WHEN ?3 IS NULL THEN written_hash_before END,
                last_synced_at = ?4
         WHERE product_id = ?5",
    )?
    .execute(params![
        relink.external_id,
        relink.born,
        relink.base.map(ReelStatus::as_str),
        now,
        relink.product_id,
        relink.written.map(ReelStatus::as_str)
    ])
    .map(drop)
}

pub(super) fn field_list() -> String {
    ProductField::ALL
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The import of a reel: every field, and the run's time as all three timestamps.
pub(super) fn insert_product_sql() -> String {
    let n = ProductField::ALL.len();
    let placeholders: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO products ({}, status_changed_at, created_at, updated_at)
         VALUES ({}, ?{t}, ?{t}, ?{t})
         ON CONFLICT (reel_number) DO NOTHING",
        field_list(),
        placeholders.join(", "),
        t = n + 1,
    )
}

/// The fields a refresh of `mapped` writes: those its mappings feed, but the status,
/// which only the merge moves. A field without an active mapping keeps its value.
pub(super) fn refreshed_fields(mapped: &Mapped) -> impl Iterator<Item = ProductField> + '_ {
    ProductField::ALL
        .iter()
        .copied()
        .filter(|f| *f != ProductField::Status && mapped.fields.contains(*f))
}

/// The refresh of `fields`, by product id. Every refresh of a run has the same
/// fields, so the statement cache serves it after the first.
pub(super) fn update_fields_sql(fields: impl Iterator<Item = ProductField>) -> String {
    let sets: Vec<String> = fields
        .enumerate()
        .map(|(i, f)| format!("{f} = ?{}", i + 1))
        .collect();
    let n = sets.len();
    format!(
        "UPDATE products SET {}, updated_at = ?{} WHERE id = ?{}",
        sets.join(", "),
        n + 1,
        n + 2
    )
}

/// The inserts a run makes for nearly every reel, prepared once for the run: a
/// statement-cache look-up per reel (hashing the SQL text twice) cost more than a
/// tenth of a large import.
pub struct RunWriter<'c> {
    conn: &'c Connection,
    product: Statement<'c>,
    link: Statement<'c>,
    item: Statement<'c>,
}

impl<'c> RunWriter<'c> {
    /// Prepares the statements on `conn` (which may be read-only for a dry run, as
    /// long as nothing is inserted).
    pub fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Self {
            conn,
            product: conn.prepare(&insert_product_sql())?,
            link: conn.prepare(
                "INSERT INTO product_mappings (product_id, external_id, base_status, field_hash, last_synced_at, born)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            item: conn.prepare(
                "INSERT INTO run_items (run_id, seq, reel_number, action, reason, changes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
        })
    }

    /// The connection the statements run on, for a run's rarer writes.
    pub fn conn(&self) -> &'c Connection {
        self.conn
    }

    /// Inserts an imported reel and its tracking row, and returns the new
    /// product's id; `None` when the reel number is taken (then nothing is
    /// written).
    pub fn insert_product(
        &mut self,
        external_id: i64,
        mapped: &Mapped,
        born: Option<&str>,
        now: &Stamp,
    ) -> rusqlite::Result<Option<i64>> {
        let mut values: Vec<&dyn rusqlite::ToSql> = mapped
            .values
            .iter()
            .map(|v| v as &dyn rusqlite::ToSql)
            .collect();
        values.push(now);
        if self.product.execute(values.as_slice())? == 0 {
            return Ok(None);
        }
        let product_id = self.conn.last_insert_rowid();
        let status = mapped.status().unwrap_or(ReelStatus::InStock);
        self.link.execute(params![
            product_id,
            external_id,
            status.as_str(),
            mapped.source_hash,
            now,
            born
        ])?;
        Ok(Some(product_id))
    }

    /// Logs one reel acted on or rejected, as the run's `seq`th item.
    pub fn insert_item(&mut self, run_id: i64, seq: u64, item: &RunItem) -> rusqlite::Result<()> {
        let changes = match item.changes.as_slice() {
            // Imports, most items of a large run, change no listed field.
            [] => "[]".to_owned(),
            changes => serde_json::to_string(changes).map_err(|e| conversion(5, e))?,
        };
        self.item
            .execute(params![
                run_id,
                seq as i64,
                item.reel_number,
                item.action.as_str(),
                item.reason.as_ref().map(Reason::to_stored),
                changes
            ])
            .map(drop)
    }
}

/// Writes a product's mapped fields (not its status) and the new field hash;
/// `false` when its new reel number is another product's (then nothing is written).
pub fn update_fields(
    conn: &Connection,
    product_id: i64,
    mapped: &Mapped,
    now: &Stamp,
) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(&update_fields_sql(refreshed_fields(mapped)))?;
    let mut values: Vec<&dyn rusqlite::ToSql> = refreshed_fields(mapped)
        .map(|f| &mapped.values[f.index()] as &dyn rusqlite::ToSql)
        .collect();
    values.push(now);
    values.push(&product_id);
    match stmt.execute(values.as_slice()) {
        // A failed statement undoes only itself; the run's transaction goes on.
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            return Ok(false);
        }
        result => result?,
    };
    conn.prepare_cached(
        "UPDATE product_mappings SET field_hash = ?1, last_synced_at = ?2 WHERE product_id = ?3",
    )?
    .execute(params![mapped.source_hash, now, product_id])?;
    Ok(true)
}

/// A product's current field values, in [`ProductField::ALL`] order.
pub fn product_values(
    conn: &Connection,
    product_id: i64,
) -> rusqlite::Result<Option<Vec<Option<FieldValue>>>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM products WHERE id = ?1",
        field_list()
    ))?
    .query_row([product_id], |row| {
        let values = ProductField::ALL
            .iter()
            .enumerate()
            .map(|(i, _)| {
                Ok(match row.get::<_, rusqlite::types::Value>(i)? {
                    rusqlite::types::Value::Integer(n) => Some(FieldValue::Int(n)),
                    rusqlite::types::Value::Text(s) => Some(FieldValue::Text(s)),
                    _ => None,
                })
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok(values)
    })
    .optional()
}

/// Sets the office status of a product as a sync decided it.
pub fn set_status_from_sync(
    conn: &Connection,
    product_id: i64,
    status: ReelStatus,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE products SET status = ?1, status_changed_at = ?2, updated_at = ?2
         WHERE id = ?3 AND status <> ?1",
    )?
    .execute(params![status.as_str(), now, product_id])
    .map(drop)
}

/// Records `base`, the warehouse's status, as the one both sides agree on, and the
/// link as in step. The warehouse app set that status, not reelsync, so the link
/// forgets what reelsync last wrote: an office cancellation is exported only over
/// a value reelsync wrote and the warehouse has held since.
pub fn agree_on_warehouse_status(
    conn: &Connection,
    product_id: i64,
    base: ReelStatus,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET base_status = ?1, written_status = NULL, written_run = NULL,
                written_before = NULL, written_hash_before = NULL, state = 'ok',
                state_reason = NULL, last_synced_at = ?2
         WHERE product_id = ?3",
    )?
    .execute(params![base.as_str(), now, product_id])
    .map(drop)
}

/// Records that reelsync made `write` to the warehouse: both sides now agree on
/// its status, and the product (its `last_date`, when written) and the field hash
/// match the warehouse row.
pub fn record_export(
    conn: &Connection,
    write: &WarehouseWrite,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET base_status = ?1, written_status = ?1, state = 'ok', state_reason = NULL,
                field_hash = ?2, last_synced_at = ?3, written_run = ?5, written_before = ?6,
                written_hash_before = ?7
         WHERE product_id = ?4",
    )?
    .execute(params![
        write.to.as_str(),
        write.source_hash_after,
        now,
        write.product_id,
        write.run_id,
        write.status_before,
        write.source_hash_before
    ])?;
    // Not written: last_date is not mapped, so the product's is not the warehouse's.
    if write.writes_last_date {
        conn.prepare_cached("UPDATE products SET last_date = ?1, updated_at = ?2 WHERE id = ?3")?
            .execute(params![write.last_date_after, now, write.product_id])?;
    }
    Ok(())
}

/// What of the store an import grid's catalogue depends on, as one text that
/// changes when any of it does: which reels are tracked (imports only add them),
/// the mappings, the warehouse file and its time zone. Cheap: two index lookups,
/// one count over an index and two tiny tables.
pub fn catalogue_fingerprint(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT coalesce((SELECT max(product_id) FROM product_mappings), 0) || ' '
                || (SELECT count(*) FROM product_mappings) || ' '
                || coalesce((SELECT max(updated_at) FROM field_mappings), '') || ' '
                || (SELECT count(*) FROM field_mappings WHERE active = 1) || ' '
                || coalesce(external_path, '') || ' ' || coalesce(warehouse_time_zone, '')
         FROM sync_settings WHERE id = 1",
    )?
    .query_row([], |row| row.get(0))
}

/// Moves whenever the products list may have changed: a run (each page of
/// items it logs, and its end), an office status change (logged as activity),
/// or reels added or dropped. A few index lookups, not a scan.
pub fn tracked_fingerprint(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT coalesce((SELECT id || ' ' || outcome FROM runs ORDER BY id DESC LIMIT 1), '') || ' '
                || coalesce((SELECT max(seq) FROM run_items
                             WHERE run_id = (SELECT max(id) FROM runs)), 0) || ' '
                || coalesce((SELECT max(id) FROM activity), 0) || ' '
                || (SELECT count(*) FROM products)",
    )?
    .query_row([], |row| row.get(0))
}

/// Every tracked reel as the products list shows it, by reel number: the
/// reel number, then the texts of `columns` (the warehouse's status as the last
/// sync saw it: its base, or `missing`), then the comments.
pub fn each_listed(
    conn: &Connection,
    columns: &[GridColumn],
    mut each: impl FnMut(String, Vec<Option<String>>, Option<String>),
) -> rusqlite::Result<()> {
    let select: Vec<String> = columns
        .iter()
        .map(|column| match column.field() {
            Some(field) => format!("p.{field}"),
            None => "CASE m.state WHEN 'missing' THEN 'missing' ELSE m.base_status END".into(),
        })
        .collect();
    let sql = format!(
        "SELECT p.reel_number, {}, p.comments
         FROM products p LEFT JOIN product_mappings m ON m.product_id = p.id",
        select.join(", ")
    );
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query([])?;
    let text = |row: &Row<'_>, i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match row.get_ref(i)? {
            ValueRef::Null => None,
            ValueRef::Integer(n) => Some(n.to_string()),
            ValueRef::Real(x) => Some(x.to_string()),
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        })
    };
    while let Some(row) = rows.next()? {
        let cells = (1..=columns.len())
            .map(|i| text(row, i))
            .collect::<rusqlite::Result<_>>()?;
        each(row.get(0)?, cells, text(row, columns.len() + 1)?);
    }
    Ok(())
}

/// Every tracked reel's product id and field hash, by reel number.
pub fn tracked_hashes(conn: &Connection) -> rusqlite::Result<HashMap<String, (i64, i64)>> {
    conn.prepare(
        "SELECT p.reel_number, m.product_id, m.field_hash
         FROM product_mappings m JOIN products p ON p.id = m.product_id",
    )?
    .query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))?
    .collect()
}

/// Stops tracking a product: it, its link and what hangs on it go; the run
/// log and the activity log keep its history by its reel number.
pub fn untrack(conn: &Connection, product_id: i64) -> rusqlite::Result<()> {
    // A run's connection does not enforce foreign keys: each table by hand.
    for table in [
        "DELETE FROM conflicts WHERE product_id = ?1",
        "DELETE FROM warehouse_writes WHERE product_id = ?1",
        "DELETE FROM product_mappings WHERE product_id = ?1",
        "DELETE FROM products WHERE id = ?1",
    ] {
        conn.prepare_cached(table)?.execute([product_id])?;
    }
    Ok(())
}

/// Records a link's state without touching its base.
pub fn set_state(
    conn: &Connection,
    product_id: i64,
    state: LinkState,
    reason: Option<&Reason>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET state = ?1, state_reason = ?2 WHERE product_id = ?3",
    )?
    .execute(params![
        state.as_str(),
        reason.map(Reason::to_stored),
        product_id
    ])
    .map(drop)
}
