//! How long the warehouse app's own commits wait on reelsync.
//!
//! The warehouse app commits small one-row updates to its SQLite file all day, and
//! while reelsync reads or writes that file those commits can wait on its locks. This
//! bench puts a stand-in for the app in a second process (SQLite locks are per-process
//! file locks, so a thread would not be realistic): like a Django `save()`, it commits
//! `UPDATE Products SET logs = logs || '.' WHERE id = ?` in autocommit mode every
//! 20 ms, with a 10 s busy timeout and the default rollback journal, and times each
//! statement, lock waits included. It never touches `status`, so reelsync's
//! compare-and-set writes all go through.
//!
//! For each warehouse size it runs three phases with the stand-in committing
//! throughout: an idle baseline, import-all into a fresh main store, and the export
//! of 20,000 office sales. The target is that no commit waits more than 50 ms.
//!
//! Run with `cargo bench -p engine --bench stall`. `REELSYNC_STALL_REELS` lists the
//! warehouse sizes, comma-separated (default `400000`); for example
//! `REELSYNC_STALL_REELS=100000,400000` shows whether the stall grows with the file.
//! Each demo warehouse (seed 7) is generated in a child process, like the `sync`
//! bench does.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use engine::{Config, Engine, RunRequest, RunScope, Selection, Trigger};
use rusqlite::{Connection, ErrorCode};

mod common;
use common::{count_in_stock, generate, office_sells};

const STAND_IN: &str = "--stand-in";

/// How often the stand-in commits: a busy warehouse app, not a flood.
const COMMIT_EVERY: Duration = Duration::from_millis(20);
/// What the stand-in's connection waits for a lock before giving up, as Django's
/// SQLite `timeout` option would.
const APP_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The stand-in commits this long before each phase's work starts, so the phase
/// never begins against a process still opening its connection.
const WARM_UP: Duration = Duration::from_millis(300);
/// How long the baseline phase sits idle.
const IDLE: Duration = Duration::from_secs(2);
/// Office sales exported in the export phase.
const OFFICE_SALES: usize = 20_000;
/// The longest an app commit may wait.
const WORST_TARGET: Duration = Duration::from_millis(50);
/// Steps through the `Products` ids so consecutive commits land on different pages,
/// like edits scattered over the warehouse; prime, so every row comes round in turn.
const ID_STRIDE: usize = 7_919;

/// One commit of the stand-in: how long its statement took, and whether SQLite
/// gave up on the lock (the app would have shown "database is locked").
#[derive(Debug, Clone, Copy)]
struct Commit {
    waited: Duration,
    gave_up: bool,
}

/// What the stand-in saw while the engine did one thing.
struct Phase {
    name: String,
    /// How long the engine's work took; `None` for the idle baseline.
    engine: Option<Duration>,
    commits: Vec<Commit>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if common::generate_if_asked(&args) {
        return;
    }
    if let Some(i) = args.iter().position(|a| a == STAND_IN) {
        stand_in(Path::new(&args[i + 1]));
        return;
    }
    println!(
        "\nreelsync stall benchmark: how long the warehouse app's commits wait on reelsync.\n\
         A second process commits a one-row update every {} ms (autocommit, rollback journal, \
         busy timeout {} s) while each phase runs;\nwaits are each commit's wall-clock time, \
         lock waits included. {} cores.",
        COMMIT_EVERY.as_millis(),
        APP_BUSY_TIMEOUT.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for reels in warehouse_sizes() {
        bench_size(reels);
    }
}

/// The sizes from `REELSYNC_STALL_REELS`, or 400,000 reels.
fn warehouse_sizes() -> Vec<u32> {
    let sizes = std::env::var("REELSYNC_STALL_REELS").unwrap_or_else(|_| "400000".into());
    sizes
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("REELSYNC_STALL_REELS: {s:?} is not a reel count"))
        })
        .collect()
}

/// Runs every phase on a fresh demo warehouse of `reels` reels and prints its table.
fn bench_size(reels: u32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("ism.sqlite3");
    generate(&warehouse, reels);
    let file_mb = std::fs::metadata(&warehouse).expect("warehouse size").len() as f64 / 1e6;
    let in_stock = count_in_stock(&warehouse);
    let engine = Engine::open(Config::new(dir.path().join("data")).with_external(&warehouse))
        .expect("engine");

    let baseline = watch(&warehouse, || std::thread::sleep(IDLE));
    let import = watch(&warehouse, || {
        run(&engine, RunScope::Import(Selection::All), in_stock)
    });
    // The sales are made before the stand-in starts: only the export is measured.
    let sold = office_sells(&engine, &warehouse, OFFICE_SALES);
    let export = watch(&warehouse, || run(&engine, RunScope::Export, sold));

    let phases = [
        Phase {
            name: format!("baseline (idle {} s)", IDLE.as_secs()),
            engine: None,
            commits: baseline.1,
        },
        Phase {
            name: format!("import-all ({in_stock} reels)"),
            engine: Some(import.0),
            commits: import.1,
        },
        Phase {
            name: format!("export {sold} office sales"),
            engine: Some(export.0),
            commits: export.1,
        },
    ];
    print_table(reels, file_mb, &phases);
}

/// Runs `work` with the stand-in committing throughout, and returns how long the
/// work took and every commit the stand-in made (its warm-up included, so a stall
/// right at the start of the work is not missed).
fn watch(warehouse: &Path, work: impl FnOnce()) -> (Duration, Vec<Commit>) {
    let stand_in = StandIn::start(warehouse);
    let started = Instant::now();
    work();
    let took = started.elapsed();
    (took, stand_in.stop())
}

/// Runs a sync and checks it did what the phase claims.
fn run(engine: &Engine, scope: RunScope, expected: u64) {
    let request = RunRequest {
        scope: scope.clone(),
        trigger: Trigger::Manual,
        who: "bench".into(),
        dry_run: false,
        client: None,
    };
    let report = engine.sync(&request, &mut ()).expect("sync");
    let done = match scope {
        RunScope::Import(_) => report.counts.imported,
        RunScope::Export => report.counts.exported,
        RunScope::Full | RunScope::Resolve(_) | RunScope::Undo(_) => {
            unreachable!("the stall bench runs only imports and exports")
        }
    };
    assert_eq!(done, expected, "{scope:?}: {:?}", report.counts);
}

// ---------------------------------------------------------------------------------
// The stand-in for the warehouse app, run as a child process.
// ---------------------------------------------------------------------------------

/// The parent's handle on a running stand-in.
struct StandIn {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl StandIn {
    /// Starts the stand-in and returns once it has committed for [`WARM_UP`].
    fn start(warehouse: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .args([STAND_IN, &warehouse.display().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("stand-in");
        let mut stdout = BufReader::new(child.stdout.take().expect("stand-in stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("stand-in ready");
        assert_eq!(line.trim(), "ready", "the stand-in did not start");
        std::thread::sleep(WARM_UP);
        Self { child, stdout }
    }

    /// Tells the stand-in to stop and collects its commits.
    fn stop(mut self) -> Vec<Commit> {
        let mut stdin = self.child.stdin.take().expect("stand-in stdin");
        writeln!(stdin, "stop").expect("stop the stand-in");
        drop(stdin);
        let commits = (&mut self.stdout)
            .lines()
            .map(|line| parse_commit(&line.expect("stand-in output")))
            .collect();
        let status = self.child.wait().expect("stand-in exit");
        assert!(status.success(), "the stand-in failed");
        commits
    }
}

/// The stand-in's main: commits a one-row update every [`COMMIT_EVERY`] until its
/// stdin says `stop` (or closes), then prints one line per commit. It says `ready`
/// after its first commit, so the parent knows the connection is open.
fn stand_in(warehouse: &Path) {
    // Read-write, and the journal mode left as the file has it (rollback): the app's
    // own connection, not one tuned to be kind to reelsync.
    let conn = Connection::open(warehouse).expect("warehouse");
    conn.busy_timeout(APP_BUSY_TIMEOUT).expect("busy timeout");
    let ids = product_ids(&conn);
    let mut update = conn
        .prepare("UPDATE Products SET logs = logs || '.' WHERE id = ?1")
        .expect("update");
    let stop = stop_when_told();
    let mut commits = Vec::new();
    for turn in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let id = ids[(turn * ID_STRIDE) % ids.len()];
        let started = Instant::now();
        let outcome = update.execute([id]);
        let waited = started.elapsed();
        let gave_up = match outcome {
            Ok(1) => false,
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => true,
            other => panic!("stand-in commit on id {id}: {other:?}"),
        };
        commits.push(Commit { waited, gave_up });
        if turn == 0 {
            println!("ready");
        }
        // A commit that waited is not followed by a burst of catch-up commits.
        std::thread::sleep(COMMIT_EVERY.saturating_sub(waited));
    }
    let mut out = std::io::stdout().lock();
    for c in &commits {
        let verdict = if c.gave_up { "gave-up" } else { "done" };
        writeln!(out, "{verdict} {}", c.waited.as_micros()).expect("print commits");
    }
}

fn product_ids(conn: &Connection) -> Vec<i64> {
    let mut stmt = conn.prepare("SELECT id FROM Products").expect("ids");
    let ids: Vec<i64> = stmt
        .query_map([], |r| r.get(0))
        .expect("ids")
        .collect::<Result<_, _>>()
        .expect("id rows");
    assert!(!ids.is_empty(), "the warehouse has no products");
    ids
}

/// A flag set when stdin says `stop` or closes (the parent died, say).
fn stop_when_told() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) if l.trim() != "stop" => continue,
                _ => break,
            }
        }
        flag.store(true, Ordering::Relaxed);
    });
    stop
}

/// Reads one of the stand-in's lines: `done <µs>` or `gave-up <µs>`.
fn parse_commit(line: &str) -> Commit {
    let (verdict, micros) = line
        .split_once(' ')
        .unwrap_or_else(|| panic!("stand-in line {line:?}"));
    Commit {
        waited: Duration::from_micros(micros.parse().expect("stand-in micros")),
        gave_up: verdict == "gave-up",
    }
}

// ---------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------

fn print_table(reels: u32, file_mb: f64, phases: &[Phase]) {
    println!("\n{reels} reels, warehouse file {file_mb:.0} MB");
    println!(
        "{:<32} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10}  target",
        "phase",
        "engine",
        "commits",
        "gave up",
        format!("> {} ms", WORST_TARGET.as_millis()),
        "p50",
        "p99",
        "worst"
    );
    for phase in phases {
        let mut waits: Vec<Duration> = phase.commits.iter().map(|c| c.waited).collect();
        waits.sort_unstable();
        let gave_up = phase.commits.iter().filter(|c| c.gave_up).count();
        let worst = waits.last().copied().unwrap_or_default();
        // How many commits missed the target: one slow sync of the disk is noise,
        // dozens are a stall.
        let over = waits.iter().filter(|w| **w > WORST_TARGET).count();
        let ok = gave_up == 0 && worst <= WORST_TARGET;
        println!(
            "{:<32} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10}  worst <= {} ms: {}",
            phase.name,
            phase.engine.map_or_else(|| "-".into(), ms),
            waits.len(),
            gave_up,
            over,
            ms(percentile(&waits, 0.50)),
            ms(percentile(&waits, 0.99)),
            ms(worst),
            WORST_TARGET.as_millis(),
            if ok { "ok" } else { "MISSED" }
        );
    }
}

/// The nearest-rank percentile of sorted `waits`.
fn percentile(waits: &[Duration], p: f64) -> Duration {
    if waits.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * waits.len() as f64).ceil() as usize;
    waits[rank.clamp(1, waits.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
