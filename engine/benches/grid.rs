//! The import grid's figures on a 100,000-reel demo warehouse (about 70,000
//! importable): building the catalogue from one scan, then grid requests with
//! two filters, a sort on a non-key column and every facet counted. Run with
//! `cargo bench -p engine --bench grid` (`REELSYNC_BENCH_REELS` changes the size).

use std::time::{Duration, Instant};

use engine::{GridColumn, GridFilter, GridQuery, GridSelection, GridSort};

mod common;
use common::peak_rss_mb;

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
    let started = Instant::now();
    let catalogue = engine.catalogue().expect("catalogue");
    let built = started.elapsed();
    println!(
        "catalogue of {} importable reels built in {} ms, peak RSS {:.1} MB",
        catalogue.len(),
        built.as_millis(),
        peak_rss_mb()
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
    println!("peak RSS over all: {:.1} MB", peak_rss_mb());
}
