//! The warehouse's identity as last seen: its mapped columns and their types, the
//! hold on a file that is not the one reelsync has been syncing, and a sample of
//! tracked reels to tell it by.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{Connection, OptionalExtension};

use crate::WarehouseProblem;

use super::config::conversion;

/// The mapped warehouse columns and their types as last saved, and whether an
/// admin has accepted the file at the warehouse path as it is.
pub fn warehouse_identity(
    conn: &Connection,
) -> rusqlite::Result<(Option<BTreeMap<String, String>>, bool)> {
    conn.query_row(
        "SELECT warehouse_columns, warehouse_accepted FROM sync_settings WHERE id = 1",
        [],
        |row| {
            let columns = row
                .get::<_, Option<String>>(0)?
                .map(|json| serde_json::from_str(&json).map_err(|e| conversion(0, e)))
                .transpose()?;
            Ok((columns, row.get(1)?))
        },
    )
}

/// Saves the mapped columns a run found, and ends a one-time acceptance.
pub fn save_warehouse_identity(
    conn: &Connection,
    columns: &BTreeMap<String, String>,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(columns).map_err(|e| conversion(0, e))?;
    conn.execute(
        "UPDATE sync_settings SET warehouse_columns = ?1, warehouse_accepted = 0 WHERE id = 1",
        [json],
    )
    .map(drop)
}

/// Holds runs (and the schedule) on `problem`, or lifts the hold (`None`).
pub fn set_warehouse_hold(
    conn: &Connection,
    problem: Option<&WarehouseProblem>,
) -> rusqlite::Result<()> {
    let json = problem
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| conversion(0, e))?;
    conn.execute(
        "UPDATE sync_settings SET warehouse_hold = ?1 WHERE id = 1",
        [json],
    )
    .map(drop)
}

/// Lifts the hold and lets the next run take the file as it is.
pub fn accept_warehouse(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sync_settings SET warehouse_hold = NULL, warehouse_accepted = 1 WHERE id = 1",
        [],
    )
    .map(drop)
}

/// Up to `limit` tracked reels, at random, not already missing: their numbers,
/// when their rows were created and which row they were last found on. Each is
/// the first link at or after a random product id (one probe of the key each):
/// sorting every link at random would read them all.
pub fn sample_tracked(
    conn: &Connection,
    limit: u32,
) -> rusqlite::Result<Vec<(String, Option<String>, i64)>> {
    let (low, high, count): (i64, i64, i64) = conn.query_row(
        "SELECT coalesce(min(product_id), 0), coalesce(max(product_id), -1), count(*)
         FROM product_mappings",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if count <= i64::from(limit) {
        // A small store: every link.
        return conn
            .prepare_cached(
                "SELECT p.reel_number, m.born, m.external_id
                 FROM product_mappings m JOIN products p ON p.id = m.product_id
                 WHERE m.state <> 'missing'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect();
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.reel_number, m.born, m.external_id, m.product_id
         FROM product_mappings m JOIN products p ON p.id = m.product_id
         WHERE m.product_id >= ?1 AND m.state <> 'missing' ORDER BY m.product_id LIMIT 1",
    )?;
    use rand::{Rng, SeedableRng, rngs::StdRng};
    // Any spread will do; the system's randomness only spares a fixed sample.
    let mut rng = StdRng::try_from_os_rng().unwrap_or_else(|_| StdRng::seed_from_u64(high as u64));
    let mut seen = HashSet::new();
    let mut sample = Vec::new();
    // Twice as many draws as wanted: links already missing are drawn too.
    for _ in 0..limit * 2 {
        if sample.len() as u32 == limit {
            break;
        }
        let from = rng.random_range(low..=high);
        let found = stmt
            .query_row([from], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()?;
        if let Some((reel, born, row, product_id)) = found
            && seen.insert(product_id)
        {
            sample.push((reel, born, row));
        }
    }
    Ok(sample)
}
