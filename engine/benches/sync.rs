//! Sync figures on a 100,000-reel demo warehouse, against the targets for a
//! 2-core machine. Run with `cargo bench -p engine --bench sync` (set `REELSYNC_BENCH_REELS` to
//! change the size).
//!
//! Each phase's peak RSS is measured by resetting the kernel's high-water mark
//! (`/proc/self/clear_refs`) before it. The demo file is generated in a child
//! process so its generator's memory does not count.

use std::path::Path;
use std::time::{Duration, Instant};

use engine::{Engine, RunRequest, RunScope, Selection, Trigger};
use rusqlite::Connection;

mod common;
use common::{count_in_stock, cpu_time, office_sells, peak_rss_mb};

struct Figure {
    name: &'static str,
    measured: Measured,
    target: String,
    ok: bool,
}

impl Figure {
    /// A phase held to a time limit, which its target reads as.
    fn within(name: &'static str, measured: Measured, limit: Duration) -> Self {
        Self {
            name,
            ok: measured.took <= limit,
            measured,
            target: format!("<= {} s", limit.as_secs_f64()),
        }
    }
}

fn main() {
    let Some(common::Bench {
        reels,
        dir,
        warehouse,
        engine,
    }) = common::setup()
    else {
        return;
    };
    let mut figures = Vec::new();

    let measured = measure(|| yardstick(&warehouse, &dir.path().join("yardstick.sqlite3")));
    let yardstick = measured.took;
    figures.push(Figure {
        name: "yardstick: raw bulk insert",
        measured,
        target: "-".into(),
        ok: true,
    });

    let in_stock = count_in_stock(&warehouse);
    let saved = engine.mappings().expect("mappings");
    let measured = measure(|| {
        let trial = engine.try_mappings(&saved).expect("trial");
        assert_eq!(trial.tried, 20_000.min(in_stock));
    });
    figures.push(Figure::within(
        "mappings trial, nothing tracked",
        measured,
        Duration::from_millis(300),
    ));

    let measured = measure(|| {
        run(&engine, RunScope::Import(Selection::All), false, in_stock);
    });
    let ratio = measured.took.as_secs_f64() / yardstick.as_secs_f64();
    figures.push(Figure {
        name: "import-all",
        measured,
        target: "<= 1.5x yardstick".into(),
        ok: ratio <= 1.5,
    });

    let measured = measure(|| {
        run(&engine, RunScope::Full, false, 0);
    });
    figures.push(Figure::within(
        "steady full sync",
        measured,
        Duration::from_millis(250),
    ));

    let measured = measure(|| {
        let report = engine.drift().expect("drift");
        assert!(report.agrees(), "{:?}", report.counts);
        assert_eq!(report.checked, in_stock);
    });
    figures.push(Figure::within(
        "drift report (all tracked)",
        measured,
        Duration::from_secs(1),
    ));

    let sold = office_sells(&engine, &warehouse, 10_000);
    let measured = measure(|| {
        run(&engine, RunScope::Full, true, sold);
    });
    figures.push(Figure::within(
        "dry run (10k exports planned)",
        measured,
        Duration::from_secs(1),
    ));

    let mut export = None;
    let measured = measure(|| export = run(&engine, RunScope::Export, false, sold));
    figures.push(Figure::within(
        "export 10k office sales",
        measured,
        Duration::from_millis(500),
    ));
    let export = export.expect("the export is logged");
    let measured = measure(|| {
        run(&engine, RunScope::Undo(export), false, sold);
    });
    figures.push(Figure::within(
        "undo of the 10k export",
        measured,
        Duration::from_secs(1),
    ));

    // A draft that changes every tracked reel: comments from the grade column.
    let mut draft = saved.clone();
    if let Some(comments) = draft
        .iter_mut()
        .find(|m| m.field == engine::ProductField::Comments)
    {
        comments.column = "grade".into();
    }
    let measured = measure(|| {
        let trial = engine.try_mappings(&draft).expect("trial");
        assert_eq!(trial.refresh, in_stock);
    });
    figures.push(Figure::within(
        "mappings trial, tracked change",
        measured,
        Duration::from_millis(300),
    ));
    let overall = figures
        .iter()
        .map(|f| f.measured.peak_mb)
        .fold(0.0, f64::max);
    println!(
        "\nreelsync sync benchmark: {reels} reels ({in_stock} in stock, all imported), {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<32} {:>9} {:>9} {:>10}  {:<28}",
        "phase", "time", "CPU", "peak RSS", "target"
    );
    for f in &figures {
        println!(
            "{:<32} {:>7.0}ms {:>7.0}ms {:>7.1} MB  {:<28} {}",
            f.name,
            f.measured.took.as_secs_f64() * 1000.0,
            f.measured.cpu.as_secs_f64() * 1000.0,
            f.measured.peak_mb,
            f.target,
            if f.ok { "ok" } else { "MISSED" }
        );
    }
    println!(
        "import-all / yardstick = {ratio:.2}x; peak RSS over all phases {overall:.1} MB (target <= 64 MB: {})",
        if overall <= 64.0 { "ok" } else { "MISSED" }
    );
}

/// What a phase took: wall time, CPU time, peak resident memory in MB.
struct Measured {
    took: Duration,
    cpu: Duration,
    peak_mb: f64,
}

/// Times `work`: its wall and CPU time and its peak resident memory.
fn measure(work: impl FnOnce()) -> Measured {
    // Writing 5 resets the peak RSS the kernel reports as VmHWM.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let cpu = cpu_time();
    let started = Instant::now();
    work();
    Measured {
        took: started.elapsed(),
        cpu: cpu_time() - cpu,
        peak_mb: peak_rss_mb(),
    }
}

/// Runs a sync and checks it did what the figure claims; its run's id.
fn run(engine: &Engine, scope: RunScope, dry_run: bool, expected: u64) -> Option<i64> {
    let request = RunRequest {
        scope: scope.clone(),
        trigger: Trigger::Manual,
        who: "bench".into(),
        dry_run,
        client: None,
    };
    let report = engine.sync(&request, &mut ()).expect("sync");
    let done = match scope {
        RunScope::Import(_) => report.counts.imported,
        RunScope::Export | RunScope::Resolve(_) | RunScope::Undo(_) => report.counts.exported,
        RunScope::Full if dry_run => report.counts.exported,
        RunScope::Full => {
            report.counts.imported
                + report.counts.updated
                + report.counts.exported
                + report.counts.status_in
        }
    };
    assert_eq!(
        done, expected,
        "{scope:?} dry_run={dry_run}: {:?}",
        report.counts
    );
    report.run_id
}

/// The yardstick: the same rows read from the warehouse and bulk-inserted into a
/// table like the main store's products, in one transaction with one prepared
/// statement, nothing else.
fn yardstick(warehouse: &Path, dest: &Path) {
    let source = Connection::open(warehouse).expect("warehouse");
    let mut target = Connection::open(dest).expect("yardstick db");
    target
        .pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    target
        .pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    target
        .execute_batch(
            "CREATE TABLE products (id INTEGER PRIMARY KEY, reel_number TEXT NOT NULL UNIQUE, width INTEGER, gsm INTEGER,
               length INTEGER, grade TEXT, breaks INTEGER, comments TEXT, qr_code TEXT, profile_name TEXT, location TEXT,
               status TEXT, receive_date TEXT, last_date TEXT, username TEXT, logs TEXT, date TEXT, shipment_id INTEGER)",
        )
        .expect("schema");
    let tx = target.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare("INSERT INTO products VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)")
            .expect("insert");
        let mut select = source
            .prepare(
                "SELECT reel_number, width, gsm, length, grade, breaks, comments, qr_code, profile_name, location, status,
                        receive_date, last_date, username, logs, date, shipment_id_id
                 FROM Products WHERE status = 'In-stock'",
            )
            .expect("select");
        let mut rows = select.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            let values: Vec<rusqlite::types::Value> =
                (0..17).map(|i| row.get(i).expect("value")).collect();
            insert
                .execute(rusqlite::params_from_iter(values))
                .expect("insert row");
        }
    }
    tx.commit().expect("commit");
}
