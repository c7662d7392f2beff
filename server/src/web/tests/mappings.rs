//! The mappings screen over HTTP: the editor and its trial rendered on the
//! server from a draft in the address, a bad step refused beside its row, and
//! the save and the reset as plain forms.

use axum::http::StatusCode;
use axum::http::header::LOCATION;
use engine::ProductField;

use super::{Site, text};

/// The saved mappings as the editor's form spells them, with `width` taken
/// from `column` through `steps` (each `op=arg`, as the command line spells
/// them).
fn form_with_width(site: &Site, column: &str, steps: &[&str]) -> String {
    let mut pairs = Vec::new();
    for (i, draft) in site.engine.mapping_drafts().unwrap().iter().enumerate() {
        pairs.push((
            format!("draft[{i}][field]"),
            draft.field.as_str().to_owned(),
        ));
        let column = match draft.field {
            ProductField::Width => column.to_owned(),
            _ => draft.column.clone(),
        };
        pairs.push((format!("draft[{i}][column]"), column));
        if draft.active {
            pairs.push((format!("draft[{i}][active]"), "true".to_owned()));
        }
        if draft.field == ProductField::Width {
            for (j, spec) in steps.iter().enumerate() {
                let step = engine::mapping::Step::from_spec(spec);
                pairs.push((format!("draft[{i}][steps][{j}][op]"), step.op));
                pairs.push((format!("draft[{i}][steps][{j}][arg]"), step.arg));
            }
        }
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn a_draft_in_the_address_is_tried_on_the_server() {
    let site = Site::with_reels(30);
    let cookie = site.sign_in().await;
    let html = text(site.get("/mappings", Some(&cookie)).await).await;
    assert!(html.contains(r#"data-testid="draft-summary""#), "{html}");
    assert!(html.contains(r#"data-field="width""#), "{html}");
    assert!(
        html.contains(r#"data-testid="draft-importable""#),
        "the saved set's first rows are shown: {html}"
    );

    // Widths read from the grade, which is never a number: every row is rejected.
    let form = form_with_width(&site, "grade", &["trim"]);
    let html = text(site.get(&format!("/mappings?{form}"), Some(&cookie)).await).await;
    assert!(html.contains(r#"data-maps="0""#), "{html}");
    assert!(html.contains(r#"data-testid="draft-rejected""#), "{html}");
    assert!(html.contains("not a whole number"), "{html}");

    // A pattern that does not compile is refused beside its row, and tried no further.
    let form = form_with_width(&site, "width", &["replace=([a-z=>x"]);
    let html = text(site.get(&format!("/mappings?{form}"), Some(&cookie)).await).await;
    assert!(html.contains(r#"data-testid="draft-refused""#), "{html}");
    assert!(html.contains(r#"data-testid="mapping-problem""#), "{html}");
    assert!(!html.contains(r#"data-testid="draft-summary""#), "{html}");
}

#[tokio::test]
async fn the_save_and_the_reset_are_plain_forms() {
    let site = Site::with_reels(5);
    let cookie = site.sign_in().await;
    let form = form_with_width(&site, "width", &["trim", "otherwise=1000"]);
    let response = site
        .post_plain_form_as(
            "save-mappings",
            &form,
            "http://localhost/mappings",
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[LOCATION], "/mappings?saved=true");
    let width = |site: &Site| {
        site.engine
            .mappings()
            .unwrap()
            .into_iter()
            .find(|m| m.field == ProductField::Width)
            .unwrap()
    };
    assert_eq!(width(&site).transforms.len(), 2);

    // A refused save changes nothing, and lands back on the draft with why.
    let bad = form_with_width(&site, "width", &["date=%H"]);
    let response = site
        .post_plain_form_as(
            "save-mappings",
            &bad,
            "http://localhost/mappings",
            Some(&cookie),
        )
        .await;
    let back = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(back.contains("__err="), "{back}");
    assert_eq!(width(&site).transforms.len(), 2);

    let response = site
        .post_plain_form_as(
            "reset-mappings",
            "",
            "http://localhost/mappings",
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(width(&site).transforms.is_empty());
}
