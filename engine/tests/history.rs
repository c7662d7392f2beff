//! The run history as the runs and run pages read it: runs filtered and keyset
//! paged newest first, "which runs touched reel X", and a run's items paged by
//! their place in the log, filtered by action and reel number.

mod common;

use common::Fixture;
use engine::{Action, ItemFilter, Outcome, Reason, RunError, RunFilter, RunKind, Trigger};

/// Three runs: an import of two reels (one unknown, so rejected), a full sync
/// that exports a sale, and an import of every other reel.
fn three_runs() -> Fixture {
    let f = Fixture::with(&[
        ("A-1", "In-stock"),
        ("A-2", "In-stock"),
        ("B-1", "In-stock"),
    ]);
    f.import(&["A-1", "ZZZ"]);
    f.office_sets(&["A-1"], engine::ReelStatus::Sold);
    f.full();
    f.import_all();
    f
}

#[test]
fn runs_are_listed_newest_first_a_page_at_a_time() {
    let f = three_runs();
    let all = f.engine.runs_page(&RunFilter::default(), None, 10).unwrap();
    let ids: Vec<i64> = all.iter().map(|run| run.id).collect();
    assert_eq!(ids, [3, 2, 1]);

    let first = f.engine.runs_page(&RunFilter::default(), None, 2).unwrap();
    let next = f
        .engine
        .runs_page(&RunFilter::default(), Some(first[1].id), 2)
        .unwrap();
    assert_eq!(
        (first.len(), next.iter().map(|r| r.id).collect::<Vec<_>>()),
        (2, vec![1])
    );
}

#[test]
fn runs_are_filtered_by_kind_outcome_trigger_and_reel() {
    let f = three_runs();
    let ids = |filter: RunFilter| -> Vec<i64> {
        f.engine
            .runs_page(&filter, None, 10)
            .unwrap()
            .iter()
            .map(|run| run.id)
            .collect()
    };
    assert_eq!(
        ids(RunFilter {
            kind: Some(RunKind::Import),
            ..RunFilter::default()
        }),
        [3, 1]
    );
    assert_eq!(
        ids(RunFilter {
            outcome: Some(Outcome::Partial),
            ..RunFilter::default()
        }),
        [1],
        "the run with the unknown reel"
    );
    assert!(
        ids(RunFilter {
            trigger: Some(Trigger::Schedule),
            ..RunFilter::default()
        })
        .is_empty()
    );
    assert_eq!(
        ids(RunFilter {
            reel: Some("A-1".into()),
            ..RunFilter::default()
        }),
        [2, 1],
        "imported by run 1, exported by run 2"
    );
    assert_eq!(
        ids(RunFilter {
            reel: Some("B-1".into()),
            kind: Some(RunKind::Manual),
            ..RunFilter::default()
        }),
        Vec::<i64>::new(),
        "filters combine"
    );
}

#[test]
fn a_runs_items_are_paged_by_their_place_in_the_log() {
    let f = Fixture::new();
    f.add_many("R", 25, "In-stock");
    let report = f.import_all();
    let run = report.run_id.unwrap();
    let page = |after, filter: &ItemFilter| f.engine.run_items(run, filter, after, 10).unwrap();

    let (summary, first) = page(0, &ItemFilter::default());
    assert_eq!(summary.outcome, Outcome::Succeeded);
    assert_eq!(
        first.iter().map(|i| i.seq).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    let (_, third) = page(20, &ItemFilter::default());
    assert_eq!(third.len(), 5, "25 items: the last page holds five");
    assert_eq!(third[4].item.reel_number, "R00025");

    let by_reel = ItemFilter {
        reel: Some("R0002".into()),
        ..ItemFilter::default()
    };
    let (_, found) = page(0, &by_reel);
    let reels: Vec<&str> = found.iter().map(|i| i.item.reel_number.as_str()).collect();
    assert_eq!(
        reels,
        ["R00020", "R00021", "R00022", "R00023", "R00024", "R00025"]
    );
    assert_eq!(found[0].seq, 20, "an item keeps its place in the log");
}

#[test]
fn a_runs_items_are_filtered_by_action() {
    let f = three_runs();
    let rejected = ItemFilter {
        action: Some(Action::Reject),
        ..ItemFilter::default()
    };
    let (_, items) = f.engine.run_items(1, &rejected, 0, 10).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].seq, items[0].item.reel_number.as_str()),
        (2, "ZZZ")
    );
    let (_, imports) = f
        .engine
        .run_items(
            1,
            &ItemFilter {
                action: Some(Action::Import),
                ..ItemFilter::default()
            },
            0,
            10,
        )
        .unwrap();
    assert_eq!(imports.len(), 1);
    assert!(matches!(
        f.engine.run_items(99, &ItemFilter::default(), 0, 10),
        Err(engine::Error::NotFound { .. })
    ));
}

#[test]
fn reasons_are_logged_as_codes_and_old_text_reads_back_as_it_was() {
    let f = three_runs();
    let items = f.engine.run_detail(1).unwrap().items;
    let unknown = items.iter().find(|i| i.reel_number == "ZZZ").unwrap();
    assert_eq!(unknown.reason, Some(Reason::NotFound));
    let stored: String = f
        .store()
        .query_row(
            "SELECT reason FROM run_items WHERE run_id = 1 AND reel_number = 'ZZZ'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, r#"{"code":"not_found"}"#);

    // Logged by a reelsync from before reasons were codes.
    f.store()
        .execute_batch(
            "UPDATE run_items SET reason = 'not found in the warehouse file' WHERE run_id = 1;
             UPDATE runs SET error = 'interrupted: reelsync stopped before this run finished' WHERE id = 2;
             UPDATE runs SET error = 'main store x: disk I/O error' WHERE id = 3;",
        )
        .unwrap();
    let old = f.engine.run_detail(1).unwrap().items;
    let unknown = old.iter().find(|i| i.reel_number == "ZZZ").unwrap();
    assert_eq!(
        unknown.reason,
        Some(Reason::Text {
            text: "not found in the warehouse file".into()
        })
    );
    let runs = f.engine.runs_page(&RunFilter::default(), None, 10).unwrap();
    assert_eq!(runs[1].error, Some(RunError::Interrupted));
    assert_eq!(
        runs[0].error,
        Some(RunError::Other {
            text: "main store x: disk I/O error".into()
        })
    );
}
