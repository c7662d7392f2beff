//! The field mappings and the sync settings, as the store keeps them.

use chrono::Utc;
use rusqlite::{Connection, params};

use crate::mapping::{FieldMapping, Transform};
use crate::settings::{AutoImport, SyncSettings};

/// The stored field mappings, in field order.
pub fn mappings(conn: &Connection) -> rusqlite::Result<Vec<FieldMapping>> {
    let mut stmt =
        conn.prepare("SELECT field, external_column, transforms, active FROM field_mappings")?;
    let mut out: Vec<FieldMapping> = stmt
        .query_map([], |row| {
            let field: String = row.get(0)?;
            let transforms: String = row.get(2)?;
            Ok(FieldMapping {
                field: field
                    .parse()
                    .map_err(|e: model::Refusal| conversion(0, e))?,
                column: row.get(1)?,
                transforms: serde_json::from_str::<Vec<Transform>>(&transforms)
                    .map_err(|e| conversion(2, e))?,
                active: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    out.sort_by_key(|m| m.field);
    Ok(out)
}

/// Replaces every stored mapping with `mappings`.
pub fn replace_mappings(conn: &Connection, mappings: &[FieldMapping]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM field_mappings", [])?;
    let mut stmt = conn.prepare(
        "INSERT INTO field_mappings (field, external_column, transforms, active, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let now = Utc::now();
    for m in mappings {
        let transforms = serde_json::to_string(&m.transforms).map_err(|e| conversion(2, e))?;
        stmt.execute(params![
            m.field.as_str(),
            m.column,
            transforms,
            m.active,
            now
        ])?;
    }
    Ok(())
}

pub(super) fn conversion(
    column: usize,
    e: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

// ----- settings -------------------------------------------------------------------

/// The sync settings.
pub fn settings(conn: &Connection) -> rusqlite::Result<SyncSettings> {
    conn.query_row(
        "SELECT auto_sync, interval_minutes, auto_import, external_path, snapshot_retention,
                last_run_at, next_run_at, warehouse_time_zone, mirror_anbar, warehouse_hold,
                activity_retention_days
         FROM sync_settings WHERE id = 1",
        [],
        |row| {
            let auto_import: String = row.get(2)?;
            let hold = row
                .get::<_, Option<String>>(9)?
                .map(|json| serde_json::from_str(&json).map_err(|e| conversion(9, e)))
                .transpose()?;
            Ok(SyncSettings {
                auto_sync: row.get(0)?,
                interval_minutes: row.get(1)?,
                auto_import: AutoImport::parse(&auto_import).map_err(|e| conversion(2, e))?,
                external_path: row.get(3)?,
                snapshot_retention: row.get(4)?,
                last_run_at: row.get(5)?,
                next_run_at: row.get(6)?,
                warehouse_time_zone: row.get(7)?,
                mirror_anbar: row.get(8)?,
                warehouse_hold: hold,
                activity_retention_days: row.get(10)?,
            })
        },
    )
}

/// Writes every settings value.
pub fn save_settings(conn: &Connection, s: &SyncSettings) -> rusqlite::Result<()> {
    let hold = s
        .warehouse_hold
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| conversion(9, e))?;
    conn.execute(
        "UPDATE sync_settings SET auto_sync = ?1, interval_minutes = ?2, auto_import = ?3,
                external_path = ?4, snapshot_retention = ?5, last_run_at = ?6, next_run_at = ?7,
                warehouse_time_zone = ?8, mirror_anbar = ?9, warehouse_hold = ?10,
                activity_retention_days = ?11
         WHERE id = 1",
        params![
            s.auto_sync,
            s.interval_minutes,
            s.auto_import.as_str(),
            s.external_path,
            s.snapshot_retention,
            s.last_run_at,
            s.next_run_at,
            s.warehouse_time_zone,
            s.mirror_anbar,
            hold,
            s.activity_retention_days
        ],
    )
    .map(drop)
}
