//! A reel's page: the office's record beside the warehouse's row now and the
//! forklift's copy, and its history newest first.

mod common;

use common::Fixture;
use engine::{Action, ProductField, ReelChange, ReelStatus, RunKind};

#[test]
fn a_sold_reel_shows_both_sides_and_its_history_newest_first() {
    // A reel number with Persian digits and a quote, as a label printer may make.
    let reel = "R-۱۲۳'4";
    let f = Fixture::with(&[(reel, "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&[reel], ReelStatus::Sold);
    f.full();

    let page = f.engine.reel_page(reel).unwrap();
    assert_eq!(page.reel_number, reel);
    let office = page.office.unwrap();
    assert_eq!(
        (office.status, office.base, office.missing),
        (ReelStatus::Sold, ReelStatus::Sold, false)
    );
    let warehouse = page.warehouse.unwrap();
    let status = warehouse
        .values
        .iter()
        .find(|(f, _)| *f == ProductField::Status);
    assert_eq!(
        status,
        Some(&(ProductField::Status, Some("Sold".to_owned())))
    );
    assert!(page.warehouse_problem.is_none());

    let what: Vec<String> = page
        .history
        .iter()
        .map(|event| match &event.what {
            ReelChange::Run { kind, action, .. } => {
                format!("{} {}", kind.as_str(), action.as_str())
            }
            ReelChange::OfficeStatus { from, to } => format!("office {from} → {to}"),
            ReelChange::ConflictEnded { how, .. } => format!("conflict {}", how.as_str()),
        })
        .collect();
    assert_eq!(
        what,
        [
            format!("{} {}", RunKind::Manual.as_str(), Action::Export.as_str()),
            "office In-stock → Sold".to_owned(),
            format!("{} {}", RunKind::Import.as_str(), Action::Import.as_str()),
        ]
    );
    assert!(page.history.windows(2).all(|w| w[0].at >= w[1].at));
}

#[test]
fn a_reel_no_side_knows_is_not_found_and_a_lost_file_still_shows_the_office() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    assert!(matches!(
        f.engine.reel_page("NOPE"),
        Err(engine::Error::NotFound { .. })
    ));
    std::fs::remove_file(&f.warehouse).unwrap();
    let page = f.engine.reel_page("R1").unwrap();
    assert!(page.office.is_some());
    assert!(page.warehouse.is_none());
    assert!(matches!(
        page.warehouse_problem,
        Some(engine::WarehouseProblem::Missing { .. })
    ));
}
