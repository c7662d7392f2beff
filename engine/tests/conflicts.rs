//! A conflict's life: found by a sync and kept as a record, shown in the inbox,
//! resolved either way by a `resolve` run (compare-and-set against what the
//! person was shown), kept open when the warehouse changed since, and closed by
//! a sync that finds both sides in step again.

mod common;

use common::{Fixture, bytes};
use engine::{
    Keep, Outcome, Reason, ReelStatus, Resolution, Resolve, RunKind, RunReport, RunScope, Shown,
};

/// R1 and R2 imported; the warehouse app loads R1 on a truck (Sold, with its
/// plate as location) and the sync takes it in; then the office cancels the
/// sale: a conflict the sync can't settle (the warehouse app set Sold itself).
fn office_cancelled_a_loaded_reel() -> Fixture {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "status", Some("Sold"));
    f.wh_set("R1", "location", Some("12B345-67"));
    f.wh_set("R1", "last_date", Some("2024-03-05 11:20"));
    f.full();
    f.office_sets(&["R1"], ReelStatus::InStock);
    let report = f.full();
    assert_eq!(report.counts.conflicts, 1);
    f
}

fn resolve(f: &Fixture, keep: Keep, reels: &[(&str, ReelStatus)], dry_run: bool) -> RunReport {
    let reels = reels
        .iter()
        .map(|(reel, warehouse)| Shown {
            reel_number: reel.to_string(),
            warehouse: *warehouse,
        })
        .collect();
    f.sync(RunScope::Resolve(Resolve { keep, reels }), dry_run)
        .unwrap()
}

#[test]
fn a_conflict_is_kept_with_both_sides_who_and_where() {
    let f = office_cancelled_a_loaded_reel();
    let list = f.engine.conflicts(None).unwrap();
    assert_eq!((list.open, list.matching), (1, 1));
    let c = &list.conflicts[0];
    assert_eq!(c.reel_number, "R1");
    assert_eq!(c.base, ReelStatus::Sold);
    assert_eq!(c.office, ReelStatus::InStock);
    assert_eq!(c.office_by.as_deref(), Some("office"));
    assert_eq!(c.warehouse, ReelStatus::Sold);
    assert_eq!(c.warehouse_at.as_deref(), Some("2024-03-05 11:20"));
    assert_eq!(c.location.as_deref(), Some("12B345-67"));
    assert!(matches!(c.reason, Reason::SetByWarehouseApp { .. }));
    assert_eq!(c.resolved, None);
    assert_eq!(f.engine.dashboard().unwrap().conflicts, 1);

    // Found again by the next sync: the same record, not a second one.
    let again = f.full();
    assert_eq!(again.counts.conflicts, 1);
    let list = f.engine.conflicts(None).unwrap();
    assert_eq!(list.open, 1);
    assert_eq!(list.conflicts[0].id, c.id);
    assert_eq!(list.conflicts[0].found_run, c.found_run);
    assert!(list.conflicts[0].seen_run > c.seen_run);

    assert_eq!(f.engine.conflicts(Some("R2")).unwrap().matching, 0);
    assert_eq!(f.engine.conflicts(Some("1")).unwrap().matching, 1);
}

#[test]
fn keeping_the_warehouse_writes_nothing_and_the_office_takes_its_status() {
    let f = office_cancelled_a_loaded_reel();
    let before = bytes(&f.warehouse);
    let preview = resolve(&f, Keep::Warehouse, &[("R1", ReelStatus::Sold)], true);
    assert_eq!(preview.counts.status_in, 1);
    assert_eq!(
        f.office_status("R1"),
        "In-stock",
        "a preview changes nothing"
    );
    assert_eq!(f.engine.conflicts(None).unwrap().open, 1);

    let report = resolve(&f, Keep::Warehouse, &[("R1", ReelStatus::Sold)], false);
    assert_eq!(report.kind, RunKind::Resolve);
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(
        bytes(&f.warehouse),
        before,
        "nothing written to the warehouse"
    );
    assert_eq!(f.office_status("R1"), "Sold");
    assert_eq!(f.base_status("R1"), "Sold");
    assert_eq!(f.engine.conflicts(None).unwrap().open, 0);
    let page = f.engine.reel_page("R1").unwrap();
    let ended = page.conflicts[0].resolved.as_ref().expect("ended");
    assert_eq!(ended.how, Resolution::KeptWarehouse);
    assert_eq!(ended.by, "test");
    assert_eq!(Some(ended.run_id), report.run_id);
    // And it stays settled.
    assert_eq!(f.full().counts.conflicts, 0);
}

#[test]
fn keeping_the_office_writes_its_status_and_the_forklift_copy_journaled() {
    let f = office_cancelled_a_loaded_reel();
    let report = resolve(&f, Keep::Office, &[("R1", ReelStatus::Sold)], false);
    assert_eq!((report.kind, report.counts.exported), (RunKind::Resolve, 1));
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    let copy: String = f
        .wh()
        .query_row(
            "SELECT status FROM Anbar_Akhal WHERE reel_number = 'R1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(copy, "In-stock");
    let journaled: (String, String) = f
        .store()
        .query_row(
            "SELECT status_before, status_after FROM warehouse_writes WHERE run_id = ?1",
            [report.run_id.unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(journaled, ("Sold".into(), "In-stock".into()));
    assert_eq!(f.engine.conflicts(None).unwrap().open, 0);
    let page = f.engine.reel_page("R1").unwrap();
    assert_eq!(
        page.conflicts[0].resolved.as_ref().unwrap().how,
        Resolution::KeptOffice
    );
    assert_eq!(f.full().counts.conflicts, 0);
    assert_eq!(f.office_status("R1"), "In-stock");
}

#[test]
fn a_reel_the_warehouse_changed_since_it_was_shown_stays_open_with_its_new_value() {
    let f = office_cancelled_a_loaded_reel();
    // The warehouse app delivers the reel after the person looked.
    f.wh_set("R1", "status", Some("Delivered"));
    let before = bytes(&f.warehouse);
    let report = resolve(&f, Keep::Office, &[("R1", ReelStatus::Sold)], false);
    assert_eq!((report.counts.exported, report.counts.conflicts), (0, 1));
    assert_eq!(
        report.items[0].reason,
        Some(Reason::ChangedSinceShown {
            shown: ReelStatus::Sold,
            now: ReelStatus::Delivered
        })
    );
    assert_eq!(bytes(&f.warehouse), before, "nothing written");
    let list = f.engine.conflicts(None).unwrap();
    assert_eq!(list.open, 1);
    assert_eq!(list.conflicts[0].warehouse, ReelStatus::Delivered);
    assert_eq!(f.office_status("R1"), "In-stock");
}

#[test]
fn a_sync_that_finds_both_sides_in_step_closes_the_conflict_by_itself() {
    let f = office_cancelled_a_loaded_reel();
    // The office gives way: it sells the reel again.
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report = f.full();
    assert_eq!(report.counts.conflicts, 0);
    assert_eq!(f.engine.conflicts(None).unwrap().open, 0);
    let page = f.engine.reel_page("R1").unwrap();
    let ended = page.conflicts[0].resolved.as_ref().unwrap();
    assert_eq!(ended.how, Resolution::Settled);
    assert_eq!(Some(ended.run_id), report.run_id);
}

#[test]
fn a_resolution_touches_only_its_own_reels() {
    let f = office_cancelled_a_loaded_reel();
    // R2's sale waits for the next sync; a resolution of R1 must not write it.
    f.office_sets(&["R2"], ReelStatus::Sold);
    let report = resolve(&f, Keep::Office, &[("R1", ReelStatus::Sold)], false);
    assert_eq!(report.counts.exported, 1);
    assert_eq!(f.wh_value("R2", "status").as_deref(), Some("In-stock"));
    assert_eq!(f.base_status("R2"), "In-stock");
}

#[test]
fn a_resolution_of_a_reel_in_step_leaves_it_and_one_no_row_carries_is_refused() {
    let f = office_cancelled_a_loaded_reel();
    let before = bytes(&f.warehouse);
    let report = resolve(
        &f,
        Keep::Office,
        &[("R2", ReelStatus::InStock), ("R9", ReelStatus::Sold)],
        false,
    );
    assert_eq!((report.counts.exported, report.counts.rejected), (0, 1));
    assert_eq!(report.items[0].reel_number, "R9");
    assert_eq!(report.items[0].reason, Some(Reason::NotFound));
    assert_eq!(bytes(&f.warehouse), before);
    assert_eq!(f.engine.conflicts(None).unwrap().open, 1, "R1 still open");
}

#[test]
fn the_web_and_the_cli_share_one_path_for_office_changes() {
    // A delivered reel stays delivered, whoever asks: the refusal is the engine's.
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Delivered);
    let change = f
        .engine
        .set_product_status(&["R1".to_string()], ReelStatus::Sold, &"web".into())
        .unwrap();
    assert_eq!(change.refused.len(), 1);
    assert_eq!(f.office_status("R1"), "Delivered");
}
