//! The office's screens' figures: the products list over every tracked reel
//! (built from the store, then requests with a status filter, a sort and every
//! facet counted), and a reel's page for a reel 1,000 runs touched. The demo
//! warehouse has 143,000 reels so that about 100,000 are In-stock and tracked
//! after an import of all (`REELSYNC_BENCH_REELS` changes it). Run with
//! `cargo bench -p engine --bench products`.

use std::time::{Duration, Instant};

use engine::{
    GridColumn, GridFilter, GridQuery, GridSelection, GridSort, RunRequest, RunScope, Selection,
    Trigger,
};

mod common;
use common::{office_sells, peak_rss_mb};

/// Requests timed; the median is the figure.
const REQUESTS: usize = 20;

/// Runs that touched the reel whose page is timed.
const RUNS_OF_ONE_REEL: i64 = 1_000;

fn main() {
    if std::env::var_os("REELSYNC_BENCH_REELS").is_none() {
        // SAFETY: set before any thread is started.
        unsafe { std::env::set_var("REELSYNC_BENCH_REELS", "143000") };
    }
    let Some(common::Bench {
        dir,
        engine,
        warehouse,
        ..
    }) = common::setup()
    else {
        return;
    };
    let request = RunRequest {
        scope: RunScope::Import(Selection::All),
        trigger: Trigger::Manual,
        who: "bench".into(),
        dry_run: false,
        client: None,
    };
    engine.sync(&request, &mut ()).expect("import");
    let sold = office_sells(&engine, &warehouse, 5_000);

    let started = Instant::now();
    let list = engine.tracked_catalogue().expect("products list");
    println!(
        "products list of {} tracked reels ({sold} sold by the office) built in {} ms, peak RSS {:.1} MB",
        list.len(),
        started.elapsed().as_millis(),
        peak_rss_mb()
    );
    let fingerprint = median(|| {
        std::hint::black_box(engine.tracked_fingerprint().expect("fingerprint"));
    });
    println!(
        "is the list up to date (the store's fingerprint): median {:.2} ms",
        ms(fingerprint)
    );

    let query = GridQuery {
        filter: GridFilter {
            values: [(GridColumn::Status, vec!["Sold".to_owned()])].into(),
            ..GridFilter::default()
        },
        sort: GridSort {
            column: GridColumn::Width,
            descending: true,
        },
        after: None,
        before: None,
        limit: 50,
    };
    let request = median(|| {
        std::hint::black_box(list.query(&query, &GridSelection::default()));
    });
    let unfiltered = median(|| {
        let all = GridQuery {
            limit: 50,
            ..GridQuery::default()
        };
        std::hint::black_box(list.query(&all, &GridSelection::default()));
    });
    println!(
        "/products request (office status Sold, sorted by width, 50 rows, 7 facets): median {:.1} ms; \
         unfiltered {:.1} ms; target <= 50 ms: {}",
        ms(request),
        ms(unfiltered),
        verdict(
            request.max(unfiltered) + fingerprint,
            Duration::from_millis(50)
        )
    );

    let reel = touched_by_many_runs(&dir.path().join("data/reelsync.sqlite3"), &list);
    let page = median(|| {
        std::hint::black_box(engine.reel_page(&reel).expect("reel page"));
    });
    println!(
        "a reel's page, the reel touched by {RUNS_OF_ONE_REEL} runs: median {:.1} ms; target <= 50 ms: {}",
        ms(page),
        verdict(page, Duration::from_millis(50))
    );
}

/// Logs `RUNS_OF_ONE_REEL` runs that each touched the list's first reel, as
/// years of syncs would, and returns its number.
fn touched_by_many_runs(store: &std::path::Path, list: &engine::Catalogue) -> String {
    let first = list.query(
        &GridQuery {
            limit: 1,
            ..GridQuery::default()
        },
        &GridSelection::default(),
    );
    let reel = first.rows[0].reel_number.clone();
    let mut conn = rusqlite::Connection::open(store).expect("store");
    let tx = conn.transaction().expect("transaction");
    for _ in 0..RUNS_OF_ONE_REEL {
        tx.execute(
            "INSERT INTO runs (kind, trigger, who, started_at, finished_at, duration_ms, outcome)
             VALUES ('manual', 'schedule', 'schedule', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 1000, 'succeeded')",
            [],
        )
        .expect("run");
        tx.execute(
            "INSERT INTO run_items (run_id, seq, reel_number, action, reason)
             VALUES (last_insert_rowid(), 1, ?1, 'update', NULL)",
            [&reel],
        )
        .expect("item");
    }
    tx.commit().expect("commit");
    reel
}

fn median(mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..REQUESTS)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[REQUESTS / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn verdict(figure: Duration, target: Duration) -> &'static str {
    if figure <= target { "ok" } else { "MISSED" }
}
