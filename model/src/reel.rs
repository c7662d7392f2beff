//! One reel as its page shows it: the office's record beside the warehouse's
//! row now (and the forklift's copies), then everything that happened to it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Action, Conflict, ProductField, Reason, ReelStatus, Resolution, RunKind, WarehouseProblem,
};

/// A reel's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReelPage {
    pub reel_number: String,
    /// The office's record; `None` when reelsync does not track the reel.
    pub office: Option<OfficeRecord>,
    /// The warehouse's row carrying the number now; `None` when none does (or
    /// the file can't be read: see `warehouse_problem`).
    pub warehouse: Option<WarehouseRecord>,
    /// Why the warehouse file could not be read, when it could not.
    pub warehouse_problem: Option<WarehouseProblem>,
    /// Newest first.
    pub history: Vec<ReelEvent>,
    /// Its conflicts, open or ended, newest first.
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
}

/// What the office holds of a tracked reel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRecord {
    pub status: ReelStatus,
    /// The status both sides agreed on at the last sync.
    pub base: ReelStatus,
    /// Whether the last sync found the reel in the warehouse file.
    pub missing: bool,
    /// Its fields, in [`ProductField::ALL`] order, as the office holds them.
    pub values: Vec<(ProductField, Option<String>)>,
}

/// The warehouse's row of a reel, as the file holds it (the mapped columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseRecord {
    /// Each mapped field's raw value, in [`ProductField::ALL`] order.
    pub values: Vec<(ProductField, Option<String>)>,
    /// The rows of the forklift's per-warehouse tables carrying the number.
    pub copies: Vec<CopyRecord>,
}

/// One row of an `Anbar_` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyRecord {
    pub table: String,
    pub status: Option<String>,
    pub last_date: Option<String>,
}

/// Something that happened to a reel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReelEvent {
    pub at: DateTime<Utc>,
    pub who: String,
    pub what: ReelChange,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReelChange {
    /// A run logged an item of the reel: its import, a status taken in or
    /// written out, a refresh, a conflict, a rejection.
    Run {
        run_id: i64,
        kind: RunKind,
        action: Action,
        reason: Option<Reason>,
    },
    /// The office set its status.
    OfficeStatus { from: String, to: String },
    /// A conflict of the reel ended, in run `run_id`.
    ConflictEnded {
        conflict_id: i64,
        how: Resolution,
        run_id: i64,
    },
}
