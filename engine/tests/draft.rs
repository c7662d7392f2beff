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

/// The saved mappings as a form's drafts, with `edit` made to `field`'s.
fn drafts_with(
    f: &Fixture,
    field: ProductField,
    edit: impl FnOnce(&mut engine::MappingDraft),
) -> Vec<engine::MappingDraft> {
    let mut drafts = f.engine.mapping_drafts().unwrap();
    edit(drafts.iter_mut().find(|d| d.field == field).unwrap());
    drafts
}

fn step(spec: &str) -> engine::mapping::Step {
    engine::mapping::Step::from_spec(spec)
}

#[test]
fn a_forms_draft_reads_back_as_the_mappings_it_came_from() {
    let draft = draft_with(
        ProductField::Width,
        "width",
        &[
            "trim",
            "decimal=,.",
            "replace=(\\d+)x=>$1",
            "otherwise=1000",
        ],
    );
    let drafts: Vec<_> = draft.iter().map(FieldMapping::to_draft).collect();
    let width = drafts
        .iter()
        .find(|d| d.field == ProductField::Width)
        .unwrap();
    assert_eq!(width.steps[1].op, "decimal");
    assert_eq!(width.steps[2].arg, "(\\d+)x=>$1");
    assert_eq!(engine::mapping::read_drafts(&drafts).unwrap(), draft);
}

#[test]
fn a_forms_draft_is_refused_field_by_field_with_nothing_tried() {
    let (f, _) = warehouse();
    let mut drafts = drafts_with(&f, ProductField::Width, |d| {
        d.steps = vec![step("replace=([a-z=>x"), step("")];
    });
    let gsm = drafts
        .iter_mut()
        .find(|d| d.field == ProductField::Gsm)
        .unwrap();
    gsm.steps = vec![step("date=%H:%M")];
    let engine::DraftTrial::Refused(refused) = f.engine.try_draft(&drafts).unwrap() else {
        panic!("a bad pattern and a bad date format are refused");
    };
    let fields: Vec<_> = refused.iter().map(|r| r.field).collect();
    assert_eq!(
        fields,
        [Some(ProductField::Width), Some(ProductField::Gsm)],
        "{refused:?}"
    );
    assert!(matches!(
        refused[0].refusal,
        engine::Refusal::BadPattern { .. }
    ));
    assert!(matches!(
        refused[1].refusal,
        engine::Refusal::BadDateFormat { .. }
    ));
}

#[test]
fn a_draft_that_parses_is_checked_against_the_file_per_field() {
    let (f, _) = warehouse();
    let mut drafts = drafts_with(&f, ProductField::Width, |d| {
        d.column = "breite".into();
    });
    drafts
        .iter_mut()
        .find(|d| d.field == ProductField::Status)
        .unwrap()
        .active = false;
    let engine::DraftTrial::Refused(refused) = f.engine.try_draft(&drafts).unwrap() else {
        panic!("a missing column and an unmapped status are refused");
    };
    assert_eq!(
        refused,
        [
            engine::DraftRefusal {
                field: Some(ProductField::Status),
                refusal: engine::Refusal::FieldNotMapped {
                    field: ProductField::Status
                },
            },
            engine::DraftRefusal {
                field: Some(ProductField::Width),
                refusal: engine::Refusal::NoSuchColumns {
                    columns: vec!["breite".into()]
                },
            },
        ]
    );
    assert!(
        f.engine.save_drafts(&drafts, &"ana".into()).is_err(),
        "a save refuses it too"
    );
    assert_eq!(f.engine.mappings().unwrap(), default_mappings());
}

#[test]
fn a_saved_draft_replaces_the_set_and_is_logged_before_and_after() {
    let (f, _) = warehouse();
    let drafts = drafts_with(&f, ProductField::Width, |d| {
        d.steps = vec![step("otherwise=1000"), step("")];
    });
    let engine::DraftTrial::Tried(preview) = f.engine.try_draft(&drafts).unwrap() else {
        panic!("a good draft is tried");
    };
    assert_eq!(preview.rejected, 0);
    f.engine.save_drafts(&drafts, &"ana".into()).unwrap();
    let width = f
        .engine
        .mappings()
        .unwrap()
        .into_iter()
        .find(|m| m.field == ProductField::Width)
        .unwrap();
    assert_eq!(
        width.transforms,
        [Transform::parse("otherwise=1000").unwrap()]
    );
    let (who, detail): (String, String) = f
        .store()
        .query_row(
            "SELECT who, detail FROM activity WHERE action = 'mappings.save'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(who, "ana");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["before"][1]["transforms"], serde_json::json!([]));
    assert_eq!(detail["after"][1]["transforms"][0]["op"], "otherwise");
}

#[test]
fn a_trial_reads_no_further_than_its_answer_needs() {
    // More importable rows than a trial maps in full.
    let f = Fixture::new();
    let reels = f.add_many("E", 25_000, "In-stock");
    let preview = f.engine.try_mappings(&default_mappings()).unwrap();
    assert_eq!(preview.tried, engine::TRIED_ROWS);
    assert_eq!(preview.scanned, engine::TRIED_ROWS, "nothing tracked: done");

    // A tracked reel on the last row: the trial reads on until it has it.
    let last = reels.last().unwrap();
    f.import(&[last]);
    let draft = draft_with(ProductField::Comments, "grade", &["upper"]);
    let preview = f.engine.try_mappings(&draft).unwrap();
    assert_eq!(preview.tried, engine::TRIED_ROWS);
    assert_eq!((preview.refresh, preview.scanned), (1, 25_000));
    assert_eq!(preview.changed[0].reel_number, *last);
}
