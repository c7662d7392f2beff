//! Why a run refused a reel, left it alone or failed, as codes with their values:
//! the command line words them in English (`Display`), the web app in the user's
//! language. What a warehouse cell held travels as data too, never re-worded.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field::ProductField;
use crate::problem::WarehouseProblem;
use crate::status::ReelStatus;

/// Why one warehouse value can't be taken as its field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ValueProblem {
    /// A required field is NULL or blank.
    Missing,
    /// The status mapping gives something that is not a reel status.
    NotStatus,
    /// Not a whole number; `value` is what the cell held, as shown in messages.
    NotWholeNumber { value: String },
    /// A reel number that is not text (nor a whole number).
    NotText { value: String },
    /// A reel number with blanks at its ends.
    BlanksAtEnds { value: String },
    /// A reel number with control characters in it.
    ControlCharacters { value: String },
    /// A reel number longer than `max` bytes.
    TooLong { max: usize },
    /// A whole number outside the field's range.
    OutOfRange { value: i64, low: i64, high: i64 },
    /// Not a date in one of the warehouse app's formats.
    NotDate { value: String },
    /// Not a date written as `format` (a mapping's date transform) says.
    NotDateAs { value: String, format: String },
    /// Not a decimal number with the separators a mapping's transform names.
    NotDecimal { value: String },
    /// A status that is not spelled as the warehouse app spells one.
    UnknownStatus { value: String },
    /// Text that is not valid UTF-8: the first bad byte `at`, of `len`.
    InvalidUtf8 { at: usize, len: usize },
    /// Binary data of `bytes` bytes.
    Binary { bytes: usize },
    /// A cell of `bytes` bytes, more than the `max` reelsync takes.
    Oversized { bytes: usize, max: usize },
}

impl ValueProblem {
    /// The problem's code, as stored and sent (`not_whole_number`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::NotStatus => "not_status",
            Self::NotWholeNumber { .. } => "not_whole_number",
            Self::NotText { .. } => "not_text",
            Self::BlanksAtEnds { .. } => "blanks_at_ends",
            Self::ControlCharacters { .. } => "control_characters",
            Self::TooLong { .. } => "too_long",
            Self::OutOfRange { .. } => "out_of_range",
            Self::NotDate { .. } => "not_date",
            Self::NotDateAs { .. } => "not_date_as",
            Self::NotDecimal { .. } => "not_decimal",
            Self::UnknownStatus { .. } => "unknown_status",
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::Binary { .. } => "binary",
            Self::Oversized { .. } => "oversized",
        }
    }
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("is missing"),
            Self::NotStatus => f.write_str("is not a status"),
            Self::NotWholeNumber { value } => write!(f, "is not a whole number: {value}"),
            Self::NotText { value } => write!(f, "is not text: {value}"),
            Self::BlanksAtEnds { value } => write!(f, "{value} has blanks at its ends"),
            Self::ControlCharacters { value } => write!(f, "{value} holds control characters"),
            Self::TooLong { max } => write!(f, "is longer than {max} bytes"),
            Self::OutOfRange { value, low, high } => {
                write!(f, "{value} is out of range {low}–{high}")
            }
            Self::NotDate { value } => {
                write!(f, "{value} is not a date like YYYY-MM-DD HH:MM[:SS]")
            }
            Self::NotDateAs { value, format } => {
                write!(f, "{value} is not a date written as {format}")
            }
            Self::NotDecimal { value } => write!(f, "{value} is not a decimal number"),
            Self::UnknownStatus { value } => {
                write!(f, "{value} is not In-stock, Sold or Delivered")
            }
            Self::InvalidUtf8 { at, len } => write!(
                f,
                "holds text that is not valid UTF-8 (at byte {at} of {len})"
            ),
            Self::Binary { bytes } => {
                write!(f, "holds binary data ({bytes} bytes), not text or a number")
            }
            Self::Oversized { bytes, max } => write!(
                f,
                "holds {bytes} bytes, more than the {max} reelsync takes in one cell"
            ),
        }
    }
}

/// Why a warehouse row cannot become a product: the field, the warehouse column
/// that feeds it, and what is wrong with the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub field: ProductField,
    pub column: String,
    pub problem: ValueProblem,
}

impl fmt::Display for RowProblem {
    /// `width is not a whole number: "wide"`, or with the column named when it is
    /// not the field's own: `width (column breite) is …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == self.field.as_str() {
            write!(f, "{} {}", self.field, self.problem)
        } else {
            write!(
                f,
                "{} (column {}) {}",
                self.field, self.column, self.problem
            )
        }
    }
}

/// Why a run refused a reel, skipped it, left it in conflict or noted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// An earlier warehouse row with this reel number was imported.
    DuplicateRow,
    /// The reel is tracked already, and a tracked reel is never imported again.
    AlreadyImported,
    /// Asked for by number, but not In-stock in the warehouse (`None`: its status
    /// can't be read).
    NotInStock { status: Option<ReelStatus> },
    /// The warehouse row can't become a product.
    BadRow(RowProblem),
    /// The tracked reel's row can't be read to refresh its fields.
    NotRefreshed(RowProblem),
    /// The row's status can't be read, so statuses are not synced.
    StatusNotSynced(RowProblem),
    /// The office's status can't be written over this row.
    StatusNotExported(RowProblem),
    /// A refresh would give the product `reel_number`, which another product has.
    ReelNumberTaken { reel_number: String },
    /// Another product has this reel number already.
    ReelNumberExists,
    /// Asked for by number, but no warehouse row has it.
    NotFound,
    /// The tracked reel's row is no longer in the warehouse file.
    GoneFromWarehouse,
    /// The office moved the reel back, but the warehouse has it Delivered.
    DeliveredIsFinal { office: ReelStatus },
    /// The office moved the reel back over a status the warehouse app set itself.
    SetByWarehouseApp {
        office: ReelStatus,
        warehouse: ReelStatus,
    },
    /// Both sides moved the reel from `base`, to different statuses.
    BothMoved {
        base: ReelStatus,
        warehouse: ReelStatus,
        office: ReelStatus,
    },
    /// The warehouse changed the reel between reading and writing it.
    ChangedSinceRead,
    /// A resolution was asked for while the warehouse held `shown`; it holds
    /// `now`, so the conflict stays open with the new value.
    ChangedSinceShown { shown: ReelStatus, now: ReelStatus },
    /// Writing to the warehouse failed; the next run tries again.
    NotWritten { problem: WarehouseProblem },
    /// Written to the warehouse by a run that stopped before recording it, and
    /// recorded by run `run_id`.
    RecordedLate { run_id: i64 },
    /// The warehouse row holds exactly what run `run_id`'s write overwrote, and
    /// nothing newer: the file lost that write (a restored or older copy), so it
    /// is written again.
    LostWrite { run_id: i64 },
    /// The reel was entered again in the warehouse (a new row, created at
    /// `born`, where it was created at `was_born` before): linked to the new row,
    /// and its status merged from scratch, so no sale is lost.
    Reentered {
        was_born: Option<String>,
        born: Option<String>,
    },
    /// The warehouse row of this reel now carries `reel_number` and nothing else
    /// about it changed (same row, same creation time, the old number nowhere in
    /// the file): a corrected label, followed.
    LabelCorrected { reel_number: String },
    /// The warehouse row of this reel now carries `reel_number`, and reelsync
    /// can't tell that it is the same reel: nothing is synced for either number
    /// until someone checks.
    RowRenamed { reel_number: String },
    /// Two warehouse rows carry this reel number; only the first is synced.
    TwoRows,
    /// The forklift's copy of the reel (its row in `table`) was not found, so
    /// only `Products` was written.
    NoCopy { table: String },
    /// The forklift's copy in `table` was not written: it no longer held what
    /// reelsync read.
    CopyChanged { table: String },
    /// The reel's warehouse row held the status reelsync had written for reel
    /// `reel_number` (two labels swapped after the sale): the reel's own status
    /// was written over it.
    AnothersStatus { reel_number: String },
    /// An undo leaves the reel: run `run_id`, after the one undone, changed it.
    LaterRun { run_id: i64 },
    /// An undo leaves the reel: the office changed its status since.
    OfficeChangedSince,
    /// An undo leaves the reel: the warehouse changed it since.
    WarehouseChangedSince,
    /// An undo leaves what the run took in from the warehouse: that follows the
    /// warehouse's truth.
    FollowsWarehouse,
    /// An undo can't put back a before-image that is not a status as text.
    NotRestorable,
    /// A reason logged before reasons were codes, in its English words.
    Text { text: String },
}

impl fmt::Display for Reason {
    /// The English wording, as the command line prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateRow => f.write_str(
                "already imported (from an earlier warehouse row with this reel number)",
            ),
            Self::AlreadyImported => {
                f.write_str("already imported: a tracked reel is never imported again")
            }
            Self::NotInStock { status } => write!(
                f,
                "is {} in the warehouse: only In-stock reels can be imported",
                status.map_or("not In-stock", ReelStatus::as_str)
            ),
            Self::BadRow(row) => row.fmt(f),
            Self::NotRefreshed(row) => write!(f, "warehouse row cannot be refreshed: {row}"),
            Self::StatusNotSynced(row) => write!(f, "status not synced: {row}"),
            Self::StatusNotExported(row) => write!(f, "status not exported: {row}"),
            Self::ReelNumberTaken { reel_number } => write!(
                f,
                "warehouse row cannot be refreshed: its new reel number {reel_number} is another product's"
            ),
            Self::ReelNumberExists => f.write_str("a product with this reel number exists already"),
            Self::NotFound => f.write_str("not found in the warehouse file"),
            Self::GoneFromWarehouse => f.write_str("no longer in the warehouse file"),
            Self::DeliveredIsFinal { office } => write!(
                f,
                "office moved back to {office}, but the warehouse has Delivered: a delivered reel is never moved back"
            ),
            Self::SetByWarehouseApp { office, warehouse } => write!(
                f,
                "office moved back to {office}, but the warehouse app set {warehouse} itself: undo it in the warehouse app"
            ),
            Self::BothMoved {
                base,
                warehouse,
                office,
            } => write!(
                f,
                "both sides moved from {base}: warehouse to {warehouse}, office to {office}"
            ),
            Self::ChangedSinceRead => f.write_str(
                "the warehouse changed this reel since it was read; the next run will look again",
            ),
            Self::ChangedSinceShown { shown, now } => write!(
                f,
                "changed since you looked: the warehouse had {shown} and has {now} now; the conflict stays open"
            ),
            Self::LaterRun { run_id } => {
                write!(f, "run {run_id} changed this reel since: not undone")
            }
            Self::OfficeChangedSince => {
                f.write_str("the office changed this reel since: not undone")
            }
            Self::WarehouseChangedSince => {
                f.write_str("the warehouse changed this reel since: not undone")
            }
            Self::FollowsWarehouse => f.write_str(
                "taken in from the warehouse: it follows the warehouse's truth and is not undone",
            ),
            Self::NotRestorable => f.write_str(
                "what the run overwrote is not a status reelsync can write back: not undone",
            ),
            Self::NotWritten { problem } => write!(f, "not written: {problem}; {RETRY}"),
            Self::RecordedLate { run_id } => write!(
                f,
                "written to the warehouse by this run, which stopped before recording it; recorded by run {run_id}"
            ),
            Self::LostWrite { run_id } => write!(
                f,
                "the warehouse file lost run {run_id}'s write (a restored or older copy): written again"
            ),
            Self::Reentered { was_born, born } => write!(
                f,
                "entered again in the warehouse (created {}, before {}): linked to the new row, statuses merged afresh",
                born.as_deref().unwrap_or("at an unknown time"),
                was_born.as_deref().unwrap_or("at an unknown time"),
            ),
            Self::LabelCorrected { reel_number } => write!(
                f,
                "its warehouse row's label was corrected to {reel_number} (same row, same creation time): followed"
            ),
            Self::RowRenamed { reel_number } => write!(
                f,
                "its warehouse row now reads {reel_number}, and reelsync can't tell it is the same reel: check the label; neither number is synced until then"
            ),
            Self::TwoRows => {
                f.write_str("two warehouse rows carry this reel number; only the first is synced")
            }
            Self::NoCopy { table } => write!(
                f,
                "the forklift's copy in {table} was not found; only Products was written"
            ),
            Self::CopyChanged { table } => write!(
                f,
                "the forklift's copy in {table} changed since it was read and was not written"
            ),
            Self::AnothersStatus { reel_number } => write!(
                f,
                "its warehouse row held the status reelsync wrote for {reel_number} (labels swapped): its own status was written back"
            ),
            Self::Text { text } => f.write_str(text),
        }
    }
}

/// What a run whose warehouse writes failed adds: nothing is lost.
const RETRY: &str = "the next run will retry the exports not written";

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RunError {
    /// The warehouse file could not be used.
    Warehouse { problem: WarehouseProblem },
    /// Writing to the warehouse failed part way; the next run retries the writes
    /// not made.
    WritesFailed { problem: WarehouseProblem },
    /// The disk holding the main store is full: what the run had not saved was
    /// rolled back.
    StoreFull,
    /// The process stopped before the run finished (killed, a power cut): its
    /// counts are what it had saved.
    Interrupted,
    /// Anything else, in English words for the log (they may name paths, so the
    /// web app shows only that reelsync failed).
    Other { text: String },
}

impl fmt::Display for RunError {
    /// The English wording, as the command line prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Warehouse { problem } => problem.fmt(f),
            Self::WritesFailed { problem } => write!(f, "{problem}; {RETRY}"),
            Self::StoreFull => f.write_str(
                "the disk holding the main store is full: what this run had not yet saved was rolled back; free some space, then run again",
            ),
            Self::Interrupted => f.write_str(
                "interrupted: reelsync stopped before this run finished; its counts are what it had saved, the rest was rolled back",
            ),
            Self::Other { text } => f.write_str(text),
        }
    }
}

/// Codes as the store keeps them: JSON, read back from text logged before they
/// were codes as that text.
macro_rules! stored_as_json {
    ($ty:ty, $legacy:expr) => {
        impl $ty {
            /// The JSON the store keeps.
            pub fn to_stored(&self) -> String {
                serde_json::to_string(self).expect("a code serialises")
            }

            /// Reads what the store kept: JSON, or the English text logged before
            /// reasons were codes.
            pub fn from_stored(stored: &str) -> Self {
                serde_json::from_str(stored).unwrap_or_else(|_| $legacy(stored))
            }
        }
    };
}

stored_as_json!(Reason, |text: &str| Reason::Text {
    text: text.to_owned()
});
stored_as_json!(RunError, |text: &str| if text.starts_with("interrupted") {
    RunError::Interrupted
} else {
    RunError::Other {
        text: text.to_owned(),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problems_code_is_its_serde_tag() {
        let problems = [
            ValueProblem::Missing,
            ValueProblem::NotStatus,
            ValueProblem::NotWholeNumber { value: "x".into() },
            ValueProblem::NotText { value: "x".into() },
            ValueProblem::BlanksAtEnds { value: "x".into() },
            ValueProblem::ControlCharacters { value: "x".into() },
            ValueProblem::TooLong { max: 1 },
            ValueProblem::OutOfRange {
                value: 0,
                low: 1,
                high: 2,
            },
            ValueProblem::NotDate { value: "x".into() },
            ValueProblem::NotDateAs {
                value: "x".into(),
                format: "%Y".into(),
            },
            ValueProblem::NotDecimal { value: "x".into() },
            ValueProblem::UnknownStatus { value: "x".into() },
            ValueProblem::InvalidUtf8 { at: 0, len: 1 },
            ValueProblem::Binary { bytes: 1 },
            ValueProblem::Oversized { bytes: 2, max: 1 },
        ];
        for problem in problems {
            let json = serde_json::to_value(&problem).unwrap();
            assert_eq!(json["problem"], problem.code(), "{problem:?}");
        }
    }

    #[test]
    fn reasons_travel_as_codes_with_their_values() {
        let reason = Reason::NotInStock {
            status: Some(ReelStatus::Sold),
        };
        assert_eq!(
            reason.to_stored(),
            r#"{"code":"not_in_stock","status":"Sold"}"#
        );
        assert_eq!(Reason::from_stored(&reason.to_stored()), reason);
        let bad = Reason::BadRow(RowProblem {
            field: ProductField::Width,
            column: "breite".into(),
            problem: ValueProblem::NotWholeNumber {
                value: "\"wide\"".into(),
            },
        });
        assert_eq!(Reason::from_stored(&bad.to_stored()), bad);
        assert_eq!(
            bad.to_string(),
            "width (column breite) is not a whole number: \"wide\""
        );
    }

    #[test]
    fn text_logged_before_codes_reads_back_as_it_was() {
        assert_eq!(
            Reason::from_stored("not found in the warehouse file"),
            Reason::Text {
                text: "not found in the warehouse file".into()
            }
        );
        assert_eq!(
            RunError::from_stored(
                "interrupted: reelsync stopped before this run finished; its counts are what it had saved, the rest was rolled back"
            ),
            RunError::Interrupted
        );
        assert_eq!(
            RunError::from_stored("main store x: disk I/O error").to_string(),
            "main store x: disk I/O error"
        );
    }
}
