//! What a run is asked to do and what it reports back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::conflict::Resolve;
use crate::grid::Selection;
use crate::reason::{Reason, RunError};

/// Which part of a sync to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "reels")]
pub enum RunScope {
    /// Status merge both ways and refresh, plus the auto-import policy.
    Full,
    /// Import the selected importable reels; nothing else.
    Import(Selection),
    /// Write office statuses to the warehouse; nothing else.
    Export,
    /// Settle conflicts by keeping one side, for the reels named; nothing else.
    Resolve(Resolve),
    /// Take back what the run with this id decided (its imports, its exports,
    /// its resolutions), where nothing changed the reel since.
    Undo(i64),
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A person, from the web or the command line.
    Manual,
    /// The schedule (the server's scheduler or `reelsync auto-sync`).
    Schedule,
}

/// A request for one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    /// What to do.
    pub scope: RunScope,
    /// Who or what asked.
    pub trigger: Trigger,
    /// The user name recorded with the run (`cli:<login>` from the command line).
    pub who: String,
    /// Plan only: read-only connections, nothing written anywhere, nothing logged.
    pub dry_run: bool,
    /// Where a request over the web came from, for the activity log.
    #[serde(default)]
    pub client: Option<crate::Client>,
}

impl RunRequest {
    /// A request a person made (from the web or the command line) as `who`.
    pub fn manual(scope: RunScope, who: String, dry_run: bool) -> Self {
        Self {
            scope,
            trigger: Trigger::Manual,
            who,
            dry_run,
            client: None,
        }
    }

    /// The same request, made over the web from `client`.
    pub fn from_client(self, client: crate::Client) -> Self {
        Self {
            client: Some(client),
            ..self
        }
    }

    /// Who asked, and from where, as the activity log records them.
    pub fn actor(&self) -> crate::Actor {
        crate::Actor {
            who: self.who.clone(),
            client: self.client.clone(),
        }
    }

    /// The kind the run is logged as.
    pub fn kind(&self) -> RunKind {
        match (&self.scope, self.trigger) {
            _ if self.dry_run => RunKind::DryRun,
            (RunScope::Import(_), _) => RunKind::Import,
            (RunScope::Export, _) => RunKind::Export,
            (RunScope::Resolve(_), _) => RunKind::Resolve,
            (RunScope::Undo(_), _) => RunKind::Undo,
            (RunScope::Full, Trigger::Schedule) => RunKind::Auto,
            (RunScope::Full, Trigger::Manual) => RunKind::Manual,
        }
    }
}

/// How a run is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    Manual,
    Auto,
    Import,
    Export,
    /// Conflicts settled by keeping one side.
    Resolve,
    /// A run taken back.
    Undo,
    DryRun,
}

impl RunKind {
    /// The spelling stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Auto => "auto",
            Self::Import => "import",
            Self::Export => "export",
            Self::Resolve => "resolve",
            Self::Undo => "undo",
            Self::DryRun => "dry-run",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Manual,
            Self::Auto,
            Self::Import,
            Self::Export,
            Self::Resolve,
            Self::Undo,
            Self::DryRun,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Still going (only ever seen in the history while a run is live).
    Running,
    /// Everything planned was done.
    Succeeded,
    /// Done, but some reels were rejected or in conflict.
    Partial,
    /// Stopped by an error, which `error` gives. A run saves its work page by
    /// page and batch by batch, so a failed run keeps (and counts) what it saved
    /// before the error; the next run goes on with the rest.
    Failed,
    /// Stopped on request at a page boundary (or between two batches of warehouse
    /// writes). What it applied before is committed and logged, with its counts;
    /// the rest is untouched, and the next run goes on with it.
    Cancelled,
}

impl Outcome {
    /// The spelling stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Running,
            Self::Succeeded,
            Self::Partial,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Exact counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// External `In-stock` reels not yet tracked, as found when the run started.
    pub importable: u64,
    /// Reels imported into the main store.
    pub imported: u64,
    /// Tracked reels whose mapped fields were refreshed from the warehouse.
    pub updated: u64,
    /// Office statuses written to the warehouse.
    pub exported: u64,
    /// Warehouse statuses taken into the main store.
    pub status_in: u64,
    /// Reels whose statuses moved apart on both sides; nothing written for them.
    pub conflicts: u64,
    /// Reels refused, each with its reason.
    pub rejected: u64,
    /// Tracked reels with nothing to do.
    pub unchanged: u64,
    /// Tracked reels the warehouse file lacks (by reel number).
    #[serde(default)]
    pub missing: u64,
    /// reelsync's own writes the warehouse file had lost (a restored or older
    /// copy), written again.
    #[serde(default)]
    pub rewritten: u64,
}

/// What a run did (or, in a dry run, would do) to one reel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Imported into the main store.
    Import,
    /// Mapped fields refreshed from the warehouse.
    Update,
    /// Office status written to the warehouse.
    Export,
    /// Warehouse status taken into the main store.
    StatusIn,
    /// Both sides moved to the same status; only the base was recorded.
    Agree,
    /// Both sides moved apart; recorded, nothing written.
    Conflict,
    /// Refused (bad row, not importable, …); `reason` says why.
    Reject,
    /// The warehouse changed between plan and write; left for the next run.
    Skip,
    /// The tracked reel is no longer in the warehouse file.
    Missing,
    /// A write of reelsync's that the warehouse file lost, written again.
    Rewritten,
    /// The tracked reel is found on another warehouse row than before (entered
    /// again, or its label corrected); `reason` says which.
    Relink,
    /// What a run decided for the reel was put back (an undo): its warehouse
    /// row's before-image written back, its office status and base restored.
    Undo,
    /// The reel a run imported is no longer tracked (an undo): importable again.
    Untrack,
}

impl Action {
    /// The spelling stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Import => "import",
            Self::Update => "update",
            Self::Export => "export",
            Self::StatusIn => "status_in",
            Self::Agree => "agree",
            Self::Conflict => "conflict",
            Self::Reject => "reject",
            Self::Skip => "skip",
            Self::Missing => "missing",
            Self::Rewritten => "rewritten",
            Self::Relink => "relink",
            Self::Undo => "undo",
            Self::Untrack => "untrack",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Import,
            Self::Update,
            Self::Export,
            Self::StatusIn,
            Self::Agree,
            Self::Conflict,
            Self::Reject,
            Self::Skip,
            Self::Missing,
            Self::Rewritten,
            Self::Relink,
            Self::Undo,
            Self::Untrack,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// One field's change: `old` → `new` (`None` is SQL NULL or absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One reel acted on or rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunItem {
    pub reel_number: String,
    pub action: Action,
    pub reason: Option<Reason>,
    pub changes: Vec<Change>,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The logged run; `None` for a dry run, which logs nothing.
    pub run_id: Option<i64>,
    pub kind: RunKind,
    pub dry_run: bool,
    pub outcome: Outcome,
    pub counts: Counts,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// Why the run failed, when it did.
    pub error: Option<RunError>,
    /// Always `None` now: a run records the before-image of each cell it writes
    /// instead of copying the whole warehouse file (see `reelsync snapshot` for a
    /// copy on request). Kept so the report's shape stays the same for scripts.
    pub snapshot: Option<String>,
    /// Every reel acted on or rejected. Filled for dry runs (the plan); a real run
    /// logs its items in the store instead (see the engine's `run_detail`).
    pub items: Vec<RunItem>,
}

/// The stage a run is in, in the order a run goes through them. A run may skip
/// some: one with nothing to write to the warehouse goes from `Reading` straight
/// to `Committing`, and a dry run only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading the warehouse page by page; each page is planned and applied to the
    /// main store (imports, refreshes, statuses taken in) and committed.
    Reading,
    /// Recording, in one commit synced to disk, the before-image of every
    /// warehouse cell the run is about to write (and what it will write there).
    Snapshot,
    /// Writing office statuses to the warehouse, batch by batch, each batch
    /// recorded in the main store as soon as the warehouse took it.
    WritingWarehouse,
    /// Recording how the run ended (in its last commit).
    Committing,
}

impl Phase {
    /// The spelling sent and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reading => "reading",
            Self::Snapshot => "snapshot",
            Self::WritingWarehouse => "writing_warehouse",
            Self::Committing => "committing",
        }
    }
}

/// Where a run is, for progress bars and the live log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The stage the run is in.
    pub phase: Phase,
    /// Warehouse rows read so far; it never decreases.
    pub scanned: u64,
    /// Warehouse rows in the file when the run started (those its scope reads).
    pub total: u64,
    /// Warehouse writes the run is to make, known from the `snapshot` phase on
    /// (0 before): `counts.exported` of them are written so far.
    pub planned_writes: u64,
    /// Counters so far.
    pub counts: Counts,
    /// When the run published this (right after the commit it tells of): a
    /// viewer can tell how fresh it is.
    pub at: DateTime<Utc>,
}

/// A run that holds the run lock right now, in this process or another one (the
/// command line, cron's `reelsync auto-sync`), as its run lease tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRun {
    /// The logged run; `None` for the moment between taking the lock and logging
    /// the run.
    pub run_id: Option<i64>,
    pub kind: RunKind,
    pub who: String,
    pub started_at: DateTime<Utc>,
    /// The process the run goes on in.
    pub pid: u32,
    /// The latest progress the run published (a few times a second at most);
    /// `None` until its first.
    pub progress: Option<Progress>,
    /// Whether someone has asked the run to stop (it stops at its next page
    /// boundary).
    pub cancel_requested: bool,
}

/// A logged run, without its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    pub kind: RunKind,
    pub trigger: Trigger,
    pub who: String,
    pub started_at: DateTime<Utc>,
    pub duration_ms: Option<u64>,
    pub outcome: Outcome,
    pub counts: Counts,
    pub error: Option<RunError>,
}

/// A logged run with its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RunSummary,
    pub items: Vec<RunItem>,
}

/// One item of a run's log with its place in it (`seq`, from 1, in the order
/// the run logged its items): the key the run page pages by and the event stream
/// resumes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedItem {
    pub seq: u64,
    #[serde(flatten)]
    pub item: RunItem,
}

impl LoggedItem {
    /// A dry run's items, numbered from 1 in their order, as a run logs them.
    pub fn numbered(items: Vec<RunItem>) -> Vec<Self> {
        items
            .into_iter()
            .zip(1..)
            .map(|(item, seq)| Self { seq, item })
            .collect()
    }
}

/// Which of a run's items to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFilter {
    /// Only items with this action.
    pub action: Option<Action>,
    /// Only reels whose number contains this text.
    pub reel: Option<String>,
}

/// Which runs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFilter {
    pub kind: Option<RunKind>,
    pub outcome: Option<Outcome>,
    pub trigger: Option<Trigger>,
    /// Only runs that logged an item for this reel number.
    pub reel: Option<String>,
}

impl Trigger {
    /// The spelling stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Schedule => "schedule",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Manual, Self::Schedule]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_back_as_they_are_spelled() {
        for outcome in [
            Outcome::Running,
            Outcome::Succeeded,
            Outcome::Partial,
            Outcome::Failed,
            Outcome::Cancelled,
        ] {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
        assert_eq!(Outcome::parse("canceled"), None);
    }

    #[test]
    fn phases_are_snake_case_and_in_run_order() {
        let phases = [
            Phase::Reading,
            Phase::Snapshot,
            Phase::WritingWarehouse,
            Phase::Committing,
        ];
        for phase in phases {
            let json = serde_json::to_string(&phase).unwrap();
            assert_eq!(json, format!("\"{}\"", phase.as_str()));
        }
        assert_eq!(phases[2].as_str(), "writing_warehouse");
        assert!(phases.windows(2).all(|w| w[0] < w[1]));
    }
}
