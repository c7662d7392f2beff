//! One test per rule of DESIGN.md "Sync semantics", on real SQLite files.

mod common;

use common::{Fixture, bytes, dump, first_reason};
use engine::{
    Action, Error, Outcome, ProductField, Reason, ReelStatus, RunError, RunKind, RunScope,
    Selection, WarehouseError,
};

#[test]
fn importable_means_in_stock_and_not_tracked() {
    let f = Fixture::with(&[
        ("R1", "In-stock"),
        ("R2", "In-stock"),
        ("R3", "Sold"),
        ("R4", "Delivered"),
    ]);
    assert_eq!(f.engine.dashboard().unwrap().importable, Some(2));
    f.import(&["R1"]);
    let dash = f.engine.dashboard().unwrap();
    assert_eq!(dash.importable, Some(1));
    assert_eq!(dash.tracked, 1);
    let offered: Vec<_> = f
        .engine
        .importable(0, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.reel_number)
        .collect();
    assert_eq!(offered, ["R2"]);
}

#[test]
fn the_import_grid_shows_why_a_reel_would_be_rejected() {
    let f = Fixture::with(&[("R1", "In-stock"), ("BAD", "In-stock")]);
    f.wh_set("BAD", "gsm", Some("heavy"));
    let offered = f.engine.importable(0, 10).unwrap();
    assert_eq!(offered.len(), 2);
    assert_eq!(offered[0].problem, None);
    assert_eq!(offered[0].fields["width"].as_deref(), Some("1250"));
    let bad = &offered[1];
    assert!(
        matches!(
            &bad.problem,
            Some(Reason::BadRow(row)) if row.field == ProductField::Gsm
        ),
        "{:?}",
        bad.problem
    );
    assert_eq!(
        bad.fields["gsm"].as_deref(),
        Some("heavy"),
        "raw values still show"
    );
    // Keyset paging: the page after R1 starts at BAD.
    let next = f.engine.importable(offered[0].external_id, 10).unwrap();
    assert_eq!(next[0].reel_number, "BAD");
}

#[test]
fn a_tracked_reel_is_never_offered_again_whatever_its_status() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import(&["R1"]);
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    // The warehouse app cancels the shipment: the reel is In-stock again there.
    f.wh_set("R1", "status", Some("In-stock"));
    assert!(f.engine.importable(0, 100).unwrap().is_empty());
    let again = f.import(&["R1"]);
    assert_eq!(again.counts.imported, 0);
    assert_eq!(again.items[0].action, Action::Reject);
    assert!(first_reason(&again).contains("already imported"));
    assert_eq!(
        f.office_status("R1"),
        "Sold",
        "a re-import must not reset the office's sale"
    );
}

#[test]
fn import_rejects_bad_rows_one_by_one_and_imports_the_rest() {
    let f = Fixture::with(&[
        ("GOOD1", "In-stock"),
        ("BADW", "In-stock"),
        ("GOOD2", "In-stock"),
        ("BADD", "In-stock"),
    ]);
    f.wh_set("BADW", "width", Some("wide"));
    f.wh_set("BADD", "receive_date", Some("last tuesday"));
    let report = f.import_all();
    assert_eq!(report.outcome, Outcome::Partial);
    assert_eq!(report.counts.importable, 4);
    assert_eq!(report.counts.imported, 2);
    assert_eq!(report.counts.rejected, 2);
    let reasons: Vec<_> = report
        .items
        .iter()
        .map(|i| (i.reel_number.as_str(), i.reason.clone().unwrap()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(r, why)| *r == "BADW" && why.to_string().contains("width")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(r, why)| *r == "BADD" && why.to_string().contains("receive_date")),
        "{reasons:?}"
    );
    assert_eq!(f.product_value("GOOD2", "width").as_deref(), Some("1250"));
    let logged = f.engine.run_detail(report.run_id.unwrap()).unwrap();
    assert_eq!(
        logged
            .items
            .iter()
            .filter(|i| i.action == Action::Import)
            .count(),
        2
    );
    assert_eq!(
        logged
            .items
            .iter()
            .filter(|i| i.action == Action::Reject)
            .count(),
        2
    );
    assert_eq!(logged.run.counts, report.counts);
}

#[test]
fn selective_import_takes_only_the_chosen_and_explains_the_rest() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "Sold")]);
    let report = f.import(&["R1", "R3", "NOPE"]);
    assert_eq!(report.counts.imported, 1);
    assert_eq!(report.counts.rejected, 2);
    let why = |reel: &str| {
        report
            .items
            .iter()
            .find(|i| i.reel_number == reel)
            .unwrap()
            .reason
            .as_ref()
            .unwrap()
            .to_string()
    };
    assert!(why("R3").contains("Sold"), "{}", why("R3"));
    assert!(why("NOPE").contains("not found"), "{}", why("NOPE"));
    assert_eq!(f.engine.dashboard().unwrap().tracked, 1);
    assert_eq!(report.kind, RunKind::Import);
}

#[test]
fn refresh_updates_changed_fields_only_and_never_the_status() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "location", Some("Anbar_PAK"));
    f.wh_set("R1", "comments", Some("edge damaged"));
    let report = f.full();
    assert_eq!(report.counts.updated, 1);
    assert_eq!(report.counts.unchanged, 1);
    assert_eq!(
        f.product_value("R1", "location").as_deref(),
        Some("Anbar_PAK")
    );
    let detail = f.engine.run_detail(report.run_id.unwrap()).unwrap();
    let update = detail
        .items
        .iter()
        .find(|i| i.action == Action::Update)
        .unwrap();
    let fields: Vec<_> = update.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["comments", "location"]);
    assert_eq!(update.changes[1].old.as_deref(), Some("Anbar_Akhal"));
    assert_eq!(update.changes[1].new.as_deref(), Some("Anbar_PAK"));
}

#[test]
fn warehouse_move_is_taken_into_the_main_store() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "status", Some("Sold"));
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!(report.counts.status_in, 1);
    assert_eq!(report.counts.exported, 0);
    assert_eq!(f.office_status("R1"), "Sold");
    assert_eq!(f.base_status("R1"), "Sold");
    assert_eq!(
        bytes(&f.warehouse),
        before,
        "taking a status in writes nothing to the warehouse"
    );
    assert!(report.snapshot.is_none());
}

#[test]
fn office_sale_is_exported_with_its_date_and_its_before_image_recorded() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report = f.full();
    assert_eq!(report.counts.exported, 1);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    let written = f.wh_value("R1", "last_date");
    assert!(written.is_some());
    assert_eq!(f.wh_value("R2", "status").as_deref(), Some("In-stock"));
    assert_eq!(f.wh_value("R2", "last_date"), None);
    assert_eq!(f.base_status("R1"), "Sold");
    // What the write overwrote, and what it wrote, are kept: enough to undo it.
    let record: (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        String,
    ) = f
        .store()
        .query_row(
            "SELECT reel, status_before, last_date_before, status_after, last_date_after, state
             FROM warehouse_writes WHERE run_id = ?1",
            [report.run_id.unwrap()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        record,
        (
            "R1".into(),
            "In-stock".into(),
            None,
            "Sold".into(),
            written,
            "written".into()
        )
    );
    assert_eq!(report.snapshot, None, "no copy of the whole file is taken");
}

#[test]
fn both_sides_moving_to_the_same_status_is_only_recorded() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.wh_set("R1", "status", Some("Sold"));
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!(
        (
            report.counts.exported,
            report.counts.status_in,
            report.counts.conflicts
        ),
        (0, 0, 0)
    );
    assert_eq!(f.base_status("R1"), "Sold");
    assert_eq!(bytes(&f.warehouse), before);
    let detail = f.engine.run_detail(report.run_id.unwrap()).unwrap();
    assert_eq!(detail.items[0].action, Action::Agree);
}

#[test]
fn both_forward_the_further_ahead_wins() {
    let f = Fixture::with(&[("W", "In-stock"), ("O", "In-stock")]);
    f.import_all();
    // W: warehouse went to Delivered, office only to Sold → warehouse wins.
    f.wh_set("W", "status", Some("Delivered"));
    f.office_sets(&["W"], ReelStatus::Sold);
    // O: office went to Delivered, warehouse only to Sold → office wins.
    f.wh_set("O", "status", Some("Sold"));
    f.office_sets(&["O"], ReelStatus::Delivered);
    let report = f.full();
    assert_eq!(report.counts.status_in, 1);
    assert_eq!(report.counts.exported, 1);
    assert_eq!(f.office_status("W"), "Delivered");
    assert_eq!(f.wh_value("O", "status").as_deref(), Some("Delivered"));
    assert_eq!(
        (f.base_status("W"), f.base_status("O")),
        ("Delivered".into(), "Delivered".into())
    );
}

#[test]
fn moves_apart_are_a_conflict_and_nothing_is_written() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    // Warehouse cancels the shipment (back to stock) while the office delivers.
    f.wh_cancel("R1");
    f.office_sets(&["R1"], ReelStatus::Delivered);
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!(report.counts.conflicts, 1);
    assert_eq!(report.outcome, Outcome::Partial);
    assert_eq!(bytes(&f.warehouse), before);
    assert_eq!(f.office_status("R1"), "Delivered");
    assert_eq!(f.base_status("R1"), "Sold");
    assert_eq!(f.engine.dashboard().unwrap().conflicts, 1);
    assert!(first_reason(&report).contains("both sides moved"));
}

#[test]
fn office_cancellation_is_exported_while_the_warehouse_holds_our_value() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    f.office_sets(&["R1"], ReelStatus::InStock);
    let report = f.full();
    assert_eq!(report.counts.exported, 1);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    assert_eq!(
        f.wh_value("R1", "last_date"),
        None,
        "a cancellation clears last_date, as the warehouse app does"
    );
    assert_eq!(f.base_status("R1"), "In-stock");
}

#[test]
fn an_office_cancellation_of_a_warehouse_sold_is_a_conflict() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    // The warehouse app loads the reel on a truck; the sync takes it in.
    f.wh_set("R1", "status", Some("Sold"));
    f.full();
    assert_eq!(f.office_status("R1"), "Sold");
    let report = office_cancellation_is_refused(&f);
    assert!(first_reason(&report).contains("warehouse app set Sold itself"));
}

/// The office cancels R1; the sync must call it a conflict and write nothing.
fn office_cancellation_is_refused(f: &Fixture) -> engine::RunReport {
    f.office_sets(&["R1"], ReelStatus::InStock);
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!((report.counts.exported, report.counts.conflicts), (0, 1));
    assert_eq!(bytes(&f.warehouse), before);
    report
}

#[test]
fn a_sold_the_warehouse_app_set_again_is_not_ours_to_cancel() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    // The office sells; reelsync writes Sold.
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    // The warehouse app cancels, then loads the reel on a truck itself.
    f.wh_set("R1", "status", Some("In-stock"));
    f.full();
    f.wh_set("R1", "status", Some("Sold"));
    f.full();
    assert_eq!(f.office_status("R1"), "Sold");
    // Its Sold now is the warehouse app's, not the one reelsync wrote.
    office_cancellation_is_refused(&f);
}

#[test]
fn an_export_only_run_leaves_a_due_refresh_to_the_next_sync() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "location", Some("Anbar_PAK"));
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report = f.sync(RunScope::Export, false).unwrap();
    assert_eq!((report.counts.exported, report.counts.updated), (1, 0));
    assert_eq!(
        f.product_value("R1", "location").as_deref(),
        Some("Anbar_Akhal")
    );
    let report = f.full();
    assert_eq!(report.counts.updated, 1);
    assert_eq!(
        f.product_value("R1", "location").as_deref(),
        Some("Anbar_PAK")
    );
    assert_eq!(f.full().counts.updated, 0);
}

#[test]
fn a_refresh_that_cannot_map_is_reported_again_after_an_export() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "width", Some("wide"));
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report = f.full();
    assert_eq!((report.counts.exported, report.counts.rejected), (1, 1));
    let report = f.full();
    assert_eq!(report.counts.rejected, 1, "{:?}", report.items);
    assert!(first_reason(&report).contains("cannot be refreshed"));
}

#[test]
fn a_status_that_does_not_read_says_the_status_was_not_synced() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    // Another tool leaves a blank after the status.
    f.wh_set("R1", "status", Some("Sold "));
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!(report.counts.rejected, 1, "{:?}", report.items);
    let why = first_reason(&report);
    assert!(
        why.starts_with("status not synced") && why.contains("\"Sold \""),
        "{why}"
    );
    assert_eq!(bytes(&f.warehouse), before, "nothing written over it");
}

#[test]
fn a_mapping_change_that_changes_no_value_updates_nothing() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    // A transform that leaves every value as it is: the mappings changed, the
    // products did not.
    let upper = engine::MappingUpdate {
        transforms: Some(vec![engine::Transform::parse("upper").unwrap()]),
        ..Default::default()
    };
    f.engine
        .set_mapping(engine::ProductField::Grade, &upper, &"t".into())
        .unwrap();
    f.wh_set("R1", "grade", Some("KRAFT"));
    f.wh_set("R2", "grade", Some("LINER"));
    f.full();
    f.engine
        .set_mapping(
            engine::ProductField::Grade,
            &engine::MappingUpdate {
                transforms: Some(Vec::new()),
                ..Default::default()
            },
            &"t".into(),
        )
        .unwrap();
    let report = f.full();
    assert_eq!(report.counts.updated, 0, "{:?}", report.items);
    let again = f.full();
    assert_eq!(again.counts.updated, 0);
}

#[test]
fn a_reel_number_moved_to_another_row_takes_its_reel_along() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    // The warehouse app renames R2, then gives R1's row R2's old number. A reel is
    // its number: R2 is now on R1's old row, R1 is gone, R9 is a new reel.
    f.wh_set("R2", "reel_number", Some("R9"));
    f.wh_set("R1", "reel_number", Some("R2"));
    f.wh_set("R2", "grade", Some("Test Liner"));
    // The plan says what the run will do.
    let plan = f.sync(RunScope::Full, true).unwrap();
    let actions: Vec<(&str, Action)> = plan
        .items
        .iter()
        .map(|i| (i.reel_number.as_str(), i.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("R2", Action::Relink),
            ("R2", Action::Update),
            ("R1", Action::Missing)
        ]
    );
    let report = f.full();
    assert_eq!((report.counts.updated, report.counts.missing), (1, 1));
    assert_eq!(report.counts.importable, 1, "R9 is a new reel");
    assert_eq!(report.outcome, Outcome::Partial);
    assert!(
        reason_of(&report, "R2").contains("entered again"),
        "{:?}",
        report.items
    );
    assert_eq!(
        f.product_value("R2", "grade").as_deref(),
        Some("Test Liner")
    );
    assert_eq!(f.store_count("R9"), 0);
    // Nothing more to do, and R1 is still counted missing.
    let again = f.full();
    assert_eq!((again.counts.updated, again.counts.missing), (0, 1));
}

#[test]
fn a_run_killed_midway_is_closed_as_failed_by_the_next_one() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.store()
        .execute(
            "INSERT INTO runs (kind, trigger, who, started_at, outcome)
             VALUES ('manual', 'manual', 'ali', '2026-01-02 03:04:05+00:00', 'running')",
            [],
        )
        .unwrap();
    let report = f.import_all();
    let runs = f.engine.runs(10).unwrap();
    let interrupted = runs
        .iter()
        .find(|r| r.id != report.run_id.unwrap())
        .unwrap();
    assert_eq!(interrupted.outcome, engine::Outcome::Failed);
    assert_eq!(interrupted.error, Some(RunError::Interrupted));
}

#[test]
fn a_field_whose_mapping_is_switched_off_keeps_its_value() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.wh_set("R1", "comments", Some("edge damaged"));
    f.import_all();
    let off = engine::MappingUpdate {
        active: Some(false),
        ..Default::default()
    };
    f.engine
        .set_mapping(engine::ProductField::Comments, &off, &"t".into())
        .unwrap();
    f.wh_set("R1", "location", Some("Anbar_PAK"));
    let report = f.full();
    assert_eq!(report.counts.updated, 1);
    assert_eq!(
        f.product_value("R1", "comments").as_deref(),
        Some("edge damaged")
    );
    assert_eq!(
        f.product_value("R1", "location").as_deref(),
        Some("Anbar_PAK")
    );
    let detail = f.engine.run_detail(report.run_id.unwrap()).unwrap();
    let fields: Vec<&str> = detail.items[0]
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, ["location"]);
}

#[test]
fn a_warehouse_delivered_is_never_pushed_back() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Delivered);
    f.full();
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Delivered"));
    // The office can't ask for this any more; a store from before that rule
    // may still hold it.
    f.store()
        .execute(
            "UPDATE products SET status = 'Sold' WHERE reel_number = 'R1'",
            [],
        )
        .unwrap();
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!(report.counts.exported, 0);
    assert_eq!(report.counts.conflicts, 1);
    assert_eq!(bytes(&f.warehouse), before);
}

#[test]
fn a_second_sync_writes_nothing() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.wh_set("R2", "status", Some("Sold"));
    f.wh_set("R3", "grade", Some("Test Liner"));
    let first = f.full();
    assert_eq!(
        (
            first.counts.exported,
            first.counts.status_in,
            first.counts.updated
        ),
        (1, 1, 1)
    );
    let warehouse_before = bytes(&f.warehouse);
    let products_before = dump(&f.store(), "products");
    let links_before = dump(&f.store(), "product_mappings");
    let second = f.full();
    assert_eq!(second.counts.unchanged, 3);
    assert_eq!(
        (
            second.counts.exported,
            second.counts.status_in,
            second.counts.updated,
            second.counts.imported
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(
        bytes(&f.warehouse),
        warehouse_before,
        "no churn on last_date"
    );
    assert_eq!(dump(&f.store(), "products"), products_before);
    assert_eq!(dump(&f.store(), "product_mappings"), links_before);
    assert!(
        f.engine
            .run_detail(second.run_id.unwrap())
            .unwrap()
            .items
            .is_empty()
    );
}

#[test]
fn a_dry_run_plans_everything_and_leaves_both_files_byte_identical() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    f.import(&["R1", "R2"]);
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.wh_set("R2", "location", Some("Anbar_PAK"));
    let warehouse = bytes(&f.warehouse);
    let store = bytes(&f.store_path());
    let plan = f.sync(RunScope::Full, true).unwrap();
    assert_eq!(plan.run_id, None);
    assert_eq!(plan.kind, RunKind::DryRun);
    assert!(plan.dry_run);
    assert_eq!(
        (
            plan.counts.exported,
            plan.counts.updated,
            plan.counts.importable
        ),
        (1, 1, 1)
    );
    let export = plan
        .items
        .iter()
        .find(|i| i.action == Action::Export)
        .unwrap();
    assert_eq!(export.reel_number, "R1");
    assert_eq!(export.changes[0].old.as_deref(), Some("In-stock"));
    assert_eq!(export.changes[0].new.as_deref(), Some("Sold"));
    let update = plan
        .items
        .iter()
        .find(|i| i.action == Action::Update)
        .unwrap();
    assert_eq!(update.changes[0].field, "location");
    let import = f.sync(RunScope::Import(Selection::All), true).unwrap();
    assert_eq!(import.counts.imported, 1);
    assert_eq!(bytes(&f.warehouse), warehouse);
    assert_eq!(bytes(&f.store_path()), store);
    assert!(
        f.engine
            .runs(10)
            .unwrap()
            .iter()
            .all(|r| r.kind != RunKind::DryRun)
    );
    // And the real run then does exactly what the plan said.
    let real = f.full();
    assert_eq!(real.counts, plan.counts);
}

#[test]
fn a_locked_warehouse_fails_within_the_timeout_and_is_logged() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    let holder = f.wh();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = std::time::Instant::now();
    let err = f.sync(RunScope::Full, false).unwrap_err();
    assert!(
        matches!(err, Error::Warehouse(WarehouseError::Locked { .. })),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(err.to_string().contains("locked"), "{err}");
    let logged = &f.engine.runs(1).unwrap()[0];
    assert_eq!(logged.outcome, Outcome::Failed);
    assert!(
        logged
            .error
            .as_ref()
            .unwrap()
            .to_string()
            .contains("locked")
    );
    drop(holder);
    assert_eq!(f.full().outcome, Outcome::Succeeded);
}

#[test]
fn a_missing_column_is_a_clear_error_and_nothing_is_written() {
    let f = Fixture::new();
    // A Products table like the real one but without gsm.
    f.wh()
        .execute_batch(
            "DROP TABLE Products;
             CREATE TABLE Products (id integer PRIMARY KEY AUTOINCREMENT, date datetime NOT NULL, location varchar(255) NOT NULL,
               status varchar(50) NOT NULL, receive_date datetime NULL, last_date datetime NULL, reel_number varchar(255) NOT NULL UNIQUE,
               width integer NOT NULL, length integer NOT NULL, grade varchar(255) NOT NULL, breaks integer NOT NULL,
               comments text NULL, qr_code text NULL, profile_name varchar(255) NULL, username varchar(255) NOT NULL,
               logs text NOT NULL, shipment_id_id bigint NULL);
             INSERT INTO Products (date, location, status, reel_number, width, length, grade, breaks, username, logs)
               VALUES ('2024-01-01 10:00', 'Anbar_Akhal', 'In-stock', 'R1', 1000, 5000, 'Fluting', 0, 'ali', '-');",
        )
        .unwrap();
    let before = bytes(&f.warehouse);
    let err = f.sync(RunScope::Import(Selection::All), false).unwrap_err();
    assert!(
        matches!(&err, Error::Warehouse(WarehouseError::MissingColumns { columns, .. }) if columns == &["gsm"]),
        "{err}"
    );
    assert!(err.to_string().contains("gsm"));
    assert!(matches!(
        f.engine.check(),
        Err(Error::Warehouse(WarehouseError::MissingColumns { .. }))
    ));
    assert_eq!(bytes(&f.warehouse), before);
    assert_eq!(f.engine.dashboard().unwrap().tracked, 0);
    // Saving a mapping to a column the file lacks is refused too.
    let update = engine::MappingUpdate {
        column: Some("weight".into()),
        ..Default::default()
    };
    assert!(
        f.engine
            .set_mapping(engine::ProductField::Gsm, &update, &"t".into())
            .is_err()
    );
}

#[test]
fn a_second_run_is_told_which_run_is_going() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    let data = f.engine.data_dir().to_owned();
    let holder = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(data.join("run.lock"))
        .unwrap();
    holder.try_lock().unwrap();
    std::fs::write(
        data.join("run.lock"),
        r#"{"run_id":41,"kind":"auto","who":"scheduler","started_at":"2026-11-23T10:00:00Z","pid":1}"#,
    )
    .unwrap();
    match f.sync(RunScope::Full, false) {
        Err(Error::RunInProgress(run)) => {
            assert_eq!(run.run_id, Some(41));
            assert_eq!(run.who, "scheduler");
        }
        other => panic!("expected RunInProgress, got {other:?}"),
    }
    // A dry run reads only and may go on.
    assert!(f.sync(RunScope::Full, true).is_ok());
    drop(holder);
    assert!(f.sync(RunScope::Full, false).is_ok());
}

#[test]
fn full_sync_imports_only_when_the_policy_says_so() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    let report = f.full();
    assert_eq!((report.counts.importable, report.counts.imported), (2, 0));
    f.engine
        .update_settings(
            &engine::SettingsUpdate {
                auto_import: Some(engine::AutoImport::All),
                ..Default::default()
            },
            &"t".into(),
        )
        .unwrap();
    let report = f.full();
    assert_eq!(report.counts.imported, 2);
}

#[test]
fn auto_sync_runs_when_due_and_is_logged_as_auto() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    assert!(
        f.engine
            .auto_sync(false, "scheduler", &mut ())
            .unwrap()
            .is_none(),
        "auto-sync is off by default"
    );
    f.engine
        .update_settings(
            &engine::SettingsUpdate {
                auto_sync: Some(true),
                interval_minutes: Some(60),
                ..Default::default()
            },
            &"t".into(),
        )
        .unwrap();
    // Never ran: due as soon as it is switched on.
    let first = f
        .engine
        .auto_sync(false, "scheduler", &mut ())
        .unwrap()
        .unwrap();
    assert_eq!(first.kind, RunKind::Auto);
    // Then not again before the interval…
    assert!(
        f.engine
            .auto_sync(false, "scheduler", &mut ())
            .unwrap()
            .is_none()
    );
    // …unless forced.
    let forced = f
        .engine
        .auto_sync(true, "cli:sara", &mut ())
        .unwrap()
        .unwrap();
    assert_eq!(forced.kind, RunKind::Auto);
    let logged = &f.engine.runs(1).unwrap()[0];
    assert_eq!(
        (logged.kind, logged.who.as_str()),
        (RunKind::Auto, "cli:sara")
    );
    let settings = f.engine.settings().unwrap();
    assert_eq!(
        settings.next_run_at.unwrap() - settings.last_run_at.unwrap(),
        chrono::Duration::minutes(60)
    );
}

#[test]
fn office_status_changes_are_logged_and_report_unknown_reels() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    let reels = vec!["R1".to_string(), "R2".into(), "GHOST".into()];
    let change = f
        .engine
        .set_product_status(&reels, ReelStatus::Sold, &"office:sara".into())
        .unwrap();
    assert_eq!(change.changed, ["R1", "R2"]);
    assert_eq!(change.not_found, ["GHOST"]);
    let again = f
        .engine
        .set_product_status(&reels[..1], ReelStatus::Sold, &"office:sara".into())
        .unwrap();
    assert_eq!(again.unchanged, ["R1"]);
    let logged: i64 = f
        .store()
        .query_row("SELECT count(*) FROM activity WHERE action = 'product.set_status' AND who = 'office:sara'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(logged, 2);
}

#[test]
fn a_delivered_reel_stays_delivered_and_a_preview_changes_nothing() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    f.import_all();
    let delivered = vec!["R1".to_string()];
    f.engine
        .set_product_status(&delivered, ReelStatus::Delivered, &"office:sara".into())
        .unwrap();
    let all = vec!["R1".to_string(), "R2".into(), " R2 ".into(), "R3".into()];
    let preview = f
        .engine
        .preview_product_status(&all, ReelStatus::InStock)
        .unwrap();
    assert_eq!(preview.unchanged, ["R2", "R3"]);
    let refused = engine::RefusedReel {
        reel_number: "R1".into(),
        refusal: engine::Refusal::DeliveredStaysDelivered {
            to: ReelStatus::InStock,
        },
    };
    assert_eq!(preview.refused, [refused]);

    let sold = f
        .engine
        .set_product_status(&all, ReelStatus::Sold, &"office:sara".into())
        .unwrap();
    assert_eq!(
        sold.changed,
        ["R2", "R3"],
        "a reel named twice changes once"
    );
    assert_eq!(sold.refused.len(), 1);
    let status_of = |reel: &str| -> String {
        f.store()
            .query_row(
                "SELECT status FROM products WHERE reel_number = ?1",
                [reel],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(status_of("R1"), "Delivered");
    assert_eq!(status_of("R2"), "Sold");
    // The preview above wrote nothing: only the two real changes are logged,
    // besides the delivery.
    let logged: i64 = f
        .store()
        .query_row(
            "SELECT count(*) FROM activity WHERE action = 'product.set_status'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 3);
    let nothing = f
        .engine
        .preview_product_status(&[" ".into()], ReelStatus::Sold);
    assert!(matches!(
        nothing,
        Err(engine::Error::Refused(engine::Refusal::NoReels))
    ));
}

#[test]
fn a_reel_gone_from_the_warehouse_is_counted_missing_on_every_run() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.wh()
        .execute("DELETE FROM Products WHERE reel_number = 'R2'", [])
        .unwrap();
    for _ in 0..2 {
        let report = f.full();
        assert_eq!(report.counts.missing, 1);
        assert_eq!(report.outcome, Outcome::Partial);
        let missing: Vec<&str> = report
            .items
            .iter()
            .filter(|i| i.action == Action::Missing)
            .map(|i| i.reel_number.as_str())
            .collect();
        assert_eq!(missing, ["R2"]);
        assert_eq!(f.engine.dashboard().unwrap().missing, 1);
    }
}

/// Why `reel`'s item in a run needs attention.
fn reason_of(report: &engine::RunReport, reel: &str) -> String {
    report
        .items
        .iter()
        .find(|i| i.reel_number == reel)
        .and_then(|i| i.reason.as_ref())
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Calls its function after each warehouse page is read.
struct AfterEachPage<F>(F);

impl<F: FnMut() + Send> engine::RunObserver for AfterEachPage<F> {
    fn progress(&mut self, progress: &engine::Progress) {
        if progress.phase == engine::Phase::Reading && progress.scanned > 0 {
            (self.0)()
        }
    }
}

fn sync_with_warehouse_app(
    f: &Fixture,
    mut app: impl FnMut(&Fixture) + Send,
) -> engine::Result<engine::RunReport> {
    let request = engine::RunRequest {
        scope: RunScope::Full,
        trigger: engine::Trigger::Manual,
        who: "test".into(),
        dry_run: false,
        client: None,
    };
    // Progress comes after each page is read and before any warehouse write: the
    // moment the warehouse app may act between reelsync's read and its write.
    f.engine.sync(&request, &mut AfterEachPage(|| app(f)))
}

#[test]
fn an_export_is_compare_and_set_against_the_value_read() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report =
        sync_with_warehouse_app(&f, |f| f.wh_set("R1", "status", Some("Delivered"))).unwrap();
    assert_eq!(report.counts.exported, 0);
    assert_eq!(report.items[0].action, Action::Skip);
    assert_eq!(
        f.wh_value("R1", "status").as_deref(),
        Some("Delivered"),
        "the warehouse's newer value stands"
    );
    assert_eq!(f.base_status("R1"), "In-stock");
    // The next run sees both moved forward; the warehouse is further ahead.
    let next = f.full();
    assert_eq!(next.counts.status_in, 1);
    assert_eq!(f.office_status("R1"), "Delivered");
}

/// A refreshed reel (R2) and an office sale (R1) to export, then a sync during
/// which the warehouse app takes `lock` (`BEGIN …`) right after reelsync's read and
/// holds it until the sync returns. The sync must fail as the warehouse being locked.
fn sync_while_the_warehouse_app_locks(lock: &str) -> Fixture {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.wh_set("R2", "grade", Some("Test Liner"));
    f.office_sets(&["R1"], ReelStatus::Sold);
    let mut holder = None;
    let err = sync_with_warehouse_app(&f, |f| {
        let conn = f.wh();
        conn.execute_batch(lock).unwrap();
        holder = Some(conn);
    })
    .unwrap_err();
    assert!(
        matches!(err, Error::Warehouse(WarehouseError::Locked { .. })),
        "{err}"
    );
    f
}

#[test]
fn a_warehouse_locked_at_write_time_fails_the_run_and_loses_nothing() {
    // The warehouse app starts a write (or holds the file exclusively): reelsync's
    // write must wait, and gives up after the busy timeout.
    for lock in ["BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"] {
        warehouse_locked_at_write_time(lock);
    }
}

fn warehouse_locked_at_write_time(lock: &str) {
    let f = sync_while_the_warehouse_app_locks(lock);
    let logged = f.engine.runs(1).unwrap().remove(0);
    assert!(
        logged
            .error
            .as_ref()
            .unwrap()
            .to_string()
            .contains("locked"),
        "{:?}",
        logged.error
    );
    // Held exclusively, the file can't even be read for the forklift's copies
    // before the writes: none is planned. Otherwise the planned write is logged
    // as not made.
    let items = f.engine.run_detail(logged.id).unwrap().items;
    let r1: Vec<Action> = items
        .iter()
        .filter(|i| i.reel_number == "R1")
        .map(|i| i.action)
        .collect();
    let expected: &[Action] = if lock == "BEGIN EXCLUSIVE" {
        &[]
    } else {
        &[Action::Skip]
    };
    assert_eq!(r1, expected, "{items:?}");
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    assert_eq!(f.base_status("R1"), "In-stock");
    assert_eq!(
        f.office_status("R1"),
        "Sold",
        "the office's sale is kept for the next run"
    );
    assert_eq!(
        f.product_value("R2", "grade").as_deref(),
        Some("Test Liner"),
        "main-store work is kept"
    );
    assert_eq!(logged.outcome, Outcome::Failed);
    let next = f.full();
    assert_eq!(next.counts.exported, 1);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
}

#[test]
fn a_dry_run_on_a_new_data_directory_creates_nothing() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "Sold")]);
    let fresh = f.dir.path().join("not yet");
    let config = engine::Config::new(&fresh).with_external(&f.warehouse);
    let engine = engine::Engine::open_for_reading(config).unwrap();
    let before = bytes(&f.warehouse);
    let request = engine::RunRequest {
        scope: RunScope::Full,
        trigger: engine::Trigger::Manual,
        who: "test".into(),
        dry_run: true,
        client: None,
    };
    // Auto-import is off in a new store: a full sync would import nothing.
    let plan = engine.sync(&request, &mut ()).unwrap();
    assert_eq!(plan.counts.importable, 1);
    let import = engine::RunRequest {
        scope: RunScope::Import(Selection::All),
        ..request
    };
    assert_eq!(engine.sync(&import, &mut ()).unwrap().counts.imported, 1);
    assert_eq!(engine.dashboard().unwrap().importable, Some(1));
    assert!(!fresh.exists(), "the data directory was created");
    assert_eq!(bytes(&f.warehouse), before);
}

#[test]
fn an_export_writes_the_warehouse_apps_local_time_in_its_time_zone() {
    use chrono::{NaiveDateTime, Offset, Utc};
    // A zone that differs from the host's, whatever the host's is.
    let tehran: chrono_tz::Tz = "Asia/Tehran".parse().unwrap();
    let host_offset = chrono::Local::now().offset().fix();
    let zone = if Utc::now().with_timezone(&tehran).offset().fix() == host_offset {
        chrono_tz::Asia::Tokyo
    } else {
        tehran
    };
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    let settings = f
        .engine
        .update_settings(
            &engine::SettingsUpdate {
                warehouse_time_zone: Some(Some(zone.name().into())),
                ..Default::default()
            },
            &"test".into(),
        )
        .unwrap();
    assert_eq!(settings.warehouse_time_zone.as_deref(), Some(zone.name()));
    assert_eq!(f.engine.check().unwrap().time_zone, zone.name());
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    let written = f.wh_value("R1", "last_date").unwrap();
    let written = NaiveDateTime::parse_from_str(&written, "%Y-%m-%d %H:%M:%S").unwrap();
    let there = Utc::now().with_timezone(&zone).naive_local();
    let off_by = (there - written).num_seconds().abs();
    assert!(off_by < 120, "wrote {written}, it is {there} in {zone}");
    // An unknown zone is refused, and the stored one stays.
    let err = f
        .engine
        .update_settings(
            &engine::SettingsUpdate {
                warehouse_time_zone: Some(Some("Mars/Olympus".into())),
                ..Default::default()
            },
            &"test".into(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Refused(engine::Refusal::UnknownTimeZone { .. })),
        "{err}"
    );
    assert_eq!(
        f.engine.settings().unwrap().warehouse_time_zone.as_deref(),
        Some(zone.name())
    );
}
