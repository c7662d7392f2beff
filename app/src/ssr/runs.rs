//! The run manager: owns the runs this server starts, from the browser or the
//! schedule, one at a time, on tokio's blocking threads. It keeps the live state
//! of its own run (the freshest progress, a cancel flag the run asks between
//! pages) and wakes the event streams whenever that run moves. A run in another
//! process (the command line, cron's `reelsync auto-sync`) is seen through its run
//! lease instead; the engine's run lock keeps the two from overlapping.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::Utc;
use engine::{Engine, LiveRun, Progress, RunItem, RunObserver, RunReport, RunRequest};
use tokio::sync::{oneshot, watch};

use crate::error::AppError;
use crate::ssr::GridCatalogue;

/// The server's runs. Cheap to clone: every clone shares the one slot.
#[derive(Clone)]
pub struct RunManager {
    engine: Engine,
    /// The import grid's catalogue, let go whenever a run starts: the run
    /// outdates it, and its memory serves the run.
    grid: GridCatalogue,
    shared: Arc<Shared>,
}

struct Shared {
    /// The run this server has going, if any.
    current: Mutex<Option<Current>>,
    /// Bumped whenever the current run moves (progress, items, end).
    beat: watch::Sender<u64>,
}

struct Current {
    live: LiveRun,
    cancel: Arc<AtomicBool>,
}

/// Told when a run has been logged (its id) or has failed before it could be.
type Started = oneshot::Sender<Result<i64, AppError>>;

impl RunManager {
    pub fn new(engine: Engine) -> Self {
        Self {
            grid: GridCatalogue::new(engine.clone()),
            engine,
            shared: Arc::new(Shared {
                current: Mutex::new(None),
                beat: watch::channel(0).0,
            }),
        }
    }

    /// The engine the runs go through.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The import grid's catalogue, which the runs outdate.
    pub fn grid(&self) -> &GridCatalogue {
        &self.grid
    }

    /// Starts `request` on a blocking thread and answers with its run id once the
    /// run is logged. Refused with [`AppError::RunInProgress`] while another run
    /// goes, here or in another process.
    pub async fn start(&self, request: RunRequest) -> Result<i64, AppError> {
        let cancel = self.claim(&request)?;
        let (started, run_id) = oneshot::channel();
        let manager = self.clone();
        tokio::task::spawn_blocking(move || manager.run(request, cancel, Some(started)));
        run_id.await.unwrap_or_else(|_| {
            tracing::error!("a run's thread ended without a word");
            Err(AppError::Internal)
        })
    }

    /// One look at the schedule, on the calling (blocking) thread: runs the
    /// automatic sync if it is due and no run is going.
    pub fn tick_schedule(&self) -> engine::Result<Option<RunReport>> {
        let request = RunRequest {
            scope: engine::RunScope::Full,
            trigger: engine::Trigger::Schedule,
            who: "scheduler".into(),
            dry_run: false,
            client: None,
        };
        let Ok(cancel) = self.claim(&request) else {
            return Ok(None);
        };
        let mut observer = Observer {
            manager: self,
            cancel,
            started: None,
        };
        let outcome = self.engine.auto_sync(false, &request.who, &mut observer);
        match &outcome {
            Ok(Some(_)) => self.finish(),
            _ => self.release(),
        }
        outcome
    }

    /// Asks the run `run_id` to stop at its next page boundary, wherever it runs.
    pub fn cancel(&self, run_id: i64) -> engine::Result<LiveRun> {
        {
            let mut current = self.lock();
            if let Some(run) = current.as_mut().filter(|c| c.live.run_id == Some(run_id)) {
                run.cancel.store(true, Ordering::Relaxed);
                run.live.cancel_requested = true;
                let live = run.live.clone();
                drop(current);
                self.beat();
                return Ok(live);
            }
        }
        self.engine.request_cancel(run_id)
    }

    /// The run going on now, from any process, with its latest progress. Reads the
    /// run lease (a small file) unless the run is this server's own.
    pub fn live(&self) -> engine::Result<Option<LiveRun>> {
        let own = self
            .lock()
            .as_ref()
            .map(|c| c.live.clone())
            .filter(|live| live.run_id.is_some());
        match own {
            Some(live) => Ok(Some(live)),
            None => self.engine.running(),
        }
    }

    /// Woken whenever this server's run moves; a run in another process has to be
    /// looked at now and then instead.
    pub fn beats(&self) -> watch::Receiver<u64> {
        self.shared.beat.subscribe()
    }

    /// Takes the one slot for `request`, or says who has it.
    fn claim(&self, request: &RunRequest) -> Result<Arc<AtomicBool>, AppError> {
        let mut current = self.lock();
        if let Some(run) = current.as_ref() {
            return Err(AppError::RunInProgress {
                run_id: run.live.run_id,
                who: run.live.who.clone(),
            });
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *current = Some(Current {
            live: LiveRun {
                run_id: None,
                kind: request.kind(),
                who: request.who.clone(),
                started_at: Utc::now(),
                pid: std::process::id(),
                progress: None,
                cancel_requested: false,
            },
            cancel: cancel.clone(),
        });
        Ok(cancel)
    }

    fn run(&self, request: RunRequest, cancel: Arc<AtomicBool>, started: Option<Started>) {
        let mut observer = Observer {
            manager: self,
            cancel,
            started,
        };
        let outcome = self.engine.sync(&request, &mut observer);
        let started = observer.started.take();
        self.finish();
        match (outcome, started) {
            // Failed before it was logged: the one waiting is told why.
            (Err(err), Some(started)) => {
                let _ = started.send(Err(AppError::from(err)));
            }
            (Err(err), None) => tracing::warn!("run failed: {err}"),
            (Ok(report), _) => tracing::info!(
                run = report.run_id,
                outcome = report.outcome.as_str(),
                who = request.who,
                "run ended"
            ),
        }
    }

    /// Frees the slot after a run, hands the run's memory back and builds the
    /// grid's catalogue again, ready for its next visit as at the server's start.
    fn finish(&self) {
        self.release();
        engine::memory::give_back_freed();
        self.grid.prepare();
    }

    fn release(&self) {
        *self.lock() = None;
        self.beat();
    }

    fn beat(&self) {
        self.shared.beat.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn lock(&self) -> MutexGuard<'_, Option<Current>> {
        // A panic elsewhere while holding it leaves plain data behind: go on.
        self.shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut LiveRun)) {
        if let Some(run) = self.lock().as_mut() {
            change(&mut run.live);
        }
        self.beat();
    }
}

/// What the engine tells of the manager's run, kept for the streams.
struct Observer<'m> {
    manager: &'m RunManager,
    cancel: Arc<AtomicBool>,
    started: Option<Started>,
}

impl RunObserver for Observer<'_> {
    fn started(&mut self, run_id: i64) {
        self.manager.grid.forget();
        self.manager.update(|live| live.run_id = Some(run_id));
        if let Some(started) = self.started.take() {
            let _ = started.send(Ok(run_id));
        }
    }

    fn progress(&mut self, progress: &Progress) {
        self.manager.update(|live| live.progress = Some(*progress));
    }

    fn item(&mut self, _item: &RunItem) {
        // Items are in the store when told; the streams read them from there.
        self.manager.beat();
    }

    fn should_stop(&mut self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use engine::demo::{DemoOptions, create_demo_db};
    use engine::{Config, Outcome, RunScope, Trigger};

    use super::*;

    fn manager(reels: u32) -> (tempfile::TempDir, RunManager) {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = dir.path().join("ism.sqlite3");
        create_demo_db(&warehouse, &DemoOptions { reels, seed: 3 }).unwrap();
        let config = Config::new(dir.path().join("data")).with_external(&warehouse);
        (dir, RunManager::new(Engine::open(config).unwrap()))
    }

    fn full_sync() -> RunRequest {
        RunRequest {
            scope: RunScope::Full,
            trigger: Trigger::Manual,
            who: "admin".into(),
            dry_run: false,
            client: None,
        }
    }

    async fn until_idle(runs: &RunManager) {
        let mut beats = runs.beats();
        while runs.lock().is_some() {
            let _ =
                tokio::time::timeout(std::time::Duration::from_millis(50), beats.changed()).await;
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn one_run_at_a_time_then_the_next() {
        let (_dir, runs) = manager(20_000);
        let first = runs.start(full_sync()).await.unwrap();
        let second = runs.start(full_sync()).await;
        // Unless the first already ended, the second is refused with its id.
        if runs.lock().is_some() {
            assert!(
                matches!(second, Err(AppError::RunInProgress { run_id: Some(id), .. }) if id == first),
                "{second:?}"
            );
        }
        until_idle(&runs).await;
        let next = runs.start(full_sync()).await.unwrap();
        assert!(next > first);
        until_idle(&runs).await;
        let logged = runs.engine.run_summary(next).unwrap();
        assert_ne!(logged.outcome, Outcome::Running);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_run_lets_go_of_the_grids_catalogue_as_it_starts_and_builds_the_next_after() {
        let (_dir, runs) = manager(200);
        let catalogue = runs.grid().current().unwrap();
        assert_eq!(Arc::strong_count(&catalogue), 2, "held by the grid too");
        runs.start(full_sync()).await.unwrap();
        assert_eq!(Arc::strong_count(&catalogue), 1, "the grid let it go");
        until_idle(&runs).await;
        // And builds the next one once the run has ended.
        let mut waited = 0;
        while runs.grid().known_importable().is_none() {
            assert!(waited < 200, "no catalogue after the run");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_cancelled_run_ends_cancelled() {
        let (_dir, runs) = manager(60_000);
        let mut request = full_sync();
        request.scope = RunScope::Import(engine::Selection::All);
        let id = runs.start(request).await.unwrap();
        let asked = runs.cancel(id).unwrap();
        assert!(asked.cancel_requested);
        until_idle(&runs).await;
        let logged = runs.engine.run_summary(id).unwrap();
        assert_eq!(logged.outcome, Outcome::Cancelled);
        assert!(logged.counts.imported < 60_000, "stopped early");
    }
}
