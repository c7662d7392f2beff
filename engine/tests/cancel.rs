//! DESIGN.md "Cancel" and "Live runs": a run asked to stop ends at the next page
//! boundary with what it applied so far committed and logged, the rest untouched,
//! as `cancelled`; the next run carries on. What a run tells its observer (phases in
//! order, items as stored), and what another engine on the same data directory
//! sees of it and can ask of it through the run lease.

mod common;

use std::time::{Duration, Instant};

use common::{Fixture, request};
use engine::{
    Action, Engine, Error, LiveRun, Outcome, Phase, Progress, ReelStatus, RunItem, RunObserver,
    RunScope, Selection,
};

/// Everything a run told its observer, and a rule for when to stop it.
struct Recorder<F> {
    started: Vec<i64>,
    progress: Vec<Progress>,
    items: Vec<RunItem>,
    stop_when: F,
}

impl<F: FnMut(&[Progress]) -> bool + Send> Recorder<F> {
    fn new(stop_when: F) -> Self {
        Self {
            started: Vec::new(),
            progress: Vec::new(),
            items: Vec::new(),
            stop_when,
        }
    }

    /// The warehouse pages the run has told of.
    fn pages(&self) -> usize {
        self.progress
            .iter()
            .filter(|p| p.phase == Phase::Reading && p.scanned > 0)
            .count()
    }

    /// Phases never go back and `scanned` never decreases.
    fn assert_in_order(&self) {
        assert!(!self.progress.is_empty());
        for pair in self.progress.windows(2) {
            assert!(pair[0].phase <= pair[1].phase, "{pair:?}");
            assert!(pair[0].scanned <= pair[1].scanned, "{pair:?}");
        }
    }

    fn phases(&self) -> Vec<Phase> {
        let mut phases: Vec<Phase> = self.progress.iter().map(|p| p.phase).collect();
        phases.dedup();
        phases
    }
}

impl<F: FnMut(&[Progress]) -> bool + Send> RunObserver for Recorder<F> {
    fn started(&mut self, run_id: i64) {
        self.started.push(run_id);
    }
    fn progress(&mut self, progress: &Progress) {
        self.progress.push(*progress);
    }
    fn item(&mut self, item: &RunItem) {
        self.items.push(item.clone());
    }
    fn should_stop(&mut self) -> bool {
        (self.stop_when)(&self.progress)
    }
}

/// Stops a run once it has read `pages` warehouse pages.
fn after_pages(pages: usize) -> impl FnMut(&[Progress]) -> bool + Send {
    move |seen| {
        seen.iter()
            .filter(|p| p.phase == Phase::Reading && p.scanned > 0)
            .count()
            >= pages
    }
}

fn never() -> impl FnMut(&[Progress]) -> bool + Send {
    |_| false
}

fn count(f: &Fixture, sql: &str) -> u64 {
    f.store()
        .query_row(sql, [], |r| r.get::<_, i64>(0))
        .unwrap() as u64
}

fn import_all() -> RunScope {
    RunScope::Import(Selection::All)
}

#[test]
fn a_run_stopped_after_its_first_page_keeps_that_page_and_the_next_run_does_the_rest() {
    let f = Fixture::new();
    // Three pages of 2,000.
    let reels = f.add_many("R", 5_000, "In-stock");

    let mut first = Recorder::new(after_pages(1));
    let report = f.sync_observed(import_all(), false, &mut first).unwrap();
    assert_eq!(report.outcome, Outcome::Cancelled);
    assert_eq!(report.counts.imported, 2_000, "{:?}", report.counts);
    let run_id = report.run_id.unwrap();
    assert_eq!(first.started, vec![run_id]);
    assert_eq!(first.pages(), 1, "stopped at the first page boundary");
    first.assert_in_order();
    assert_eq!(first.phases(), vec![Phase::Reading, Phase::Committing]);

    // Committed and logged: the first page's reels, exactly, with their items.
    let logged = f.engine.run_detail(run_id).unwrap();
    assert_eq!(logged.run.outcome, Outcome::Cancelled);
    assert_eq!(logged.run.counts.imported, 2_000);
    assert!(logged.run.duration_ms.is_some());
    assert_eq!(logged.items.len(), 2_000);
    assert!(logged.items.iter().all(|i| i.action == Action::Import));
    assert_eq!(
        first.items, logged.items,
        "the observer saw the stored items"
    );
    assert_eq!(count(&f, "SELECT count(*) FROM products"), 2_000);
    assert_eq!(f.store_count(&reels[1_999]), 1);
    assert_eq!(f.store_count(&reels[2_000]), 0, "the rest untouched");

    let mut second = Recorder::new(never());
    let rest = f.sync_observed(import_all(), false, &mut second).unwrap();
    assert_eq!(rest.outcome, Outcome::Succeeded);
    assert_eq!(rest.counts.imported, 3_000);
    second.assert_in_order();
    assert_eq!(
        second.pages(),
        3,
        "reads every page again, imports what is not tracked"
    );
    let second_logged = f.engine.run_detail(rest.run_id.unwrap()).unwrap();
    assert_eq!(second.items, second_logged.items);
    assert_eq!(count(&f, "SELECT count(*) FROM products"), 5_000);

    let third = f.import_all();
    assert_eq!(third.outcome, Outcome::Succeeded);
    assert_eq!(third.counts.imported, 0);
    assert!(
        f.engine
            .run_detail(third.run_id.unwrap())
            .unwrap()
            .items
            .is_empty(),
        "nothing left to write"
    );
}

#[test]
fn a_run_stopped_while_reading_writes_nothing_to_the_warehouse() {
    let f = Fixture::new();
    let reels = f.add_many("S", 4_500, "In-stock");
    f.import_all();
    f.office_sets(
        &reels.iter().map(String::as_str).collect::<Vec<_>>(),
        ReelStatus::Sold,
    );
    let before = common::dump(&f.wh(), "Products");

    let mut watch = Recorder::new(after_pages(2));
    let report = f.sync_observed(RunScope::Full, false, &mut watch).unwrap();
    assert_eq!(report.outcome, Outcome::Cancelled);
    assert_eq!(report.counts.exported, 0);
    assert_eq!(report.counts.unchanged, 0);
    assert_eq!(
        common::dump(&f.wh(), "Products"),
        before,
        "warehouse untouched"
    );
    assert_eq!(count(&f, "SELECT count(*) FROM warehouse_writes"), 0);
    assert!(
        watch
            .progress
            .iter()
            .all(|p| p.phase != Phase::WritingWarehouse)
    );

    let rest = f.full();
    assert_eq!(rest.outcome, Outcome::Succeeded);
    assert_eq!(rest.counts.exported, 4_500);
    assert_eq!(f.wh_value(&reels[0], "status").as_deref(), Some("Sold"));
}

#[test]
fn a_cancel_while_writing_the_warehouse_keeps_every_batch_written() {
    let f = Fixture::new();
    // Three batches of 500 warehouse writes.
    let reels = f.add_many("E", 1_500, "In-stock");
    f.import_all();
    f.office_sets(
        &reels.iter().map(String::as_str).collect::<Vec<_>>(),
        ReelStatus::Sold,
    );

    let mut watch = Recorder::new(|seen: &[Progress]| {
        seen.last()
            .is_some_and(|p| p.phase == Phase::WritingWarehouse && p.counts.exported >= 500)
    });
    let report = f
        .sync_observed(RunScope::Export, false, &mut watch)
        .unwrap();
    assert_eq!(report.outcome, Outcome::Cancelled);
    assert_eq!(report.counts.exported, 500, "one batch");
    watch.assert_in_order();
    assert_eq!(
        watch.phases(),
        vec![
            Phase::Reading,
            Phase::Snapshot,
            Phase::WritingWarehouse,
            Phase::Committing
        ]
    );
    let writing = watch
        .progress
        .iter()
        .find(|p| p.phase == Phase::WritingWarehouse)
        .unwrap();
    assert_eq!(writing.planned_writes, 1_500);

    // Every batch written is in the warehouse, recorded and logged; the rest is not
    // written, and recorded so.
    let sold = |f: &Fixture| {
        f.wh()
            .query_row(
                "SELECT count(*) FROM Products WHERE status = 'Sold'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    };
    assert_eq!(sold(&f), 500);
    let states = |state: &str| {
        count(
            &f,
            &format!("SELECT count(*) FROM warehouse_writes WHERE state = '{state}'"),
        )
    };
    assert_eq!(
        (states("written"), states("not_written"), states("planned")),
        (500, 1_000, 0)
    );
    let run_id = report.run_id.unwrap();
    let logged = f.engine.run_detail(run_id).unwrap();
    assert_eq!(logged.run.outcome, Outcome::Cancelled);
    assert_eq!(logged.run.counts.exported, 500);
    assert_eq!(logged.items.len(), 500);
    assert!(logged.items.iter().all(|i| i.action == Action::Export));
    assert_eq!(watch.items, logged.items);
    // The reels written are the ones recorded as agreed on.
    let exported: Vec<&str> = logged
        .items
        .iter()
        .map(|i| i.reel_number.as_str())
        .collect();
    for reel in &exported {
        assert_eq!(f.wh_value(reel, "status").as_deref(), Some("Sold"));
        assert_eq!(f.base_status(reel), "Sold");
    }

    let rest = f.sync(RunScope::Export, false).unwrap();
    assert_eq!(rest.outcome, Outcome::Succeeded);
    assert_eq!(rest.counts.exported, 1_000);
    assert_eq!(sold(&f), 1_500);
    let again = f.sync(RunScope::Export, false).unwrap();
    assert_eq!(again.counts.exported, 0);
}

#[test]
fn a_cancelled_dry_run_just_stops() {
    let f = Fixture::new();
    f.add_many("D", 5_000, "In-stock");
    let (store, warehouse) = (common::bytes(&f.store_path()), common::bytes(&f.warehouse));
    let mut watch = Recorder::new(after_pages(1));
    let plan = f.sync_observed(import_all(), true, &mut watch).unwrap();
    assert_eq!(plan.outcome, Outcome::Cancelled);
    assert_eq!(plan.run_id, None);
    assert_eq!(plan.counts.imported, 2_000);
    assert_eq!(plan.items.len(), 2_000, "the plan so far");
    assert_eq!(watch.items, plan.items);
    assert!(watch.started.is_empty(), "a dry run is not logged");
    assert_eq!(watch.phases(), vec![Phase::Reading]);
    assert!(common::bytes(&f.store_path()) == store);
    assert!(common::bytes(&f.warehouse) == warehouse);
    assert!(f.engine.runs(5).unwrap().is_empty());
}

/// Sleeps after each page, so that a run takes long enough to be watched.
struct Slow(Duration);

impl RunObserver for Slow {
    fn progress(&mut self, progress: &Progress) {
        if progress.phase == Phase::Reading && progress.scanned > 0 {
            std::thread::sleep(self.0);
        }
    }
}

/// Waits until `until` holds of the run another engine sees going on.
fn wait_for(other: &Engine, until: impl Fn(&LiveRun) -> bool) -> LiveRun {
    let started = Instant::now();
    loop {
        if let Some(live) = other.running().unwrap().filter(|live| until(live)) {
            return live;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never showed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn scanned(live: &LiveRun) -> u64 {
    live.progress.map_or(0, |p| p.scanned)
}

#[test]
fn another_engine_sees_a_run_going_and_cancels_it() {
    let f = Fixture::new();
    // Five pages, each followed by a pause.
    f.add_many("L", 10_000, "In-stock");
    let other = Engine::open(f.engine.config().clone()).unwrap();
    assert_eq!(other.running().unwrap(), None);

    let report = std::thread::scope(|s| {
        let run = s.spawn(|| {
            f.engine.sync(
                &request(import_all(), false),
                &mut Slow(Duration::from_millis(250)),
            )
        });
        let early = wait_for(&other, |live| scanned(live) >= 2_000);
        assert_eq!(early.kind, engine::RunKind::Import);
        assert_eq!(early.who, "test");
        assert_eq!(early.pid, std::process::id());
        assert!(!early.cancel_requested);
        let progress = early.progress.unwrap();
        assert_eq!(progress.phase, Phase::Reading);
        assert_eq!(progress.total, 10_000);
        let run_id = early.run_id.expect("logged before it reads");
        let later = wait_for(&other, |live| scanned(live) > scanned(&early));
        assert!(
            later.progress.unwrap().counts.imported >= 4_000,
            "{later:?}"
        );

        let asked = other.request_cancel(run_id).unwrap();
        assert!(asked.cancel_requested);
        assert!(
            other
                .running()
                .unwrap()
                .is_none_or(|live| live.cancel_requested)
        );
        run.join().unwrap()
    })
    .unwrap();

    assert_eq!(report.outcome, Outcome::Cancelled);
    let imported = report.counts.imported;
    assert!((4_000..10_000).contains(&imported), "{imported}");
    assert_eq!(count(&f, "SELECT count(*) FROM products"), imported);
    assert_eq!(
        other.running().unwrap(),
        None,
        "the lease went with the run"
    );
    let run_id = report.run_id.unwrap();
    let err = other.request_cancel(run_id).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Refused(engine::Refusal::RunNotRunning {
                ended: engine::Outcome::Cancelled,
                ..
            })
        ),
        "{err}"
    );
    let err = other.request_cancel(run_id + 100).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");

    let rest = f.import_all();
    assert_eq!(rest.outcome, Outcome::Succeeded);
    assert_eq!(rest.counts.imported, 10_000 - imported);
}

/// Asks, once the run is past its last page boundary, that it be cancelled, and
/// keeps a copy of the request file as a process that died then would leave it.
struct LateCancel {
    other: Engine,
    run_id: Option<i64>,
    left: Option<Vec<u8>>,
}

impl RunObserver for LateCancel {
    fn started(&mut self, run_id: i64) {
        self.run_id = Some(run_id);
    }
    fn progress(&mut self, progress: &Progress) {
        if progress.phase == Phase::Committing && self.left.is_none() {
            let live = self.other.request_cancel(self.run_id.unwrap()).unwrap();
            assert!(live.cancel_requested);
            self.left = Some(std::fs::read(self.other.data_dir().join("run.cancel")).unwrap());
        }
    }
}

#[test]
fn a_cancel_request_left_over_from_an_earlier_run_does_not_stop_the_next() {
    let f = Fixture::new();
    f.add_many("K", 4_500, "In-stock");
    let mut late = LateCancel {
        other: Engine::open(f.engine.config().clone()).unwrap(),
        run_id: None,
        left: None,
    };
    let first = f.sync_observed(RunScope::Full, false, &mut late).unwrap();
    assert_eq!(
        first.outcome,
        Outcome::Succeeded,
        "asked after its last page boundary"
    );
    let cancel_file = f.engine.data_dir().join("run.cancel");
    assert!(
        !cancel_file.exists(),
        "a run deletes its request when it ends"
    );

    // Written again once the next run holds the lock, as a request that raced
    // with the end of the run before would be: it names that run, not this one.
    let stale = late.left.unwrap();
    let mut next = PlantStale::new(&cancel_file, |_| stale.clone());
    let report = f.sync_observed(import_all(), false, &mut next).unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(report.counts.imported, 4_500);
    assert_eq!(next.pages, 3, "read to the end with the request there");
    assert!(!cancel_file.exists());

    // Not even if it names this run's id (an id can come back if the newest
    // run's log is deleted): the run's start time must match too.
    let mut same_id = PlantStale::new(&cancel_file, |run_id| {
        let mut request: serde_json::Value = serde_json::from_slice(&stale).unwrap();
        request["run_id"] = run_id.into();
        serde_json::to_vec(&request).unwrap()
    });
    let report = f
        .sync_observed(RunScope::Full, false, &mut same_id)
        .unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(same_id.pages, 3);

    // And one left by a crash before a run starts is as harmless.
    std::fs::write(&cancel_file, &stale).unwrap();
    assert_eq!(f.full().outcome, Outcome::Succeeded);
    assert!(!cancel_file.exists());
}

/// Puts a stale cancel request in place as soon as the run is logged: the bytes
/// its function makes of the run's id.
struct PlantStale<F> {
    path: std::path::PathBuf,
    request: F,
    pages: usize,
}

impl<F: Fn(i64) -> Vec<u8> + Send> PlantStale<F> {
    fn new(path: &std::path::Path, request: F) -> Self {
        Self {
            path: path.to_owned(),
            request,
            pages: 0,
        }
    }
}

impl<F: Fn(i64) -> Vec<u8> + Send> RunObserver for PlantStale<F> {
    fn started(&mut self, run_id: i64) {
        std::fs::write(&self.path, (self.request)(run_id)).unwrap();
    }
    fn progress(&mut self, progress: &Progress) {
        if progress.phase == Phase::Reading && progress.scanned > 0 {
            assert!(self.path.exists());
            self.pages += 1;
        }
    }
}
