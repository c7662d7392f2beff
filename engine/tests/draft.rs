//! A draft of the mappings tried on real rows before it is saved: samples of
//! what it maps, rejects and changes, found past the first page, a summary of
//! why rows are rejected, and the refresh a save would cause.

mod common;

use common::Fixture;
use engine::{FieldMapping, ProductField, Transform, mapping::default_mappings};

/// 2,500 in-stock reels (several pages), the first 5 tracked, and 3 rows near
/// the end whose width is not a number.
fn warehouse() -> (Fixture, Vec<String>) {
    let f = Fixture::new();
    let reels = f.add_many("D", 2_500, "In-stock");
    f.import(&reels[..5].iter().map(String::as_str).collect::<Vec<_>>());
    for reel in &reels[2_490..2_493] {
        f.wh_set(reel, "width", Some("wide"));
    }
    (f, reels)
}

fn draft_with(field: ProductField, column: &str, transforms: &[&str]) -> Vec<FieldMapping> {
    let mut draft = default_mappings();
    let mapping = draft.iter_mut().find(|m| m.field == field).unwrap();
    mapping.column = column.to_owned();
    mapping.transforms = transforms
        .iter()
        .map(|spec| Transform::parse(spec).unwrap())
        .collect();
    draft
}

#[test]
fn the_saved_mappings_tried_again_map_and_reject_what_an_import_would() {
    let (f, reels) = warehouse();
    let preview = f.engine.try_mappings(&default_mappings()).unwrap();
    assert_eq!(preview.scanned, 2_500);
    assert_eq!(
        (preview.tried, preview.maps, preview.rejected),
        (2_495, 2_492, 3)
    );
    assert_eq!(preview.problems.len(), 1);
    assert_eq!(
        (
            preview.problems[0].field,
            preview.problems[0].problem.as_str(),
            preview.problems[0].count
        ),
        (ProductField::Width, "not_whole_number", 3)
    );
    assert_eq!(preview.importable.len(), 20);
    assert_eq!(
        preview.importable[0].reel_number, reels[5],
        "tracked reels are not importable"
    );
    let width = preview.importable[0]
        .cells
        .iter()
        .find(|c| c.field == ProductField::Width)
        .unwrap();
    assert_eq!(
        (width.raw.as_deref(), width.mapped.as_deref()),
        (Some("1250"), Some("1250"))
    );
    // The rejected rows, found on the last page, with the raw value.
    assert_eq!(preview.rejected_rows.len(), 3);
    assert_eq!(preview.rejected_rows[0].reel_number, reels[2_490]);
    let why = preview.rejected_rows[0].rejection.as_ref().unwrap();
    assert_eq!(
        (why.field, why.column.as_str()),
        (ProductField::Width, "width")
    );
    assert_eq!(preview.refresh, 0, "the saved mappings refresh nothing");
    assert!(preview.changed.is_empty());
}

#[test]
fn a_draft_that_changes_tracked_reels_says_which_and_how_many() {
    let (f, reels) = warehouse();
    // The comments from the grade column: every tracked reel changes.
    let draft = draft_with(ProductField::Comments, "grade", &["upper"]);
    let preview = f.engine.try_mappings(&draft).unwrap();
    assert_eq!(preview.refresh, 5);
    assert_eq!(preview.changed.len(), 5);
    let first = &preview.changed[0];
    assert_eq!(first.reel_number, reels[0]);
    let comments = first
        .cells
        .iter()
        .find(|c| c.field == ProductField::Comments)
        .unwrap();
    assert_eq!(comments.before, None);
    assert_eq!(comments.mapped.as_deref(), Some("KRAFT LINER"));
    assert!(
        first.cells.iter().all(|c| c.mapped != c.before),
        "only what changes"
    );
    // A draft is only tried: nothing saved.
    assert_eq!(f.engine.mappings().unwrap(), default_mappings());
}

#[test]
fn a_draft_that_takes_the_bad_widths_maps_every_row() {
    let (f, _) = warehouse();
    let draft = draft_with(ProductField::Width, "width", &["otherwise=1000"]);
    let preview = f.engine.try_mappings(&draft).unwrap();
    assert_eq!((preview.maps, preview.rejected), (2_495, 0));
}

#[test]
fn a_draft_is_checked_as_a_save_is() {
    let (f, _) = warehouse();
    let draft = draft_with(ProductField::Width, "breite", &[]);
    let refused = f.engine.try_mappings(&draft).unwrap_err();
    assert!(
        matches!(
            refused,
            engine::Error::Refused(engine::Refusal::NoSuchColumns { .. })
        ),
        "{refused:?}"
    );
}
