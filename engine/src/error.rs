//! Errors, typed by what the caller can do about them.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::report::RunKind;
use crate::{Refusal, RunError, WarehouseProblem};

/// Why the warehouse file cannot be used. Every variant means "fix the file or the
/// setting, then try again"; none of them has changed anything.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error(
        "no warehouse database is configured: pass --external PATH or save one in the settings"
    )]
    NotConfigured,
    #[error("warehouse database {path} does not exist")]
    Missing { path: PathBuf },
    #[error("warehouse database {path} is not a SQLite database")]
    NotSqlite { path: PathBuf },
    #[error(
        "warehouse database {path} is locked by another program (waited {waited_ms} ms); try again when the warehouse app is idle"
    )]
    Locked { path: PathBuf, waited_ms: u64 },
    #[error("warehouse database {path} has no {table} table")]
    NoTable { path: PathBuf, table: String },
    #[error("warehouse table {table} lacks column(s) {}", columns.join(", "))]
    MissingColumns { table: String, columns: Vec<String> },
    #[error("warehouse database {path} cannot be opened: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "cannot write a snapshot of the warehouse database to {path}: {source}; nothing was written to the warehouse"
    )]
    Snapshot {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The file at the warehouse path is not the warehouse reelsync has been
    /// syncing (or a mapped column of it is gone or retyped): runs are held until
    /// an admin accepts it.
    #[error("{problem}")]
    NotTheSame { problem: WarehouseProblem },
    /// Another file took the warehouse path's place while a run read it: what
    /// the run planned was checked against the file it read, so nothing is
    /// written to the new one; the next run reads it from the start.
    #[error(
        "warehouse database {path} was replaced by another file while the run read it; nothing was written to it, and the next run reads the new file"
    )]
    Replaced { path: PathBuf },
    #[error("warehouse database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

impl WarehouseError {
    /// What is wrong, as data, naming the file but not where it is.
    pub fn problem(&self) -> WarehouseProblem {
        match self {
            Self::NotConfigured => WarehouseProblem::NotConfigured,
            Self::Missing { path } => WarehouseProblem::Missing { file: file(path) },
            Self::NotSqlite { path } => WarehouseProblem::NotSqlite { file: file(path) },
            Self::Locked { path, waited_ms } => WarehouseProblem::Locked {
                file: file(path),
                waited_ms: *waited_ms,
            },
            Self::NoTable { path, table } => WarehouseProblem::NoTable {
                file: file(path),
                table: table.clone(),
            },
            Self::MissingColumns { table, columns } => WarehouseProblem::MissingColumns {
                table: table.clone(),
                columns: columns.clone(),
            },
            Self::NotTheSame { problem } => problem.clone(),
            Self::Replaced { path } => WarehouseProblem::Replaced { file: file(path) },
            Self::Open { path, .. } | Self::Snapshot { path, .. } | Self::Sqlite { path, .. } => {
                WarehouseProblem::Unreadable { file: file(path) }
            }
        }
    }
}

/// A file's name, as problems name it (where it is stays out of what the web
/// shows).
pub(crate) fn file(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Everything the engine can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    #[error("another run is in progress: run {} ({}) started {} by {}", .0.run_id.map_or("?".to_owned(), |id| id.to_string()), .0.kind.as_str(), .0.started_at.format("%Y-%m-%d %H:%M:%S UTC"), .0.who)]
    RunInProgress(RunningRun),
    /// The disk holding the main store has no room left; the statement or commit
    /// that needed it was rolled back.
    #[error(
        "the disk holding the main store {path} is full: what this run had not yet saved was rolled back; free some space, then run again"
    )]
    StoreFull {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("main store {path}: {source}")]
    Store {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("main store {path} could not be migrated: {source}")]
    Migration {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The request itself is wrong (bad value, unknown field, a run that is not
    /// going, …), said as a code with its values; nothing changed.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The main store was written by another version of reelsync.
    #[error(
        "the main store {path} is at schema version {found}, not {latest}: run `reelsync settings` once with this version to upgrade it"
    )]
    StoreSchema {
        path: PathBuf,
        found: String,
        latest: usize,
    },
    /// Something that should not fail did (encoding, the system's randomness or
    /// hasher): a bug or the system's, never the request's.
    #[error("{0}")]
    Internal(String),
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
}

impl Error {
    /// Why a run that stopped on this error failed, as the run log keeps it.
    pub fn run_error(&self) -> RunError {
        match self {
            Self::Warehouse(e) => RunError::Warehouse {
                problem: e.problem(),
            },
            Self::StoreFull { .. } => RunError::StoreFull,
            other => RunError::Other {
                text: other.to_string(),
            },
        }
    }

    /// A main-store error with the store's path, a full disk told apart.
    pub(crate) fn store(path: PathBuf, source: rusqlite::Error) -> Self {
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Self::StoreFull { path, source },
            _ => Self::Store { path, source },
        }
    }
}

/// The run that holds the run lock, as it wrote itself into the lock file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunningRun {
    pub run_id: Option<i64>,
    pub kind: RunKind,
    pub who: String,
    pub started_at: DateTime<Utc>,
    pub pid: u32,
}

/// Shorthand for engine results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
