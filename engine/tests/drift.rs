//! The drift report: every kind of difference between a tracked reel and the
//! warehouse, found read-only.

mod common;

use common::{Fixture, bytes};
use engine::{DriftKind, ReelStatus};

#[test]
fn every_kind_of_drift_is_found_once_per_reel_and_nothing_is_written() {
    let f = Fixture::new();
    f.add_many("R", 8, "In-stock");
    f.import_all();
    assert!(f.engine.drift().unwrap().agrees());
    // R1: gone. R2: entered again. R3: sold by the warehouse. R4: sold by the
    // office, not yet written. R5: its grade changed. R6: its forklift copy says
    // Sold. R7: both its status and its grade changed (one entry, the status).
    let born = |reel| f.wh_value(reel, "date");
    let was_born = born("R00002");
    let wh = f.wh();
    wh.execute("DELETE FROM Products WHERE reel_number = 'R00001'", [])
        .unwrap();
    wh.execute("DELETE FROM Products WHERE reel_number = 'R00002'", [])
        .unwrap();
    drop(wh);
    common::add_reel(&f.wh(), "R00002", "In-stock");
    f.wh_set("R00003", "status", Some("Sold"));
    f.office_sets(&["R00004"], ReelStatus::Sold);
    f.wh_set("R00005", "grade", Some("Test Liner"));
    f.wh()
        .execute(
            "UPDATE Anbar_Akhal SET status = 'Sold' WHERE reel_number = 'R00006'",
            [],
        )
        .unwrap();
    f.wh_set("R00007", "status", Some("Delivered"));
    f.wh_set("R00007", "grade", Some("Test Liner"));
    let (warehouse, store) = (bytes(&f.warehouse), bytes(&f.store_path()));
    let report = f.engine.drift().unwrap();
    let found: Vec<(&str, DriftKind, Option<&str>, Option<&str>)> = report
        .drift
        .iter()
        .map(|d| {
            (
                d.reel_number.as_str(),
                d.kind,
                d.office.as_deref(),
                d.warehouse.as_deref(),
            )
        })
        .collect();
    let reborn = born("R00002");
    let expected = [
        ("R00003", DriftKind::Status, Some("In-stock"), Some("Sold")),
        (
            "R00004",
            DriftKind::Unexported,
            Some("Sold"),
            Some("In-stock"),
        ),
        (
            "R00005",
            DriftKind::Fields,
            Some("grade=Kraft Liner"),
            Some("grade=Test Liner"),
        ),
        (
            "R00007",
            DriftKind::Status,
            Some("In-stock"),
            Some("Delivered"),
        ),
        // Entered again: its new row comes last in the file.
        (
            "R00002",
            DriftKind::Identity,
            was_born.as_deref(),
            reborn.as_deref(),
        ),
        ("R00001", DriftKind::Missing, Some("In-stock"), None),
        (
            "R00006",
            DriftKind::Copy,
            Some("In-stock"),
            Some("Anbar_Akhal: Sold"),
        ),
    ];
    assert_eq!(found, expected);
    assert_eq!(report.checked, 8);
    assert_eq!(report.counts[&DriftKind::Status], 2);
    assert_eq!(report.counts[&DriftKind::Copy], 1);
    assert_eq!(bytes(&f.warehouse), warehouse);
    assert_eq!(bytes(&f.store_path()), store);
}
