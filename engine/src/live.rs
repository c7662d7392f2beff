//! Live runs: what a run tells while it goes, and how it is seen and stopped from
//! elsewhere.
//!
//! In the process that runs it, a run reports to its [`RunObserver`]: its id once
//! it is logged, its progress after each page and at each phase change, each reel's
//! item once the page that holds it is committed, and between pages it asks whether
//! to stop. From any process, [`Engine::running`] reads the run lease (the run
//! lock's file, where the running process publishes its progress) and
//! [`Engine::request_cancel`] asks the run holding it to stop at its next page
//! boundary. See the `lock` module for the files.

use crate::Engine;
use crate::error::{Error, Result};
use crate::lock;
use crate::report::{LiveRun, Outcome, Progress, RunItem};
use crate::store;

/// Watches one run as it goes (in the process that runs it), and may stop it.
///
/// Every method has a default that does nothing, so an observer implements only
/// what it needs; `()` is the observer that watches nothing. The engine calls them
/// on the thread that runs the sync, never inside a warehouse transaction, so they
/// should be quick: a slow observer slows the run. (The `committing` progress is
/// told while the run's last main-store transaction is open, just before it
/// commits, so it carries the final counts: keep that one especially quick.)
pub trait RunObserver: Send {
    /// Called once a real run is logged, with its id, before any progress. A dry
    /// run is not logged and never calls it.
    fn started(&mut self, run_id: i64) {
        let _ = run_id;
    }

    /// Called when the run starts reading, after each warehouse page, after each
    /// batch of warehouse writes, and at each phase change. Phases come in the
    /// order of [`crate::Phase`] and `scanned` never decreases.
    fn progress(&mut self, progress: &Progress) {
        let _ = progress;
    }

    /// Called for each item the run logs (every reel acted on or rejected), in the
    /// order logged: for a real run, once the commit that stores it has succeeded,
    /// so the items seen are exactly the run's stored items; for a dry run, after
    /// the page that planned it.
    fn item(&mut self, item: &RunItem) {
        let _ = item;
    }

    /// Asked at each page boundary (before each warehouse page is read, and before
    /// each batch of warehouse writes); `true` stops the run there, as
    /// [`Outcome::Cancelled`]. A run also stops when [`Engine::request_cancel`]
    /// names it.
    fn should_stop(&mut self) -> bool {
        false
    }
}

/// Watches nothing.
impl RunObserver for () {}

impl<T: RunObserver + ?Sized> RunObserver for &mut T {
    fn started(&mut self, run_id: i64) {
        (**self).started(run_id)
    }
    fn progress(&mut self, progress: &Progress) {
        (**self).progress(progress)
    }
    fn item(&mut self, item: &RunItem) {
        (**self).item(item)
    }
    fn should_stop(&mut self) -> bool {
        (**self).should_stop()
    }
}

impl Engine {
    /// The run going on now, in this process or another one that shares the data
    /// directory, with the latest progress it published; `None` when no run holds
    /// the run lock. Only reads: a run about to start is never held up by it.
    ///
    /// Dry runs take no lock and are not seen here.
    pub fn running(&self) -> Result<Option<LiveRun>> {
        lock::live_run(self.data_dir())
    }

    /// Asks the run `run_id` to stop at its next page boundary (or between two
    /// batches of warehouse writes), wherever it runs; it then ends
    /// [`Outcome::Cancelled`], keeping what it applied so far. Returns the run as
    /// it was when asked. Asking twice is harmless.
    ///
    /// Fails with [`Error::NotFound`] for a run that was never logged and with
    /// [`Error::Refused`] for one that is not going on (it ended, or its process
    /// died); nothing is then recorded, so a later run is never stopped by it.
    pub fn request_cancel(&self, run_id: i64) -> Result<LiveRun> {
        match self.running()? {
            Some(live) if live.run_id == Some(run_id) => {
                lock::request_cancel(self.data_dir(), run_id, live.started_at)?;
                Ok(LiveRun {
                    cancel_requested: true,
                    ..live
                })
            }
            _ => Err(self.not_running(run_id)),
        }
    }

    /// Why `run_id` can't be cancelled: it does not exist, or it is over.
    fn not_running(&self, run_id: i64) -> Error {
        let logged = self
            .read_store()
            .and_then(|store| store::run(&store.conn, run_id).map_err(|e| store.err(e)));
        match logged {
            Ok(None) => Error::NotFound {
                what: "run",
                key: run_id.to_string(),
            },
            Ok(Some(run)) if run.outcome == Outcome::Running => {
                crate::Refusal::RunOrphaned { run_id }.into()
            }
            Ok(Some(run)) => crate::Refusal::RunNotRunning {
                run_id,
                ended: run.outcome,
            }
            .into(),
            Err(e) => e,
        }
    }
}
