//! Why the engine refused a request, as a code with its values: the web app words
//! it in the user's language and the command line in English, both from the app's
//! catalogue, so no sentence crosses the wire and the two can't drift apart.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Outcome, ProductField, ReelStatus};

/// A request the engine refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The run to cancel has ended, with `ended`.
    RunNotRunning { run_id: i64, ended: Outcome },
    /// The run to cancel is logged as running, but its process stopped before it
    /// finished (the next run logs it as interrupted).
    RunOrphaned { run_id: i64 },
    /// A time zone that is not an IANA name (nor `host`).
    UnknownTimeZone { name: String },
    /// A user name empty or longer than `max` bytes.
    UserNameLength { max: usize },
    /// A user name holding a character that is not shown as itself (a control,
    /// bidirectional or invisible one), as its code point.
    UserNameHidden { code_point: u32 },
    /// A password shorter than `min` characters.
    PasswordTooShort { min: usize },
    /// The user name is taken.
    UserExists { username: String },
    /// No user has this name.
    UnknownUser { username: String },
    /// Nobody may disable or demote their own account (another super admin can).
    OwnAccount,
    /// The change would leave no active super admin to run reelsync.
    LastSuperAdmin { username: String },
    /// The current password given with a change of password is not the user's.
    WrongPassword,
    /// A new password must differ from the one it replaces.
    PasswordUnchanged,
    /// A transform the mappings don't know.
    UnknownTransform { spec: String },
    /// A value map's entry that is not `FROM:TO`.
    ValueMapEntry { entry: String },
    /// A mapping's `otherwise` value that its field can't hold.
    OtherwiseNotValid { field: ProductField, value: String },
    /// A date format that is not a strftime format with a year, a month and a
    /// day (`%d/%m/%Y`), or longer than `max` bytes.
    BadDateFormat { format: String, max: usize },
    /// Separators of a decimal transform that can't be told from each other or
    /// from the digits.
    BadSeparators { decimal: String, thousands: String },
    /// A pattern that does not compile, longer than `max` bytes, or whose
    /// compiled size passes reelsync's limit; `why` is the pattern engine's word.
    BadPattern {
        pattern: String,
        why: String,
        max: usize,
    },
    /// The sync keys on `field`, which has no active mapping.
    FieldNotMapped { field: ProductField },
    /// `field` is fed by more than one mapping.
    FieldMappedTwice { field: ProductField },
    /// Mapped columns the warehouse's Products table does not have.
    NoSuchColumns { columns: Vec<String> },
    /// A product field name that is not one.
    UnknownField { name: String },
    /// The automatic sync's interval, in minutes, out of `min`–`max`.
    IntervalOutOfRange { minutes: u32, min: u32, max: u32 },
    /// The number of snapshots to keep, out of `min`–`max`.
    RetentionOutOfRange { keep: u32, min: u32, max: u32 },
    /// Days to keep the activity log for, outside `min`–`max`.
    ActivityRetentionOutOfRange { days: u32, min: u32, max: u32 },
    /// An automatic import policy that is not `off` or `all`.
    UnknownAutoImport { value: String },
    /// A status change named no reels.
    NoReels,
    /// The office asked a Delivered reel to go back to `to`.
    DeliveredStaysDelivered { to: ReelStatus },
    /// A demo warehouse of a number of reels out of 1–`max`.
    DemoReels { reels: u32, max: u32 },
    /// The file to create exists already.
    FileExists { file: String },
    /// The run to undo is still going.
    UndoRunning { run_id: i64 },
    /// The run to undo is an undo itself: what it took back stays taken back.
    UndoOfUndo { run_id: i64 },
}

impl fmt::Display for Refusal {
    /// The code and its values, for logs: people are told it in words by the
    /// app's catalogue (`app::refusals`), the command line included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {self:?}")
    }
}

impl std::error::Error for Refusal {}
