//! What a draft of the field mappings would make of the warehouse's rows now,
//! before it is saved: samples of rows it maps, rows it rejects and tracked
//! reels it changes, a summary of why rows are rejected, and how many tracked
//! reels a save would refresh at the next sync.

use serde::{Deserialize, Serialize};

use crate::field::ProductField;
use crate::reason::RowProblem;

/// A draft's trial on real rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftPreview {
    /// Importable rows the draft was run on (up to the trial's bound), and how
    /// many of them it maps and rejects.
    pub tried: u64,
    pub maps: u64,
    pub rejected: u64,
    /// Why rows are rejected: field, problem (its code) and how many, most
    /// first.
    pub problems: Vec<ProblemCount>,
    /// The first importable rows, as the draft maps them.
    pub importable: Vec<Sample>,
    /// Rows the draft rejects, each with why.
    pub rejected_rows: Vec<Sample>,
    /// Tracked reels whose mapped values the draft changes (`before`: the
    /// product's value now).
    pub changed: Vec<Sample>,
    /// Tracked reels a save would refresh at the next sync (every tracked
    /// reel's row read).
    pub refresh: u64,
    /// Warehouse rows read for it: the whole file, or less once the tried
    /// rows were full and every tracked reel's row had been read.
    pub scanned: u64,
}

/// How many rows one problem of one field rejects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemCount {
    pub field: ProductField,
    /// The problem's code (`not_whole_number`, `not_date_as`, …).
    pub problem: String,
    pub count: u64,
}

/// One row as the draft sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Its reel number as read (or `#id` when it has none that can be read).
    pub reel_number: String,
    /// Each mapped field: the raw cell, shown safely, and what the draft makes
    /// of it.
    pub cells: Vec<SampleCell>,
    /// Why the draft rejects the row, when it does.
    pub rejection: Option<RowProblem>,
}

/// One field of a sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleCell {
    pub field: ProductField,
    pub raw: Option<String>,
    pub mapped: Option<String>,
    /// For a tracked reel the draft changes: the product's value now.
    pub before: Option<String>,
}
