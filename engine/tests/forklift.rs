//! The forklift's copy: the warehouse app lists loadable reels from its
//! per-warehouse `Anbar_` tables, so a sale reelsync writes to `Products` must
//! reach the reel's row there too, or the driver still sees it as loadable.

mod common;

use common::{Fixture, bytes, dump};
use engine::{Action, Outcome, ReelStatus, RunScope, SettingsUpdate};
use rusqlite::params;

/// A fixture whose reels have no forklift copies yet: each test adds its own.
fn without_copies(reels: &[(&str, &str)]) -> Fixture {
    let f = Fixture::with(reels);
    f.wh().execute("DELETE FROM Anbar_Akhal", []).unwrap();
    f
}

/// Adds the forklift's copy of `reel` to `table`, as the warehouse app does when
/// it enters a reel (or moves it: the old row says `Moved`).
fn add_copy(f: &Fixture, table: &str, reel: &str, status: &str) -> i64 {
    let conn = f.wh();
    conn.execute(
        &format!(
            "INSERT INTO \"{table}\" (status, location, date, receive_date, reel_number, width,
                 gsm, length, grade, breaks, username, logs)
             VALUES (?1, ?2, '2024-02-01 09:00:00', '2024-02-01 09:00', ?3, 1250, 127, 6400,
                 'Kraft Liner', 0, 'ali', '-')"
        ),
        params![status, table, reel],
    )
    .unwrap();
    conn.last_insert_rowid()
}

/// A copy row's status and last_date.
fn copy_row(f: &Fixture, table: &str, id: i64) -> (String, Option<String>) {
    f.wh()
        .query_row(
            &format!("SELECT status, last_date FROM \"{table}\" WHERE id = ?1"),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn an_exported_sale_reaches_the_forklifts_copy_and_a_cancellation_puts_it_back() {
    let f = without_copies(&[("R1", "In-stock"), ("R2", "In-stock")]);
    // R1 was moved from Anbar_PAK to Anbar_Akhal (its location): the old row says so.
    let old = add_copy(&f, "Anbar_PAK", "R1", "Moved");
    let copy = add_copy(&f, "Anbar_Akhal", "R1", "In-stock");
    let other = add_copy(&f, "Anbar_Akhal", "R2", "In-stock");
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report = f.full();
    assert_eq!(report.counts.exported, 1);
    let written = f.wh_value("R1", "last_date");
    assert_eq!(copy_row(&f, "Anbar_Akhal", copy), ("Sold".into(), written));
    assert_eq!(copy_row(&f, "Anbar_PAK", old).0, "Moved");
    assert_eq!(copy_row(&f, "Anbar_Akhal", other).0, "In-stock");
    // The copy's before-image is journaled with the write.
    let journal: (String, i64, String, Option<String>, i64) = f
        .store()
        .query_row(
            "SELECT copy_table, copy_id, copy_status_before, copy_last_date_before, copy_written
             FROM warehouse_writes",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        journal,
        ("Anbar_Akhal".into(), copy, "In-stock".into(), None, 1)
    );
    let detail = f.engine.run_detail(report.run_id.unwrap()).unwrap();
    assert!(
        detail.items[0]
            .changes
            .iter()
            .any(|c| c.field == "Anbar_Akhal.status" && c.new.as_deref() == Some("Sold")),
        "{:?}",
        detail.items
    );
    // The office cancels: both go back in stock.
    f.office_sets(&["R1"], ReelStatus::InStock);
    f.full();
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
    assert_eq!(copy_row(&f, "Anbar_Akhal", copy), ("In-stock".into(), None));
}

#[test]
fn a_dry_run_lists_the_copys_write_and_writes_nothing() {
    let f = without_copies(&[("R1", "In-stock")]);
    add_copy(&f, "Anbar_Akhal", "R1", "In-stock");
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    let before = bytes(&f.warehouse);
    let plan = f.sync(RunScope::Full, true).unwrap();
    let fields: Vec<&str> = plan.items[0]
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, ["status", "last_date", "Anbar_Akhal.status"]);
    assert_eq!(bytes(&f.warehouse), before);
}

#[test]
fn the_mirror_can_be_switched_off() {
    let f = without_copies(&[("R1", "In-stock")]);
    let copy = add_copy(&f, "Anbar_Akhal", "R1", "In-stock");
    f.import_all();
    let settings = f
        .engine
        .update_settings(
            &SettingsUpdate {
                mirror_anbar: Some(false),
                ..Default::default()
            },
            &"test".into(),
        )
        .unwrap();
    assert!(!settings.mirror_anbar);
    f.office_sets(&["R1"], ReelStatus::Sold);
    f.full();
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    assert_eq!(copy_row(&f, "Anbar_Akhal", copy).0, "In-stock");
}

#[test]
fn a_missing_or_differing_copy_is_noted_and_products_is_written() {
    let f = without_copies(&[("R1", "In-stock"), ("R2", "In-stock")]);
    // R1 has no copy anywhere; R2's copy says it was already delivered.
    let r2 = add_copy(&f, "Anbar_Akhal", "R2", "Delivered");
    f.import_all();
    f.office_sets(&["R1", "R2"], ReelStatus::Sold);
    let anbar = dump(&f.wh(), "Anbar_Akhal");
    let report = f.full();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(report.counts.exported, 2);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    assert_eq!(f.wh_value("R2", "status").as_deref(), Some("Sold"));
    assert_eq!(dump(&f.wh(), "Anbar_Akhal"), anbar);
    assert_eq!(copy_row(&f, "Anbar_Akhal", r2).0, "Delivered");
    let reason = |reel: &str| {
        report
            .items
            .iter()
            .find(|i| i.reel_number == reel && i.action == Action::Export)
            .and_then(|i| i.reason.as_ref())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    assert!(
        reason("R1").contains("Anbar_Akhal was not found"),
        "{:?}",
        report.items
    );
    assert!(
        reason("R2").contains("Anbar_Akhal changed"),
        "{:?}",
        report.items
    );
}

#[test]
fn a_copy_that_already_holds_the_sale_is_left_as_it_is() {
    let f = without_copies(&[("R1", "In-stock")]);
    let copy = add_copy(&f, "Anbar_Akhal", "R1", "Sold");
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    let report = f.full();
    assert_eq!(report.counts.exported, 1);
    assert!(
        report.items.is_empty(),
        "nothing to note: {:?}",
        report.items
    );
    assert_eq!(copy_row(&f, "Anbar_Akhal", copy), ("Sold".into(), None));
}
