//! What the dashboard and the connection check show, and who is signed in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::problem::WarehouseProblem;
use crate::report::RunSummary;

/// Reels in the main store by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub in_stock: u64,
    pub sold: u64,
    pub delivered: u64,
}

/// The live figures the dashboard and `reelsync status` show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Warehouse `In-stock` reels not yet tracked; `None` when the warehouse file
    /// cannot be read, and then `warehouse_error` says why.
    pub importable: Option<u64>,
    /// Why the warehouse file can't be read, in English (with its path).
    pub warehouse_error: Option<String>,
    /// The same, as data, for a screen to word in its own language.
    pub warehouse_problem: Option<WarehouseProblem>,
    /// Reels imported and kept in step.
    pub tracked: u64,
    pub by_status: StatusCounts,
    /// Tracked reels whose statuses moved apart on both sides at the last sync.
    pub conflicts: u64,
    /// Tracked reels the warehouse file lacked at the last sync.
    #[serde(default)]
    pub missing: u64,
    /// Why runs are refused and the schedule paused, until an admin accepts the
    /// file at the warehouse path.
    #[serde(default)]
    pub warehouse_hold: Option<WarehouseProblem>,
    pub last_run: Option<RunSummary>,
    pub auto_sync: bool,
    pub next_run_at: Option<DateTime<Utc>>,
}

/// The result of a connection and schema check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The warehouse file checked.
    pub path: String,
    /// Reels in its `Products` table.
    pub reels: u64,
    /// The columns of its `Products` table.
    pub columns: Vec<String>,
    /// Active mappings, all of whose columns exist.
    pub mapped_fields: usize,
    /// The zone the warehouse's dates are read and written in, such as
    /// `Asia/Tehran` or `host (Etc/UTC)`.
    pub time_zone: String,
}

/// A user of reelsync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    /// Only super admins may use reelsync's screens.
    pub is_superuser: bool,
    /// Signed in with a one-time password, which they must change before
    /// anything else.
    #[serde(default)]
    pub must_change_password: bool,
}
