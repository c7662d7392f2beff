//! Undoing a run: an import, an export, a refresh and a resolution, each put
//! back (and made to stick), and each refused for a reel that a later run, the
//! office or the warehouse app changed since.

mod common;

use common::{Fixture, dump};
use engine::{
    Action, Keep, Outcome, Reason, ReelStatus, Resolve, RunKind, RunReport, RunScope, Shown,
};

fn undo(f: &Fixture, run_id: i64, dry_run: bool) -> RunReport {
    f.sync(RunScope::Undo(run_id), dry_run).unwrap()
}

fn item<'r>(report: &'r RunReport, reel: &str) -> &'r engine::RunItem {
    report
        .items
        .iter()
        .find(|i| i.reel_number == reel)
        .unwrap_or_else(|| panic!("no item of {reel}: {:?}", report.items))
}

fn logged(f: &Fixture, run_id: i64) -> Vec<engine::RunItem> {
    f.engine
        .run_detail(run_id)
        .unwrap()
        .items
        .into_iter()
        .collect()
}

#[test]
fn an_import_undone_leaves_its_reels_importable_again_unless_changed_since() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    let import = f.import(&["R1", "R2"]).run_id.unwrap();
    // The office sells R2 after the import: it stays.
    f.office_sets(&["R2"], ReelStatus::Sold);

    let preview = undo(&f, import, true);
    assert_eq!(item(&preview, "R1").action, Action::Untrack);
    assert_eq!(
        item(&preview, "R2").reason,
        Some(Reason::OfficeChangedSince)
    );
    assert_eq!(f.store_count("R1"), 1, "a preview changes nothing");

    let report = undo(&f, import, false);
    assert_eq!(report.kind, RunKind::Undo);
    assert_eq!(report.outcome, Outcome::Partial);
    assert_eq!(f.store_count("R1"), 0, "no longer tracked");
    assert_eq!(f.store_count("R2"), 1);
    let importable: Vec<String> = f
        .engine
        .importable(0, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.reel_number)
        .collect();
    assert!(importable.contains(&"R1".to_owned()), "{importable:?}");
    // Logged like any run, with its items.
    let items = logged(&f, report.run_id.unwrap());
    assert_eq!(items.len(), 2);
    // And it sticks: a sync does not bring it back; it can be imported again.
    f.full();
    assert_eq!(f.store_count("R1"), 0);
    assert_eq!(f.import(&["R1"]).counts.imported, 1);
}

/// R1 and R2 imported, both sold by the office and exported by one sync; its id.
fn exported() -> (Fixture, i64) {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1", "R2"], ReelStatus::Sold);
    let export = f.full();
    assert_eq!(export.counts.exported, 2);
    (f, export.run_id.unwrap())
}

#[test]
fn an_export_undone_puts_the_rows_and_the_office_back_and_it_sticks() {
    let (f, export) = exported();
    let before = dump(&f.wh(), "Anbar_Akhal");
    let preview = undo(&f, export, true);
    assert_eq!(preview.counts.exported, 2);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    assert_eq!(
        dump(&f.wh(), "Anbar_Akhal"),
        before,
        "a preview writes nothing"
    );

    let report = undo(&f, export, false);
    assert_eq!(
        (report.outcome, report.counts.exported),
        (Outcome::Succeeded, 2)
    );
    for reel in ["R1", "R2"] {
        assert_eq!(f.wh_value(reel, "status").as_deref(), Some("In-stock"));
        assert_eq!(f.wh_value(reel, "last_date"), None);
        assert_eq!(f.office_status(reel), "In-stock");
        assert_eq!(f.base_status(reel), "In-stock");
        let copy: String = f
            .wh()
            .query_row(
                "SELECT status FROM Anbar_Akhal WHERE reel_number = ?1",
                [reel],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(copy, "In-stock", "the forklift's copy is put back too");
    }
    // The next sync does not redo it.
    let next = f.full();
    assert_eq!((next.counts.exported, next.counts.status_in), (0, 0));
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    // An undo is not undone.
    let again = f.sync(RunScope::Undo(report.run_id.unwrap()), false);
    assert!(matches!(again, Err(engine::Error::Refused(_))), "{again:?}");
}

#[test]
fn an_export_undo_leaves_a_reel_the_warehouse_or_the_office_changed_since() {
    let (f, export) = exported();
    // The warehouse app delivers R1; the office cancels R2 (not synced yet).
    f.wh_set("R1", "status", Some("Delivered"));
    f.office_sets(&["R2"], ReelStatus::InStock);
    let report = undo(&f, export, false);
    assert_eq!(report.outcome, Outcome::Partial);
    assert_eq!(
        item(&report, "R1").reason,
        Some(Reason::WarehouseChangedSince)
    );
    assert_eq!(item(&report, "R2").reason, Some(Reason::OfficeChangedSince));
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Delivered"));
    assert_eq!(f.wh_value("R2", "status").as_deref(), Some("Sold"));
    assert_eq!(
        f.office_status("R2"),
        "In-stock",
        "the office's change stays"
    );
}

#[test]
fn an_export_undo_leaves_a_reel_a_later_run_changed() {
    let (f, export) = exported();
    // The warehouse app delivers R1 and a later sync takes it in.
    f.wh_set("R1", "status", Some("Delivered"));
    let later = f.full().run_id.unwrap();
    let report = undo(&f, export, false);
    assert_eq!(
        item(&report, "R1").reason,
        Some(Reason::LaterRun { run_id: later })
    );
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Delivered"));
    assert_eq!(f.wh_value("R2", "status").as_deref(), Some("In-stock"));
}

#[test]
fn what_a_sync_took_in_from_the_warehouse_follows_the_warehouse() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "status", Some("Sold"));
    f.wh_set("R1", "width", Some("1300"));
    let refresh = f.full().run_id.unwrap();
    let report = undo(&f, refresh, false);
    let taken = item(&report, "R1");
    assert_eq!(
        (taken.action, taken.reason.clone()),
        (Action::Skip, Some(Reason::FollowsWarehouse))
    );
    assert_eq!(f.office_status("R1"), "Sold");
    assert_eq!(report.outcome, Outcome::Succeeded);
}

/// R1 in conflict: the warehouse app loaded it (Sold), the office cancelled.
fn in_conflict() -> Fixture {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "status", Some("Sold"));
    f.full();
    f.office_sets(&["R1"], ReelStatus::InStock);
    assert_eq!(f.full().counts.conflicts, 1);
    f
}

fn resolve(f: &Fixture, keep: Keep) -> i64 {
    let reels = vec![Shown {
        reel_number: "R1".into(),
        warehouse: ReelStatus::Sold,
    }];
    f.sync(RunScope::Resolve(Resolve { keep, reels }), false)
        .unwrap()
        .run_id
        .unwrap()
}

#[test]
fn a_resolution_undone_opens_its_conflict_again_either_way() {
    for keep in [Keep::Warehouse, Keep::Office] {
        let f = in_conflict();
        let resolution = resolve(&f, keep);
        assert_eq!(f.engine.conflicts(None).unwrap().open, 0);
        let report = undo(&f, resolution, false);
        assert_eq!(report.outcome, Outcome::Succeeded, "{keep:?}: {report:?}");
        assert_eq!(f.office_status("R1"), "In-stock", "{keep:?}");
        assert_eq!(
            f.wh_value("R1", "status").as_deref(),
            Some("Sold"),
            "{keep:?}"
        );
        assert_eq!(f.base_status("R1"), "Sold", "{keep:?}");
        let open = f.engine.conflicts(None).unwrap();
        assert_eq!(open.open, 1, "{keep:?}");
        // And the next sync finds the same conflict, writing nothing.
        let next = f.full();
        assert_eq!(
            (next.counts.conflicts, next.counts.exported),
            (1, 0),
            "{keep:?}"
        );
        assert_eq!(
            f.engine.conflicts(None).unwrap().conflicts[0].id,
            open.conflicts[0].id
        );
    }
}
