//! A conflict: a tracked reel whose statuses moved apart on both sides, kept as
//! its own record from the sync that found it to the way it ended. Nothing is
//! picked silently: either a person keeps one side (a run of kind `resolve`), or
//! a later sync finds both sides in step again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::reason::Reason;
use crate::status::ReelStatus;

/// Which side's status a resolution keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The office takes the warehouse's status; nothing is written to the file.
    Warehouse,
    /// The office's status is written to the warehouse (compare-and-set).
    Office,
}

impl Keep {
    /// The spelling used in addresses, forms and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warehouse => "warehouse",
            Self::Office => "office",
        }
    }

    /// Reads [`Keep::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Warehouse, Self::Office]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How a conflict ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Someone kept the warehouse's status.
    KeptWarehouse,
    /// Someone kept the office's status, and it was written to the warehouse.
    KeptOffice,
    /// A sync found both sides in step again (one gave way, or both agreed).
    Settled,
    /// The reel left the warehouse file.
    Gone,
}

impl Resolution {
    /// The spelling the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeptWarehouse => "kept_warehouse",
            Self::KeptOffice => "kept_office",
            Self::Settled => "settled",
            Self::Gone => "gone",
        }
    }

    /// Reads [`Resolution::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::KeptWarehouse,
            Self::KeptOffice,
            Self::Settled,
            Self::Gone,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// What a resolution run's close of a conflict is, by the side it kept.
    pub fn kept(keep: Keep) -> Self {
        match keep {
            Keep::Warehouse => Self::KeptWarehouse,
            Keep::Office => Self::KeptOffice,
        }
    }
}

/// One conflict, open or ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: i64,
    pub reel_number: String,
    /// The status both sides last agreed on.
    pub base: ReelStatus,
    /// The office's status, who set it (`None`: it came with the import or a
    /// sync) and when.
    pub office: ReelStatus,
    pub office_by: Option<String>,
    pub office_at: DateTime<Utc>,
    /// The warehouse's status, its `last_date` and `location` as the file holds
    /// them (the location names a truck or a customer once a reel left).
    pub warehouse: ReelStatus,
    pub warehouse_at: Option<String>,
    pub location: Option<String>,
    /// Why the sync could not settle it.
    pub reason: Reason,
    /// The run that found it, and when; the newest run that found it still open.
    pub found_run: i64,
    pub found_at: DateTime<Utc>,
    pub seen_run: i64,
    /// How it ended; `None` while open.
    pub resolved: Option<Resolved>,
}

/// How and by whom a conflict ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub how: Resolution,
    pub by: String,
    pub at: DateTime<Utc>,
    pub run_id: i64,
}

/// The open conflicts, as the inbox lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictList {
    /// Open conflicts matching the search, newest found first (at most the
    /// list's limit of them).
    pub conflicts: Vec<Conflict>,
    /// How many open conflicts match the search in all.
    pub matching: u64,
    /// How many are open in all.
    pub open: u64,
}

/// A reel to resolve, with the warehouse status the person was shown: the
/// resolution writes only while the warehouse still holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shown {
    pub reel_number: String,
    pub warehouse: ReelStatus,
}

/// A resolution: keep one side for each of `reels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolve {
    pub keep: Keep,
    pub reels: Vec<Shown>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_read_back() {
        for keep in [Keep::Warehouse, Keep::Office] {
            assert_eq!(Keep::parse(keep.as_str()), Some(keep));
        }
        for how in [
            Resolution::KeptWarehouse,
            Resolution::KeptOffice,
            Resolution::Settled,
            Resolution::Gone,
        ] {
            assert_eq!(Resolution::parse(how.as_str()), Some(how));
        }
        assert_eq!(Keep::parse("both"), None);
    }
}
