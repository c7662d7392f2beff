//! reelsync's domain, free of web types.
//!
//! The [`Engine`] is the one entry point: the web server and the command line call
//! it and nothing else. It keeps reelsync's own SQLite store (the *main store*) in a
//! data directory and is a careful guest in the warehouse app's SQLite file (the
//! *warehouse*): it reads that file read-only in short keyset pages and writes only
//! `status` and `last_date` (of a reel's `Products` row and its forklift copy), by
//! compare-and-set, in small `BEGIN IMMEDIATE` batches. A reel is its reel number:
//! every run finds each tracked reel by it (see [`plan`]).
//!
//! A run flows one way: read a warehouse page → map → plan (a pure function, see
//! [`plan`]) → apply (main store in one transaction, warehouse by compare-and-set) →
//! log. Dry runs stop after planning. A run tells how it goes to a [`RunObserver`]
//! and, through its run lease, to other processes ([`Engine::running`]); it can be
//! stopped at a page boundary ([`Engine::request_cancel`]).

mod activity;
mod admin;
mod catalogue;
mod clock;
mod conflicts;
pub mod demo;
mod draft;
mod drift;
mod error;
mod forklift;
mod identity;
mod live;
mod lock;
pub mod mapping;
mod matching;
pub mod memory;
mod modes;
mod overview;
pub mod plan;
mod pool;
mod reel;
mod scan;
mod selection;
mod snapshot;
mod store;
mod sync;
pub mod tls;
mod undo;
mod users;
pub mod warehouse;

pub use activity::ACTIVITY_PAGE;
pub use admin::MappingUpdate;
pub use catalogue::{Catalogue, Changes};
pub use clock::WarehouseZone;
pub use draft::TRIED_ROWS;
pub use error::{Error, Result, RunningRun, WarehouseError};
pub use live::RunObserver;
pub use mapping::{FieldMapping, Transform};
// The shared vocabulary, under the same paths as when it lived here.
pub use model::{
    Action, ActivityEntry, ActivityFilter, ActivityOutcome, ActivityPage, Actor, AutoImport,
    Change, CheckReport, Client, Conflict, ConflictList, CopyRecord, Counts,
    DEFAULT_INTERVAL_MINUTES, Dashboard, DraftPreview, DraftRefusal, DraftTrial, Drift, DriftKind,
    DriftReport, Facet, GridColumn, GridFilter, GridKey, GridList, GridPage, GridQuery, GridRow,
    GridSelection, GridSort, ItemFilter, Keep, LiveRun, LoggedItem, MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES, MappingDraft, NewUser, OfficeRecord, OpenSession, Outcome, Phase,
    ProblemCount, ProductField, Progress, Reason, ReelChange, ReelEvent, ReelPage, ReelStatus,
    Refusal, RefusedReel, Resolution, Resolve, Resolved, RowProblem, RunDetail, RunError,
    RunFilter, RunItem, RunKind, RunReport, RunRequest, RunScope, RunSummary, Sample, SampleCell,
    Selection, SelectionChange, SettingsUpdate, Shown, SignIn, StatusChange, StatusCounts,
    SyncSettings, Trigger, UnknownStatus, User, UserAccount, ValueProblem, WarehouseColumn,
    WarehouseProblem, WarehouseRecord, report, settings, status, validate_interval,
};
pub use overview::ImportableReel;
pub use snapshot::Snapshot;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a warehouse statement waits for the warehouse app's lock by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an unused session lasts by default: an hour away from the phone.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(60 * 60);

/// Where the engine keeps its files and which warehouse file it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Holds the main store, the run lock and warehouse snapshots.
    pub data_dir: PathBuf,
    /// The warehouse file; when `None`, the path saved in the settings.
    pub external: Option<PathBuf>,
    /// How long to wait for the warehouse app's lock before giving up.
    pub busy_timeout: Duration,
    /// A session unused this long ends (the 12-hour limit holds regardless).
    pub session_idle: Duration,
}

impl Config {
    /// A configuration with the default busy timeout and the stored warehouse path.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            external: None,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            session_idle: DEFAULT_SESSION_IDLE,
        }
    }

    /// Uses this warehouse file instead of the stored setting.
    pub fn with_external(mut self, path: impl Into<PathBuf>) -> Self {
        self.external = Some(path.into());
        self
    }
}

/// reelsync's engine: cheap to clone, safe to share between threads. Each call opens
/// the connections it needs and does blocking SQLite work, so async callers run it
/// on a blocking thread.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    /// The main store's connections, shared by every clone.
    pool: pool::StorePool,
}

impl Engine {
    /// Opens the data directory, creating and migrating the main store as needed.
    pub fn open(config: Config) -> Result<Self> {
        store::Store::open(&config.data_dir)?;
        Ok(Self::with_pool(config))
    }

    /// Opens the data directory for reading: an existing store is migrated as by
    /// [`Engine::open`], but a missing one is not created, and reads as a new,
    /// empty store. For dry runs and looks (`status`, `runs`, `check`); anything
    /// that writes needs [`Engine::open`].
    pub fn open_for_reading(config: Config) -> Result<Self> {
        if config.data_dir.join(store::STORE_FILE).exists() {
            Self::open(config)
        } else {
            Ok(Self::with_pool(config))
        }
    }

    /// The configuration the engine was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    fn with_pool(config: Config) -> Self {
        let pool = pool::StorePool::new(&config.data_dir);
        Self { config, pool }
    }

    /// A read-write connection to the main store, from the pool.
    pub(crate) fn store(&self) -> Result<pool::Pooled> {
        self.pool.get()
    }

    /// A connection for reading the main store: from the pool; for a data
    /// directory without a store (a dry run's), a new, empty one in memory, so
    /// reading creates nothing on disk.
    pub(crate) fn read_store(&self) -> Result<pool::Pooled> {
        if self.config.data_dir.join(store::STORE_FILE).exists() {
            self.pool.get()
        } else {
            store::Store::open_read_only(&self.config.data_dir).map(pool::Pooled::own)
        }
    }
}
