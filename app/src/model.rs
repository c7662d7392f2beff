//! What the pages show, as plain serializable data.
//!
//! These types cross the wire between the server functions and the browser. They are
//! deliberately not the engine's types: the engine links bundled SQLite, which cannot
//! be built for wasm, so the `ssr` side converts engine values into these (see
//! `crate::ssr::convert`). Times arrive already formatted by the server, which runs
//! next to the warehouse and so in the mill's time zone; that also keeps the server
//! render and the hydrated page identical.

use serde::{Deserialize, Serialize};

/// A point in time, formatted for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// Local time of the server, e.g. `2026-11-23 14:05`.
    pub local: String,
    /// Relative to when the figures were read, e.g. `5 min ago`, `in 10 min`.
    pub relative: String,
}

/// The figures on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardData {
    /// Warehouse `In-stock` reels not yet tracked; `None` when the warehouse file
    /// cannot be read, and then `warehouse_error` says why.
    pub importable: Option<u64>,
    /// Why the warehouse file cannot be read, without file paths.
    pub warehouse_error: Option<String>,
    /// Reels imported and kept in step.
    pub tracked: u64,
    /// Tracked reels by status in the main store.
    pub by_status: StatusCounts,
    /// Tracked reels whose statuses moved apart on both sides.
    pub conflicts: u64,
    /// The latest logged run, if any.
    pub last_run: Option<LastRun>,
    /// Whether the scheduler runs full syncs by itself.
    pub auto_sync: bool,
    /// When the scheduler runs next (only while auto-sync is on).
    pub next_run: Option<Moment>,
    /// When these figures were read.
    pub read_at: Moment,
    /// Who is signed in.
    pub user: String,
}

/// Tracked reels by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub in_stock: u64,
    pub sold: u64,
    pub delivered: u64,
}

/// A logged run, as the dashboard summarises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRun {
    pub id: i64,
    /// `manual`, `auto`, `import`, `export` or `dry-run`.
    pub kind: String,
    /// Who started it (a user name, `cli:<login>` or the scheduler).
    pub who: String,
    pub started: Moment,
    /// e.g. `1.2 s`; `None` while it is still running.
    pub duration: Option<String>,
    pub outcome: RunOutcome,
    pub counts: RunCounts,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    Running,
    Succeeded,
    Partial,
    Failed,
    Cancelled,
}

impl RunOutcome {
    /// The label shown on the badge.
    pub fn label(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Partial => "Partial",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// The CSS modifier that colours the badge.
    pub fn class(self) -> &'static str {
        match self {
            Self::Running => "badge badge--info",
            Self::Succeeded => "badge badge--ok",
            Self::Partial => "badge badge--warn",
            Self::Failed => "badge badge--bad",
            Self::Cancelled => "badge badge--warn",
        }
    }
}

/// The counters of a run that the dashboard shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub imported: u64,
    pub updated: u64,
    pub exported: u64,
    pub status_in: u64,
    pub conflicts: u64,
    pub rejected: u64,
}

/// Formats a count with thousands separators: `12345` → `12,345`.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
