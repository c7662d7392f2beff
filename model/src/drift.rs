//! The drift report: where the office's tracked reels and the warehouse file
//! differ right now, reel by reel, without syncing anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a tracked reel differs from the warehouse, the first that applies of
/// these, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// No warehouse row carries its reel number.
    Missing,
    /// The row under its number was created at another time than its own.
    Identity,
    /// The statuses differ and the warehouse moved (a sync takes it in, or it is
    /// a conflict).
    Status,
    /// The office's status is not yet written to the warehouse.
    Unexported,
    /// A mapped field differs (a sync refreshes it).
    Fields,
    /// The forklift's copy (its `Anbar_` rows) disagrees with `Products`.
    Copy,
}

impl DriftKind {
    /// Every kind, in order.
    pub const ALL: [Self; 6] = [
        Self::Missing,
        Self::Identity,
        Self::Status,
        Self::Unexported,
        Self::Fields,
        Self::Copy,
    ];

    /// The kind `s` spells, as [`Self::as_str`] spells it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == s)
    }

    /// The spelling scripts see.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Identity => "identity",
            Self::Status => "status",
            Self::Unexported => "unexported",
            Self::Fields => "fields",
            Self::Copy => "copy",
        }
    }
}

/// One tracked reel that differs: what the office holds and what the warehouse
/// holds, for its kind of difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub reel_number: String,
    pub kind: DriftKind,
    pub office: Option<String>,
    pub warehouse: Option<String>,
}

/// Every tracked reel that differs, how many of each kind (every kind listed,
/// none left out for being zero), and how many were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftReport {
    pub checked: u64,
    pub counts: BTreeMap<DriftKind, u64>,
    pub drift: Vec<Drift>,
}

impl Default for DriftReport {
    fn default() -> Self {
        Self {
            checked: 0,
            counts: DriftKind::ALL.iter().map(|k| (*k, 0)).collect(),
            drift: Vec::new(),
        }
    }
}

impl DriftReport {
    /// Adds a differing reel.
    pub fn push(&mut self, drift: Drift) {
        *self.counts.entry(drift.kind).or_default() += 1;
        self.drift.push(drift);
    }

    /// Whether both sides agree on every tracked reel.
    pub fn agrees(&self) -> bool {
        self.drift.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_spelling() {
        for kind in DriftKind::ALL {
            assert_eq!(DriftKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DriftKind::parse("Missing"), None);
        assert_eq!(DriftKind::parse(""), None);
    }
}
