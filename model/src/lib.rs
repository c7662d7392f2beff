//! reelsync's shared vocabulary: what a run is asked to do and reports (and why it
//! refused a reel), the product fields, the reel statuses, the sync settings and
//! the dashboard's figures.
//!
//! Plain serde types with no SQLite and no web framework, so the engine (which
//! links SQLite) and the wasm front end (which can't) speak the same types: the
//! engine re-exports them all, and the web app sends them over the wire as they
//! are.

pub mod activity;
pub mod conflict;
pub mod draft;
pub mod drift;
pub mod field;
pub mod grid;
pub mod mapping;
pub mod overview;
pub mod problem;
pub mod reason;
pub mod reel;
pub mod refusal;
pub mod report;
pub mod settings;
pub mod status;
pub mod users;

pub use activity::{ActivityEntry, ActivityFilter, ActivityOutcome, ActivityPage, Actor, Client};
pub use conflict::{Conflict, ConflictList, Keep, Resolution, Resolve, Resolved, Shown};
pub use draft::{DraftPreview, ProblemCount, Sample, SampleCell};
pub use drift::{Drift, DriftKind, DriftReport};
pub use field::{FieldType, ProductField};
pub use grid::{
    Facet, GridColumn, GridFilter, GridKey, GridList, GridPage, GridQuery, GridRow, GridSelection,
    GridSort, Selection, SelectionChange,
};
pub use mapping::{DraftRefusal, DraftTrial, MappingDraft, Step, TRANSFORMS, WarehouseColumn};
pub use overview::{CheckReport, Dashboard, StatusCounts, User};
pub use problem::{ColumnChange, WarehouseProblem};
pub use reason::{Reason, RowProblem, RunError, ValueProblem};
pub use reel::{CopyRecord, OfficeRecord, ReelChange, ReelEvent, ReelPage, WarehouseRecord};
pub use refusal::Refusal;
pub use report::{
    Action, Change, Counts, ItemFilter, LiveRun, LoggedItem, Outcome, Phase, Progress, RunDetail,
    RunFilter, RunItem, RunKind, RunReport, RunRequest, RunScope, RunSummary, Trigger,
};
pub use settings::{
    AutoImport, DEFAULT_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES,
    SettingsUpdate, SyncSettings, validate_interval,
};
pub use status::{ReelStatus, RefusedReel, StatusChange, UnknownStatus};
pub use users::{NewUser, OpenSession, SignIn, UserAccount};
