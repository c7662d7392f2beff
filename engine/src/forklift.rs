//! The forklift's copy of a reel. The warehouse app keeps each reel also in a
//! per-warehouse table (`Anbar_<location>`), and its forklift screens list the
//! loadable reels from there (`status = 'In-stock'`): a sale written only to
//! `Products` would still show the reel as loadable to the driver. So an
//! exported sale or cancellation also reaches the reel's row there, found before
//! any write (its before-image is journaled with the `Products` write) and
//! written by compare-and-set in the same warehouse transaction.

use std::collections::HashMap;

use crate::error::WarehouseError;
use crate::plan::Export;
use crate::warehouse::{Cell, CopyRow, Reader};
use crate::{Change, Reason};

/// What an export does to the reel's forklift copy.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyPlan {
    /// Writes this row, if it still holds what it held.
    Row {
        row: CopyRow,
        writes_last_date: bool,
    },
    /// The copy holds the status to write already: nothing to write there.
    InStep,
    /// No `Anbar_` table holds the reel: only `Products` is written.
    None { table: String },
    /// The reel's rows there do not hold what `Products` held: left as they are.
    Differs { table: String },
}

impl CopyPlan {
    /// Why only `Products` is written, when it is.
    pub fn note(&self) -> Option<Reason> {
        match self {
            Self::Row { .. } | Self::InStep => None,
            Self::None { table } => Some(Reason::NoCopy {
                table: table.clone(),
            }),
            Self::Differs { table } => Some(Reason::CopyChanged {
                table: table.clone(),
            }),
        }
    }

    /// What writing the copy changes, for logs and plans.
    pub fn change(&self, export: &Export) -> Option<Change> {
        let Self::Row { row, .. } = self else {
            return None;
        };
        Some(Change {
            field: format!("{}.status", row.table),
            old: Some(crate::mapping::display_value(&row.status)),
            new: Some(export.to_raw.clone()),
        })
    }
}

/// Finds the forklift copy of each export's reel, by product id: in every
/// `Anbar_` table, the rows carrying its reel number; of those holding what its
/// `Products` row held (or, when that held another reel's status, what it should
/// have: see [`Export::copy_expected`]), the newest in the table its location
/// names, else the newest anywhere (a reel moved between warehouses leaves its old rows marked
/// `Moved`, a cancelled shipment its old row `Cancelled`). Each table is read
/// once, in short reads.
pub fn find(
    reader: &Reader,
    exports: &[(String, Export)],
) -> Result<HashMap<i64, CopyPlan>, WarehouseError> {
    let reels: Vec<&str> = exports
        .iter()
        .filter_map(|(_, e)| match &e.reel {
            Cell::Text(reel) => Some(reel.as_str()),
            _ => None,
        })
        .collect();
    let mut rows: HashMap<String, Vec<(CopyRow, bool)>> = HashMap::new();
    for table in reader.copy_tables()? {
        for row in reader.copies(&table, &reels)? {
            // `copies` returns only rows whose reel number is one of `reels`: text.
            if let Cell::Text(reel) = &row.reel {
                rows.entry(reel.clone())
                    .or_default()
                    .push((row, table.has_last_date));
            }
        }
    }
    Ok(exports
        .iter()
        .map(|(_, export)| (export.product_id, choose(export, &rows)))
        .collect())
}

/// The copy `export` writes, among the rows carrying its reel number.
fn choose(export: &Export, rows: &HashMap<String, Vec<(CopyRow, bool)>>) -> CopyPlan {
    let named = export
        .location
        .as_deref()
        .filter(|l| l.starts_with("Anbar_"))
        .unwrap_or("Anbar_*")
        .to_owned();
    let candidates = match &export.reel {
        Cell::Text(reel) => rows
            .get(reel.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default(),
        _ => &[],
    };
    if candidates.is_empty() {
        return CopyPlan::None { table: named };
    }
    // The live copy holds what `Products` held, or what it should have held, or
    // the status to write already; rows the app left behind (`Moved`,
    // `Cancelled`) and copies the app moved on are never written.
    let to = Cell::Text(export.to_raw.clone());
    let holding = candidates.iter().filter(|(row, _)| {
        row.status == export.expected || row.status == export.copy_expected || row.status == to
    });
    let best = holding
        .max_by_key(|(row, _)| (row.table == named, row.id))
        .cloned();
    if best.as_ref().is_some_and(|(row, _)| row.status == to) {
        return CopyPlan::InStep;
    }
    match best {
        Some((row, writes_last_date)) => CopyPlan::Row {
            row,
            writes_last_date,
        },
        None => CopyPlan::Differs {
            table: candidates
                .iter()
                .find(|(row, _)| row.table == named)
                .unwrap_or(&candidates[0])
                .0
                .table
                .clone(),
        },
    }
}
