//! DESIGN.md "One bad row is one rejected reel": whatever a warehouse cell holds, it
//! can reject at most its own reel, with a reason naming the column. The property
//! test in `hostile_cells.rs` covers random values in random columns; these are the
//! cases users reported, each named.

mod common;

use common::Fixture;
use engine::{Action, Outcome, ReelStatus, RunScope};

/// Writes raw SQL values (`x'..'` blobs, casts) into one cell, as another tool might.
fn poke(f: &Fixture, reel: &str, column: &str, sql_value: &str) {
    let n = f
        .wh()
        .execute(
            &format!("UPDATE Products SET {column} = {sql_value} WHERE reel_number = ?1"),
            [reel],
        )
        .unwrap();
    assert_eq!(n, 1);
}

fn reason_of(report: &engine::RunReport, reel: &str) -> String {
    report
        .items
        .iter()
        .find(|i| i.reel_number == reel)
        .and_then(|i| i.reason.as_ref().map(ToString::to_string))
        .unwrap_or_else(|| panic!("no item for {reel}: {:?}", report.items))
}

#[test]
fn a_comment_that_is_not_utf8_rejects_only_its_reel_and_says_where() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    poke(&f, "R2", "comments", "CAST(x'6f6bff' AS TEXT)");
    // Dry run, check and the dashboard all work on such a file.
    let plan = f
        .sync(RunScope::Import(engine::Selection::All), true)
        .unwrap();
    assert_eq!(plan.counts.imported, 2);
    f.engine.check().unwrap();
    assert_eq!(f.engine.dashboard().unwrap().importable, Some(3));
    let report = f.import_all();
    assert_eq!(report.outcome, Outcome::Partial);
    assert_eq!(report.counts.imported, 2);
    assert_eq!(report.counts.rejected, 1);
    let why = reason_of(&report, "R2");
    assert!(why.contains("comments") && why.contains("UTF-8"), "{why}");
    // And every later run goes on.
    let next = f.full();
    assert_eq!(next.outcome, Outcome::Succeeded);
}

#[test]
fn binary_data_in_a_text_column_is_rejected_not_imported_as_a_placeholder() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    poke(&f, "R1", "profile_name", "x'01020304'");
    let report = f.import_all();
    assert_eq!(report.counts.imported, 1);
    let why = reason_of(&report, "R1");
    assert!(
        why.contains("profile_name") && why.contains("binary"),
        "{why}"
    );
    assert_eq!(f.store_count("R1"), 0, "no product with `<4 bytes>` in it");
}

#[test]
fn a_reel_number_with_blanks_around_it_is_rejected_until_fixed_or_trimmed_on_purpose() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.add(" 1403-X ", "In-stock");
    let report = f.import_all();
    assert_eq!(report.counts.imported, 1);
    let why = reason_of(&report, "1403-X");
    assert!(
        why.contains("reel_number") && why.contains("blanks"),
        "{why}"
    );
    // Asked for by name, as the command line passes it (trimmed), it is found
    // and told why.
    let asked = f.import(&["1403-X"]);
    assert_eq!(asked.items[0].action, Action::Reject);
    // A trim transform on the reel-number mapping takes it on purpose.
    f.engine
        .set_mapping(
            engine::ProductField::ReelNumber,
            &engine::MappingUpdate {
                transforms: Some(vec![engine::Transform::Trim]),
                ..Default::default()
            },
            &"test".into(),
        )
        .unwrap();
    let trimmed = f.import(&["1403-X"]);
    assert_eq!(trimmed.counts.imported, 1, "{:?}", trimmed.items);
    assert_eq!(f.store_count("1403-X"), 1);
}

#[test]
fn persian_digits_and_integers_in_text_columns_are_taken_faithfully() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.wh_set("R1", "width", Some("۱۲۵۰"));
    f.wh_set("R1", "gsm", Some(" ١٢٧ "));
    poke(&f, "R1", "grade", "42");
    poke(&f, "R1", "comments", "'a' || char(0) || 'b'");
    let report = f.import_all();
    assert_eq!(report.outcome, Outcome::Succeeded, "{:?}", report.items);
    assert_eq!(f.product_value("R1", "width").as_deref(), Some("1250"));
    assert_eq!(f.product_value("R1", "gsm").as_deref(), Some("127"));
    assert_eq!(f.product_value("R1", "grade").as_deref(), Some("42"));
    let comment: Vec<u8> = f
        .store()
        .query_row(
            "SELECT CAST(comments AS BLOB) FROM products WHERE reel_number = 'R1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(comment, b"a\0b");
}

#[test]
fn a_tracked_reel_with_a_bad_cell_still_has_its_sale_exported() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1", "R2"], ReelStatus::Sold);
    poke(&f, "R1", "logs", "CAST(x'ff' AS TEXT)");
    poke(&f, "R2", "reel_number", "x'5232'");
    let report = f.full();
    assert_eq!(report.outcome, Outcome::Partial);
    assert_eq!(report.counts.exported, 1);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    let why = reason_of(&report, "R1");
    assert!(why.contains("logs"), "{why}");
    // R2's key can't be matched safely: nothing is written to it.
    let why = reason_of(&report, "R2");
    assert!(why.contains("reel_number"), "{why}");
    let status: String = f
        .wh()
        .query_row(
            "SELECT status FROM Products WHERE reel_number = x'5232'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "In-stock");
    // The next sync says the same and writes nothing.
    let before = common::bytes(&f.warehouse);
    let again = f.full();
    assert_eq!(again.counts.exported, 0);
    assert_eq!(common::bytes(&f.warehouse), before);
}

#[test]
fn a_huge_cell_rejects_its_reel_without_reading_it_into_memory() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    poke(&f, "R1", "comments", "zeroblob(3000000)");
    let report = f.import_all();
    assert_eq!(report.counts.imported, 1);
    let why = reason_of(&report, "R1");
    assert!(
        why.contains("comments") && why.contains("3000000 bytes"),
        "{why}"
    );
    assert!(why.len() < 200, "a short reason: {why}");
}
