//! The products list's server functions over HTTP: tracked reels filtered by
//! both statuses, and the office's status changes as plain forms, with the
//! engine's refusals.

use axum::body::Body;
use axum::http::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION};
use axum::http::{Request, StatusCode};
use engine::{ReelStatus, RunRequest, RunScope, Selection, StatusChange, Trigger};

use super::{Site, text};

/// A site whose first `tracked` demo reels are imported; their numbers.
fn tracked_site(tracked: usize) -> (Site, Vec<String>) {
    let site = Site::with_reels(40);
    let reels: Vec<String> = site
        .engine
        .catalogue()
        .unwrap()
        .query(
            &engine::GridQuery {
                limit: tracked as u32,
                ..Default::default()
            },
            &Default::default(),
        )
        .rows
        .into_iter()
        .map(|row| row.reel_number)
        .collect();
    let request = RunRequest {
        scope: RunScope::Import(Selection::Reels(reels.clone())),
        trigger: Trigger::Manual,
        who: "admin".into(),
        dry_run: false,
        client: None,
    };
    site.engine.sync(&request, &mut ()).unwrap();
    (site, reels)
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(pairs);
    form.finish()
}

#[tokio::test]
async fn a_plain_form_sale_is_made_and_lands_on_its_outcome() {
    let (site, reels) = tracked_site(3);
    let cookie = site.sign_in().await;
    site.engine
        .set_product_status(&reels[2..], ReelStatus::Delivered, &"admin".into())
        .unwrap();

    let preview = site
        .call(
            "preview-status",
            &form(&[
                ("to", "In-stock"),
                ("reels[]", &reels[0]),
                ("reels[]", &reels[2]),
            ]),
            Some(&cookie),
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: StatusChange = serde_json::from_str(&text(preview).await).unwrap();
    assert_eq!(preview.unchanged, [reels[0].clone()]);
    assert_eq!(preview.refused[0].reel_number, reels[2]);

    let body = form(&[
        ("to", "Sold"),
        ("reels[]", &reels[0]),
        ("reels[]", &reels[1]),
        ("reels[]", &reels[2]),
        ("reels[]", "NO-SUCH-REEL"),
        ("back", "/products?warehouse=In-stock&sel=old"),
    ]);
    let request = Request::post("/api/set-status")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html")
        .header("host", "localhost")
        .header("referer", "http://localhost/products")
        .header(COOKIE, &cookie)
        .body(Body::from(body))
        .unwrap();
    let response = site.send(request).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/products?warehouse=In-stock&done=Sold&sel="),
        "the filters are kept, the old picks replaced: {location}"
    );
    assert!(!location.contains("sel=old"), "{location}");

    let sold = site
        .engine
        .preview_product_status(&reels, ReelStatus::Sold)
        .unwrap();
    assert_eq!(sold.unchanged, reels[..2]);
    assert_eq!(sold.refused.len(), 1, "the delivered reel stays delivered");

    // The outcome page, rendered on the server.
    let page = site.get(&location, Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="status-done""#), "{html}");
    assert!(html.contains("A delivered reel stays delivered"), "{html}");
}

#[tokio::test]
async fn the_list_filters_by_office_status_and_refuses_what_it_cannot_read() {
    let (site, reels) = tracked_site(3);
    let cookie = site.sign_in().await;
    site.engine
        .set_product_status(&reels[1..2], ReelStatus::Sold, &"admin".into())
        .unwrap();
    let response = site
        .call(
            "products",
            "query=status%3DSold%26sel%3DGHOST",
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: app::pages::ProductsView = serde_json::from_str(&text(response).await).unwrap();
    let listed: Vec<&str> = view
        .grid
        .page
        .rows
        .iter()
        .map(|r| r.reel_number.as_str())
        .collect();
    assert_eq!(listed, [reels[1].as_str()]);
    assert_eq!(view.picked, [("GHOST".to_owned(), None)]);

    for bad in ["query=sort%3Dcolour", "query=status%3D"] {
        let response = site.call("products", bad, Some(&cookie)).await;
        let ok = bad.ends_with("%3D");
        assert_eq!(response.status().is_success(), ok, "{bad}");
    }
    let response = site
        .call(
            "set-status",
            &form(&[
                ("to", "Lost"),
                ("reels[]", &reels[0]),
                ("back", "/products"),
            ]),
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_reels_page_is_found_by_its_number_spelled_any_way() {
    let (site, reels) = tracked_site(1);
    let cookie = site.sign_in().await;
    site.engine
        .set_product_status(&reels, ReelStatus::Sold, &"admin".into())
        .unwrap();
    let page = site.get(&app::routes::reel(&reels[0]), Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="reel-history""#), "{html}");
    assert!(html.contains("In stock → Sold"), "{html}");

    let response = site.call("reel", "reel=NO-SUCH-REEL", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let page = site.get("/products/NO-SUCH-REEL", Some(&cookie)).await;
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="error-panel""#), "{html}");
}

#[tokio::test]
async fn a_run_is_undone_from_its_page_after_its_preview() {
    let (site, reels) = tracked_site(1);
    let cookie = site.sign_in().await;
    site.engine
        .set_product_status(&reels, ReelStatus::Sold, &"admin".into())
        .unwrap();
    let request = RunRequest {
        scope: RunScope::Full,
        trigger: Trigger::Manual,
        who: "admin".into(),
        dry_run: false,
        client: None,
    };
    let export = site.engine.sync(&request, &mut ()).unwrap().run_id.unwrap();

    let page = site
        .get(&format!("{}?undo", app::routes::run(export)), Some(&cookie))
        .await;
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="undo-preview""#), "{html}");
    assert!(html.contains(r#"data-count="1""#), "{html}");

    let response = site
        .post_plain_form_as(
            "undo-run",
            &format!("id={export}"),
            "http://localhost/runs",
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/runs/"), "{location}");
    let mut status = ReelStatus::Sold;
    for _ in 0..200 {
        status = site
            .engine
            .reel_page(&reels[0])
            .unwrap()
            .office
            .unwrap()
            .status;
        if status == ReelStatus::InStock {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(status, ReelStatus::InStock, "the sale is taken back");
}
