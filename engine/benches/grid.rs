//! The import grid's figures on a 100,000-reel demo warehouse (about 70,000
//! importable): building the catalogue from one scan, then grid requests with
//! two filters, a sort on a non-key column and every facet counted. Run with
//! Then "select all matching" of GSMs that take 30,000 reels or more, imported,
//! against an import of all the others, per reel. Run with
//! `cargo bench -p engine --bench grid` (`REELSYNC_BENCH_REELS` changes the size).

use std::time::{Duration, Instant};

use engine::{
    Catalogue, Engine, GridColumn, GridFilter, GridQuery, GridSelection, GridSort, RunRequest,
    RunScope, Selection, Trigger,
};

mod common;
use common::{peak_rss_mb, rss_mb};

/// Grid requests timed; the median is the figure.
const REQUESTS: usize = 20;

fn main() {
    // The directory lives as long as the benchmark runs.
    let Some(common::Bench {
        dir: _dir, engine, ..
    }) = common::setup()
    else {
        return;
    };

    let _ = std::fs::write("/proc/self/clear_refs", "5");
    println!("before the catalogue: RSS {:.1} MB", peak_rss_mb());
    let started = Instant::now();
    let catalogue = engine.catalogue().expect("catalogue");
    let built = started.elapsed();
    println!(
        "catalogue of {} importable reels built in {} ms, peak RSS {:.1} MB, RSS after {:.1} MB",
        catalogue.len(),
        built.as_millis(),
        peak_rss_mb(),
        rss_mb()
    );

    // Two filters (the commonest width and grade) and a sort on the GSM.
    let facets = catalogue.query(
        &GridQuery {
            limit: 1,
            ..GridQuery::default()
        },
        &GridSelection::default(),
    );
    let top = |column| {
        let facet = facets
            .facets
            .iter()
            .find(|f| f.column == column)
            .expect("facet");
        vec![facet.values[0].0.clone()]
    };
    let query = GridQuery {
        filter: GridFilter {
            values: [
                (GridColumn::Width, top(GridColumn::Width)),
                (GridColumn::Grade, top(GridColumn::Grade)),
            ]
            .into(),
            ..GridFilter::default()
        },
        sort: GridSort {
            column: GridColumn::Gsm,
            descending: true,
        },
        after: None,
        before: None,
        limit: 50,
    };
    let mut times: Vec<Duration> = (0..REQUESTS)
        .map(|_| {
            let started = Instant::now();
            let page = catalogue.query(&query, &GridSelection::default());
            std::hint::black_box(&page);
            started.elapsed()
        })
        .collect();
    times.sort();
    let page = catalogue.query(&query, &GridSelection::default());
    let median = times[REQUESTS / 2];
    println!(
        "grid request (width and grade chosen, sorted by GSM, 50 rows, {} facets): \
         median {:.1} ms, max {:.1} ms over {REQUESTS}; {} reels match; target <= 50 ms: {}",
        page.facets.len(),
        median.as_secs_f64() * 1e3,
        times[REQUESTS - 1].as_secs_f64() * 1e3,
        page.matching,
        if median <= Duration::from_millis(50) {
            "ok"
        } else {
            "MISSED"
        }
    );

    let by_filter = imports_by_filter(&engine, &catalogue);
    drop(catalogue);
    let all = import(&engine, Selection::All);
    println!(
        "import of all the other {} reels: {} ms, {:.1} µs per reel",
        all.0,
        all.1.as_millis(),
        per_reel(all)
    );
    let ratio = per_reel(by_filter) / per_reel(all);
    println!(
        "per reel, the filter's import takes {ratio:.2}x the time of the import of all; \
         target <= 1: {}",
        if ratio <= 1.0 { "ok" } else { "MISSED" }
    );
    println!("peak RSS over all: {:.1} MB", peak_rss_mb());
}

/// Reels imported and how long it took.
type Imported = (u64, Duration);

/// Imports "all matching" the commonest GSMs that take 30,000 reels or more, as
/// the grid's "Select all matching" does, and prints the figure.
fn imports_by_filter(engine: &Engine, catalogue: &Catalogue) -> Imported {
    let page = catalogue.query(
        &GridQuery {
            limit: 1,
            ..GridQuery::default()
        },
        &GridSelection::default(),
    );
    let gsm = page
        .facets
        .iter()
        .find(|f| f.column == GridColumn::Gsm)
        .expect("GSM facet");
    let mut values = gsm.values.clone();
    values.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let mut chosen = Vec::new();
    let mut reels = 0;
    for (value, count) in values {
        if reels >= 30_000 {
            break;
        }
        reels += count;
        chosen.push(value);
    }
    let filter = GridFilter {
        values: [(GridColumn::Gsm, chosen.clone())].into(),
        ..GridFilter::default()
    };
    let imported = import(
        engine,
        Selection::Matching {
            filter,
            except: Vec::new(),
        },
    );
    println!(
        "import of all matching GSM {} ({} reels): {} ms, {:.1} µs per reel",
        chosen.join(", "),
        imported.0,
        imported.1.as_millis(),
        per_reel(imported)
    );
    imported
}

fn import(engine: &Engine, selection: Selection) -> Imported {
    let request = RunRequest {
        scope: RunScope::Import(selection),
        trigger: Trigger::Manual,
        who: "bench".into(),
        dry_run: false,
        client: None,
    };
    let started = Instant::now();
    let report = engine.sync(&request, &mut ()).expect("import");
    (report.counts.imported, started.elapsed())
}

fn per_reel((reels, took): Imported) -> f64 {
    took.as_secs_f64() * 1e6 / reels.max(1) as f64
}
