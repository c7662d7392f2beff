//! A reel is its reel number: what the mill does to the warehouse file (backups
//! restored, files rebuilt or swapped, reels entered again, labels corrected or
//! swapped) never moves a sale onto the wrong reel or loses one.

mod common;

use common::{Fixture, add_reel, bytes, dump};
use engine::{Action, Error, Outcome, ReelStatus, RunScope, WarehouseError, WarehouseProblem};
use rusqlite::Connection;

/// Which reel numbers the warehouse holds with status `status`.
fn wh_with_status(f: &Fixture, status: &str) -> Vec<String> {
    f.wh()
        .prepare("SELECT reel_number FROM Products WHERE status = ?1 ORDER BY reel_number")
        .unwrap()
        .query_map([status], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The actions of a run's items, by reel.
fn actions(report: &engine::RunReport) -> Vec<(String, Action)> {
    report
        .items
        .iter()
        .map(|i| (i.reel_number.clone(), i.action))
        .collect()
}

fn reason_of(report: &engine::RunReport, reel: &str, action: Action) -> String {
    report
        .items
        .iter()
        .find(|i| i.reel_number == reel && i.action == action)
        .and_then(|i| i.reason.as_ref())
        .map(ToString::to_string)
        .unwrap_or_else(|| panic!("no {action:?} item for {reel}: {:?}", report.items))
}

/// Swaps two rows' reel numbers, as the warehouse app's admin does to fix two
/// labels printed the wrong way round.
fn swap_numbers(f: &Fixture, a: &str, b: &str) {
    let conn = f.wh();
    conn.execute_batch(&format!(
        "UPDATE Products SET reel_number = 'swap-tmp' WHERE reel_number = '{a}';
         UPDATE Products SET reel_number = '{a}' WHERE reel_number = '{b}';
         UPDATE Products SET reel_number = '{b}' WHERE reel_number = 'swap-tmp';"
    ))
    .unwrap();
}

/// A second sync has nothing to write.
fn second_sync_writes_nothing(f: &Fixture) {
    let before = bytes(&f.warehouse);
    let again = f.full();
    assert_eq!(
        (
            again.counts.exported,
            again.counts.rewritten,
            again.counts.status_in
        ),
        (0, 0, 0),
        "{:?}",
        again.items
    );
    assert_eq!(bytes(&f.warehouse), before, "the second sync wrote");
}

#[test]
fn a_pending_sale_lands_on_its_reel_after_two_labels_are_swapped() {
    let f = Fixture::with(&[("A", "In-stock"), ("B", "In-stock")]);
    f.import_all();
    f.office_sets(&["A"], ReelStatus::Sold);
    swap_numbers(&f, "A", "B");
    let report = f.full();
    assert_eq!(report.counts.exported, 1, "{:?}", report.items);
    assert_eq!(wh_with_status(&f, "Sold"), ["A"]);
    assert_eq!(wh_with_status(&f, "In-stock"), ["B"]);
    assert_eq!(f.office_status("A"), "Sold");
    assert_eq!(f.office_status("B"), "In-stock");
    // Both reels moved rows, and say so.
    assert!(reason_of(&report, "A", Action::Relink).contains("entered again"));
    second_sync_writes_nothing(&f);
    // A is never offered again: it can't be sold twice.
    assert!(f.engine.importable(0, 100).unwrap().is_empty());
    let again = f.import(&["A"]);
    assert_eq!(again.counts.imported, 0);
}

#[test]
fn an_exported_sale_follows_its_reel_when_two_labels_are_swapped() {
    let f = Fixture::with(&[("A", "In-stock"), ("B", "In-stock")]);
    f.import_all();
    f.office_sets(&["A"], ReelStatus::Sold);
    f.full();
    assert_eq!(wh_with_status(&f, "Sold"), ["A"]);
    // The admin swaps the labels: the row reelsync wrote Sold to now says B.
    swap_numbers(&f, "A", "B");
    assert_eq!(wh_with_status(&f, "Sold"), ["B"]);
    let report = f.full();
    // A's sale is written on the row that says A, and B gets back its own status.
    assert_eq!(wh_with_status(&f, "Sold"), ["A"], "{:?}", report.items);
    assert_eq!(wh_with_status(&f, "In-stock"), ["B"]);
    assert_eq!(f.office_status("A"), "Sold");
    assert_eq!(f.office_status("B"), "In-stock", "B was never sold");
    assert!(
        reason_of(&report, "B", Action::Export).contains("wrote for A"),
        "{:?}",
        report.items
    );
    second_sync_writes_nothing(&f);
}

/// Rebuilds the warehouse file as a dump and reload would: the same rows, with
/// new ids (here in reverse order), put in place of the old file.
fn rebuild_with_new_ids(f: &Fixture) {
    let rebuilt = f.dir.path().join("rebuilt.sqlite3");
    let conn = Connection::open(&rebuilt).unwrap();
    conn.execute_batch(common::SCHEMA).unwrap();
    conn.execute("ATTACH ?1 AS old", [f.warehouse.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(
        "UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'Products';
         INSERT INTO sqlite_sequence (name, seq) SELECT 'Products', 1000
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'Products');
         INSERT INTO Products (date, location, status, receive_date, last_date, reel_number,
                 width, gsm, length, grade, breaks, comments, qr_code, profile_name, username,
                 logs, shipment_id_id)
             SELECT date, location, status, receive_date, last_date, reel_number, width, gsm,
                 length, grade, breaks, comments, qr_code, profile_name, username, logs,
                 shipment_id_id
             FROM old.Products ORDER BY id DESC;
         INSERT INTO Anbar_Akhal SELECT * FROM old.Anbar_Akhal;",
    )
    .unwrap();
    conn.execute("DETACH old", []).unwrap();
    drop(conn);
    std::fs::rename(&rebuilt, &f.warehouse).unwrap();
}

#[test]
fn a_rebuilt_file_with_new_ids_syncs_as_the_old_one_would() {
    let f = Fixture::new();
    let reels = f.add_many("R", 300, "In-stock");
    f.add_many("S", 40, "Sold");
    f.import_all();
    let sold: Vec<&str> = reels.iter().step_by(2).map(String::as_str).collect();
    f.office_sets(&sold, ReelStatus::Sold);
    // The warehouse app moves one reel it keeps.
    f.wh_set("R00003", "location", Some("Anbar_PAK"));
    let old_ids: Vec<i64> = f
        .wh()
        .prepare("SELECT id FROM Products ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rebuild_with_new_ids(&f);
    let new_min: i64 = f
        .wh()
        .query_row("SELECT min(id) FROM Products", [], |r| r.get(0))
        .unwrap();
    assert!(new_min > *old_ids.last().unwrap(), "every id is new");
    let report = f.full();
    assert_eq!(report.outcome, Outcome::Succeeded, "{:?}", report.items);
    assert_eq!(report.counts.exported, sold.len() as u64);
    assert_eq!((report.counts.updated, report.counts.missing), (1, 0));
    assert_eq!(report.counts.status_in, 0);
    // New ids alone are nothing to tell: the log holds the sales and the refresh.
    assert!(report.items.is_empty(), "{:?}", report.items);
    let logged = f.engine.run_detail(report.run_id.unwrap()).unwrap().items;
    assert_eq!(logged.len(), sold.len() + 1);
    assert!(
        logged
            .iter()
            .all(|i| matches!(i.action, Action::Export | Action::Update)),
        "{logged:?}"
    );
    let mut expected: Vec<String> = sold.iter().map(|s| s.to_string()).collect();
    expected.extend((1..=40).map(|i| format!("S{i:05}")));
    expected.sort();
    assert_eq!(wh_with_status(&f, "Sold"), expected);
    assert_eq!(
        f.product_value("R00003", "location").as_deref(),
        Some("Anbar_PAK")
    );
    second_sync_writes_nothing(&f);
}

#[test]
fn a_reel_entered_again_is_linked_again_both_ways() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    f.import_all();
    f.office_sets(&["R2"], ReelStatus::Sold);
    // A misprinted label: the warehouse app deletes the reel…
    f.wh()
        .execute("DELETE FROM Products WHERE reel_number = 'R2'", [])
        .unwrap();
    let gone = f.full();
    assert_eq!(gone.counts.missing, 1);
    assert_eq!(gone.outcome, Outcome::Partial);
    assert_eq!(f.engine.dashboard().unwrap().missing, 1);
    // …and enters it again: a new row, a new id, a new creation time.
    add_reel(&f.wh(), "R2", "In-stock");
    let back = f.full();
    assert_eq!(back.outcome, Outcome::Succeeded, "{:?}", back.items);
    assert_eq!((back.counts.missing, back.counts.exported), (0, 1));
    assert!(reason_of(&back, "R2", Action::Relink).contains("entered again"));
    assert_eq!(f.wh_value("R2", "status").as_deref(), Some("Sold"));
    assert_eq!(f.engine.dashboard().unwrap().missing, 0);
    // The warehouse delivers it: the office hears of it, and can't sell it again.
    f.wh_set("R2", "status", Some("Delivered"));
    let delivered = f.full();
    assert_eq!(delivered.counts.status_in, 1);
    assert_eq!(f.office_status("R2"), "Delivered");
    let again = f.import(&["R2"]);
    assert_eq!(again.counts.imported, 0);
    assert!(common::first_reason(&again).contains("already imported"));
}

#[test]
fn a_restored_backup_gets_reelsyncs_lost_writes_written_again() {
    let f = Fixture::new();
    let reels = f.add_many("R", 30, "In-stock");
    f.import_all();
    // The cron job's copy, taken before the sale was written.
    let backup = f.dir.path().join("backup.sqlite3");
    std::fs::copy(&f.warehouse, &backup).unwrap();
    let sold: Vec<&str> = reels[..10].iter().map(String::as_str).collect();
    f.office_sets(&sold, ReelStatus::Sold);
    let export = f.full();
    assert_eq!(export.counts.exported, 10);
    // Something goes wrong; staff restore the copy.
    std::fs::copy(&backup, &f.warehouse).unwrap();
    assert!(wh_with_status(&f, "Sold").is_empty());
    // One of the reels the warehouse app itself then cancels (it appends to the
    // reel's logs): that is a decision, taken in as one.
    f.wh_set("R00001", "status", Some("Sold"));
    f.wh_cancel("R00001");
    let report = f.full();
    assert_eq!(report.counts.rewritten, 9, "{:?}", report.items);
    assert_eq!(report.counts.status_in, 1);
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert!(reason_of(&report, "R00002", Action::Rewritten).contains("lost run"));
    assert_eq!(wh_with_status(&f, "Sold"), &reels[1..10]);
    assert_eq!(f.office_status("R00001"), "In-stock");
    second_sync_writes_nothing(&f);
}

#[test]
fn a_dry_run_lists_lost_writes_it_would_write_again() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    let backup = f.dir.path().join("backup.sqlite3");
    std::fs::copy(&f.warehouse, &backup).unwrap();
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    std::fs::copy(&backup, &f.warehouse).unwrap();
    let before = bytes(&f.warehouse);
    let plan = f.sync(RunScope::Full, true).unwrap();
    assert_eq!(plan.counts.rewritten, 1);
    assert_eq!(actions(&plan), [("R1".to_owned(), Action::Rewritten)]);
    assert_eq!(bytes(&f.warehouse), before);
}

/// Another warehouse's file, as a wrong copy put at the path: its own reels,
/// created at other times, some numbers the same.
fn another_warehouse(f: &Fixture) {
    let other = f.dir.path().join("other.sqlite3");
    let conn = Connection::open(&other).unwrap();
    conn.execute_batch(common::SCHEMA).unwrap();
    for i in 1..=30 {
        add_reel(&conn, &format!("R{i:05}"), "In-stock");
    }
    drop(conn);
    std::fs::rename(&other, &f.warehouse).unwrap();
}

#[test]
fn another_warehouses_file_is_refused_until_accepted() {
    let f = Fixture::new();
    let reels = f.add_many("R", 20, "In-stock");
    f.add_many("Q", 20, "In-stock");
    f.import_all();
    let sold: Vec<&str> = reels[..5].iter().map(String::as_str).collect();
    f.office_sets(&sold, ReelStatus::Sold);
    f.full();
    f.engine
        .update_settings(
            &engine::SettingsUpdate {
                auto_sync: Some(true),
                ..Default::default()
            },
            &"test".into(),
        )
        .unwrap();
    another_warehouse(&f);
    let file = dump(&f.wh(), "Products");
    let store_products = dump(&f.store(), "products");
    let err = f.full_err();
    let Error::Warehouse(WarehouseError::NotTheSame {
        problem:
            WarehouseProblem::NotTheSame {
                checked,
                missing,
                reborn,
                ..
            },
    }) = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*checked, 40);
    assert_eq!((*missing, *reborn), (20, 20), "{err}");
    assert!(
        err.to_string().contains("reelsync accept-warehouse"),
        "{err}"
    );
    // Nothing written on either side, and the run is logged as failed.
    assert_eq!(dump(&f.wh(), "Products"), file);
    assert_eq!(dump(&f.store(), "products"), store_products);
    assert_eq!(f.engine.runs(1).unwrap()[0].outcome, Outcome::Failed);
    // Held: every later run is refused, the schedule waits, the dashboard says so.
    assert!(matches!(
        f.full_err(),
        Error::Warehouse(WarehouseError::NotTheSame { .. })
    ));
    assert!(
        f.engine
            .auto_sync(false, "scheduler", &mut ())
            .unwrap()
            .is_none()
    );
    assert!(f.engine.dashboard().unwrap().warehouse_hold.is_some());
    // The admin says it is the right file: the next run takes it as it is.
    let lifted = f.engine.accept_warehouse(&"admin".into()).unwrap();
    assert!(lifted.is_some());
    assert!(f.engine.dashboard().unwrap().warehouse_hold.is_none());
    let report = f.full();
    assert_eq!(
        report.counts.missing, 20,
        "the Q reels are not in this file"
    );
    assert_eq!(f.engine.dashboard().unwrap().warehouse_hold, None);
}

#[test]
fn a_mapped_column_retyped_holds_the_schedule_with_its_name() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.full();
    // The same reels, the gsm column now declared as text.
    let retyped = f.dir.path().join("retyped.sqlite3");
    let conn = Connection::open(&retyped).unwrap();
    conn.execute_batch(
        &common::SCHEMA.replace("\"gsm\" integer NOT NULL", "\"gsm\" text NOT NULL"),
    )
    .unwrap();
    conn.execute("ATTACH ?1 AS old", [f.warehouse.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(
        "INSERT INTO Products SELECT * FROM old.Products;
         INSERT INTO Anbar_Akhal SELECT * FROM old.Anbar_Akhal; DETACH old;",
    )
    .unwrap();
    drop(conn);
    std::fs::rename(&retyped, &f.warehouse).unwrap();
    let err = f.full_err().to_string().to_lowercase();
    assert!(err.contains("column gsm is text (was integer)"), "{err}");
    assert!(f.engine.dashboard().unwrap().warehouse_hold.is_some());
}

#[test]
fn a_mapped_column_gone_holds_the_schedule_with_its_name() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.full();
    f.wh()
        .execute_batch("ALTER TABLE Products DROP COLUMN comments")
        .unwrap();
    let err = f.full_err().to_string();
    assert!(err.contains("column comments is gone"), "{err}");
    let held = f.engine.dashboard().unwrap().warehouse_hold;
    assert!(held.is_some());
}

#[test]
fn a_corrected_label_on_the_same_row_is_followed() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    // A typo fixed in place: same row, same creation time, a new number.
    f.wh_set("R1", "reel_number", Some("R1-A"));
    let report = f.full();
    assert_eq!(report.counts.missing, 0, "{:?}", report.items);
    assert!(reason_of(&report, "R1", Action::Relink).contains("corrected to R1-A"));
    assert_eq!(f.store_count("R1"), 0);
    assert_eq!(f.office_status("R1-A"), "Sold");
    assert_eq!(f.wh_value("R1-A", "status").as_deref(), Some("Sold"));
    assert_eq!(report.counts.importable, 0, "R1-A is not a new reel");
    second_sync_writes_nothing(&f);
}

#[test]
fn a_corrected_label_is_followed_on_a_row_two_links_point_at() {
    let f = Fixture::with(&[("B", "In-stock"), ("A", "In-stock")]);
    f.import_all();
    // A is gone from the file; then a rebuild puts B on A's old row id. A's
    // link, missing, still points there; so does B's.
    f.wh()
        .execute("DELETE FROM Products WHERE reel_number = 'A'", [])
        .unwrap();
    assert_eq!(f.full().counts.missing, 1);
    let a_row: i64 = f
        .store()
        .query_row(
            "SELECT external_id FROM product_mappings m JOIN products p ON p.id = m.product_id
             WHERE p.reel_number = 'A'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    f.wh()
        .execute(
            "UPDATE Products SET id = ?1 WHERE reel_number = 'B'",
            [a_row],
        )
        .unwrap();
    assert_eq!(f.full().counts.missing, 1);
    let pointing: i64 = f
        .store()
        .query_row(
            "SELECT count(*) FROM product_mappings WHERE external_id = ?1",
            [a_row],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pointing, 2);

    f.office_sets(&["B"], ReelStatus::Sold);
    f.wh_set("B", "reel_number", Some("B-fixed"));
    let report = f.full();
    assert!(reason_of(&report, "B", Action::Relink).contains("corrected to B-fixed"));
    assert_eq!(f.office_status("B-fixed"), "Sold");
    assert_eq!(f.wh_value("B-fixed", "status").as_deref(), Some("Sold"));
    assert_eq!(report.counts.missing, 1, "only A: {:?}", report.items);
    second_sync_writes_nothing(&f);
}

#[test]
fn a_renamed_row_that_cant_be_told_the_same_reel_is_a_conflict() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    // A link from before creation times were kept: nothing to compare.
    f.store_rw()
        .execute("UPDATE product_mappings SET born = NULL", [])
        .unwrap();
    f.wh_set("R1", "reel_number", Some("R1-A"));
    let before = bytes(&f.warehouse);
    let report = f.full();
    assert_eq!(report.counts.conflicts, 1, "{:?}", report.items);
    assert!(reason_of(&report, "R1", Action::Conflict).contains("now reads R1-A"));
    assert_eq!(report.counts.importable, 0, "R1-A is not offered meanwhile");
    assert_eq!(
        bytes(&f.warehouse),
        before,
        "nothing written to either number"
    );
    assert_eq!(f.engine.dashboard().unwrap().conflicts, 1);
}

#[test]
fn after_a_swap_both_sales_land_on_their_own_reels_and_forklift_copies() {
    let f = Fixture::with(&[("A", "In-stock"), ("B", "In-stock")]);
    f.import_all();
    f.office_sets(&["A"], ReelStatus::Sold);
    f.full();
    // B is sold too, then the labels are swapped: A's written Sold is on B's row.
    f.office_sets(&["B"], ReelStatus::Sold);
    swap_numbers(&f, "A", "B");
    let report = f.full();
    assert_eq!(
        wh_with_status(&f, "Sold"),
        ["A", "B"],
        "{:?} {:?}",
        dump(&f.wh(), "Products"),
        dump(&f.wh(), "Anbar_Akhal")
    );
    let loadable: Vec<String> = f
        .wh()
        .prepare("SELECT reel_number FROM Anbar_Akhal WHERE status = 'In-stock'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(loadable.is_empty(), "{loadable:?} {:?}", report.items);
    second_sync_writes_nothing(&f);
}

#[test]
fn reels_a_full_sync_imports_are_not_missing_at_its_end() {
    let f = Fixture::new();
    f.add_many("R", 2_500, "In-stock");
    f.engine
        .update_settings(
            &engine::SettingsUpdate {
                auto_import: Some(engine::AutoImport::All),
                ..Default::default()
            },
            &"test".into(),
        )
        .unwrap();
    let report = f.full();
    assert_eq!(report.counts.imported, 2_500);
    assert_eq!(report.counts.missing, 0);
    assert_eq!(
        report.outcome,
        Outcome::Succeeded,
        "{:?}",
        &report.items[..3.min(report.items.len())]
    );
}

#[test]
fn a_warehouse_without_creation_times_syncs_by_number() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    let off = engine::MappingUpdate {
        active: Some(false),
        ..Default::default()
    };
    f.engine
        .set_mapping(engine::ProductField::Date, &off, &"t".into())
        .unwrap();
    // The same reels in a Products table without the `date` column.
    let other = f.dir.path().join("no-date.sqlite3");
    let conn = Connection::open(&other).unwrap();
    conn.execute_batch(&common::SCHEMA.replace(
        "\"date\" datetime NOT NULL, \"location\" varchar(255) NOT NULL, \"status\"",
        "\"location\" varchar(255) NOT NULL, \"status\"",
    ))
    .unwrap();
    conn.execute("ATTACH ?1 AS old", [f.warehouse.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(
        "INSERT INTO Products (location, status, receive_date, last_date, reel_number, width,
                 gsm, length, grade, breaks, username, logs)
             SELECT location, status, receive_date, last_date, reel_number, width, gsm, length,
                 grade, breaks, username, logs FROM old.Products;
         INSERT INTO Anbar_Akhal SELECT * FROM old.Anbar_Akhal; DETACH old;",
    )
    .unwrap();
    drop(conn);
    std::fs::rename(&other, &f.warehouse).unwrap();
    f.import_all();
    f.office_sets(&["R2"], ReelStatus::Sold);
    for _ in 0..2 {
        let report = f.full();
        assert_eq!(report.outcome, Outcome::Succeeded, "{:?}", report.items);
    }
    assert_eq!(wh_with_status(&f, "Sold"), ["R2"]);
    assert!(f.engine.drift().unwrap().agrees());
}

/// Asks its run to stop once the warehouse has been read, before any write.
struct StopBeforeWriting {
    read: bool,
}

impl engine::RunObserver for StopBeforeWriting {
    fn progress(&mut self, progress: &engine::Progress) {
        self.read |= progress.phase == engine::Phase::Reading && progress.scanned > 0;
    }

    fn should_stop(&mut self) -> bool {
        self.read
    }
}

#[test]
fn a_swap_found_by_a_run_that_writes_nothing_still_leaves_each_reel_its_own_status() {
    let f = Fixture::with(&[("A", "In-stock"), ("B", "In-stock")]);
    f.import_all();
    f.office_sets(&["A"], ReelStatus::Sold);
    f.full();
    swap_numbers(&f, "A", "B");
    // The run that finds the swap is stopped before its writes: it relinks both
    // reels, and writes neither A's sale nor B's own status.
    let stopped = f
        .sync_observed(
            RunScope::Full,
            false,
            &mut StopBeforeWriting { read: false },
        )
        .unwrap();
    assert_eq!(stopped.outcome, Outcome::Cancelled);
    assert_eq!(wh_with_status(&f, "Sold"), ["B"], "nothing written yet");
    // The next run puts each reel's own status on its row, and B was never sold.
    let report = f.full();
    assert_eq!(wh_with_status(&f, "Sold"), ["A"], "{:?}", report.items);
    assert_eq!(f.office_status("A"), "Sold");
    assert_eq!(f.office_status("B"), "In-stock");
    second_sync_writes_nothing(&f);
}

#[test]
fn an_old_row_restored_after_its_reel_was_entered_again_keeps_the_offices_cancellation() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    let backup = f.dir.path().join("backup.sqlite3");
    std::fs::copy(&f.warehouse, &backup).unwrap();
    // R1 is entered again; its sale is written to the new row, then cancelled.
    f.wh()
        .execute("DELETE FROM Products WHERE reel_number = 'R1'", [])
        .unwrap();
    add_reel(&f.wh(), "R1", "In-stock");
    f.full();
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    f.office_sets(&["R1"], ReelStatus::InStock);
    f.full();
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    // The copy with R1's old row, Sold as reelsync wrote it, is restored.
    std::fs::copy(&backup, &f.warehouse).unwrap();
    let report = f.full();
    assert_eq!(f.office_status("R1"), "In-stock", "{:?}", report.items);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    second_sync_writes_nothing(&f);
}

#[test]
fn a_reel_under_a_corrected_label_is_not_imported_again() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.wh_set("R1", "reel_number", Some("R1-A"));
    // Asked for by its new number before any sync has followed the label.
    let asked = f.import(&["R1-A"]);
    assert_eq!(asked.counts.imported, 0);
    assert!(
        common::first_reason(&asked).contains("already imported"),
        "{:?}",
        asked.items
    );
    assert_eq!(f.import_all().counts.imported, 0);
    assert!(f.engine.importable(0, 100).unwrap().is_empty());
    assert_eq!(f.store_count("R1-A"), 0);
}

/// Swaps another file in at the warehouse path once the run has read the
/// warehouse and is about to write to it, as a copy pulled over SFTP and renamed
/// into place would.
struct SwapBeforeWrites {
    path: std::path::PathBuf,
    other: std::path::PathBuf,
    swapped: bool,
}

impl engine::RunObserver for SwapBeforeWrites {
    fn progress(&mut self, progress: &engine::Progress) {
        if progress.phase == engine::Phase::Snapshot && !self.swapped {
            std::fs::rename(&self.other, &self.path).unwrap();
            self.swapped = true;
        }
    }
}

#[test]
fn a_file_swapped_in_between_the_reads_and_the_writes_gets_no_write() {
    let f = Fixture::with(&[("A", "In-stock"), ("B", "In-stock")]);
    f.import_all();
    // The copy to come: the same warehouse, its rows created at other times (a
    // rebuilt file); its A has never been checked by the run that writes.
    let other = f.dir.path().join("pulled.sqlite3");
    std::fs::copy(&f.warehouse, &other).unwrap();
    Connection::open(&other)
        .unwrap()
        .execute("UPDATE Products SET date = '2001-01-01 00:00:00'", [])
        .unwrap();
    f.office_sets(&["A"], ReelStatus::Sold);

    let mut swap = SwapBeforeWrites {
        path: f.warehouse.clone(),
        other: other.clone(),
        swapped: false,
    };
    let err = f
        .sync_observed(RunScope::Full, false, &mut swap)
        .unwrap_err();
    assert!(swap.swapped);
    assert!(
        matches!(err, Error::Warehouse(WarehouseError::Replaced { .. })),
        "{err}"
    );
    // Logged as failed, saying why, in words the web and the CLI share.
    let logged = f.engine.runs(1).unwrap().remove(0);
    assert_eq!(logged.outcome, Outcome::Failed);
    assert_eq!(
        logged.error,
        Some(engine::RunError::WritesFailed {
            problem: WarehouseProblem::Replaced {
                file: "ism.sqlite3".into()
            }
        })
    );
    // Nothing reached the new file, and the sale is still the office's to write.
    assert_eq!(f.wh_value("A", "status").as_deref(), Some("In-stock"));
    assert_eq!(f.office_status("A"), "Sold");
    let written: i64 = f
        .store()
        .query_row(
            "SELECT count(*) FROM warehouse_writes WHERE state = 'written'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(written, 0);
}
