//! The conflicts inbox over HTTP: the list rendered on the server, the count
//! the navigation shows, a resolution's preview, and the resolution as a plain
//! form that starts a run of kind `resolve`.

use std::time::Duration;

use axum::http::StatusCode;
use axum::http::header::LOCATION;
use engine::{ReelStatus, RunKind, RunRequest, RunScope, Selection, Trigger};

use super::{Site, text};

fn run(site: &Site, scope: RunScope) {
    let request = RunRequest {
        scope,
        trigger: Trigger::Manual,
        who: "admin".into(),
        dry_run: false,
        client: None,
    };
    site.engine.sync(&request, &mut ()).unwrap();
}

/// A site with one reel in conflict: sold by the office and written, then put
/// back in stock by the warehouse app (which logs it: a row merely back at
/// reelsync's before-image would be a lost write) while the office delivered
/// it. Its number.
fn site_with_a_conflict() -> (Site, String) {
    let site = Site::with_reels(40);
    let reel = site
        .engine
        .catalogue()
        .unwrap()
        .query(
            &engine::GridQuery {
                limit: 1,
                ..Default::default()
            },
            &Default::default(),
        )
        .rows[0]
        .reel_number
        .clone();
    run(
        &site,
        RunScope::Import(Selection::Reels(vec![reel.clone()])),
    );
    let reels = [reel.clone()];
    site.engine
        .set_product_status(&reels, ReelStatus::Sold, &"office".into())
        .unwrap();
    run(&site, RunScope::Full);
    rusqlite::Connection::open(site.dir.path().join("warehouse.sqlite3"))
        .unwrap()
        .execute(
            "UPDATE Products SET status = 'In-stock', last_date = NULL,
                 logs = coalesce(logs, '') || char(10) || '2024-03-02 10:00 ali: shipment cancelled'
             WHERE reel_number = ?1",
            [&reel],
        )
        .unwrap();
    site.engine
        .set_product_status(&reels, ReelStatus::Delivered, &"office".into())
        .unwrap();
    run(&site, RunScope::Full);
    assert_eq!(site.engine.conflicts(None).unwrap().open, 1);
    (site, reel)
}

#[tokio::test]
async fn the_inbox_renders_on_the_server_and_the_nav_counts_it() {
    let (site, reel) = site_with_a_conflict();
    let cookie = site.sign_in().await;
    let page = site.get("/conflicts", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="conflicts-list""#), "{html}");
    assert!(html.contains(&format!(r#"data-reel="{reel}""#)), "{html}");
    assert!(
        html.contains("The office delivered it; the warehouse cancelled the sale."),
        "{html}"
    );
    assert!(html.contains(r#"data-testid="conflicts-count""#), "{html}");

    let count = site.call("open-conflicts", "", Some(&cookie)).await;
    assert_eq!(text(count).await, "1");

    let page = site
        .get("/conflicts?q=NOTHING-LIKE-IT", Some(&cookie))
        .await;
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="conflicts-none""#), "{html}");
}

#[tokio::test]
async fn a_resolution_is_previewed_then_made_as_a_run_of_kind_resolve() {
    let (site, reel) = site_with_a_conflict();
    let cookie = site.sign_in().await;
    let preview = site
        .call(
            "preview-resolve",
            &format!("keep=warehouse&reels[]={reel}&reels[]=GHOST&all=false"),
            Some(&cookie),
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: app::pages::ResolvePreview = serde_json::from_str(&text(preview).await).unwrap();
    assert_eq!(preview.shown.len(), 1);
    assert_eq!(preview.shown[0].warehouse, ReelStatus::InStock);
    assert_eq!(preview.counts.status_in, 1);
    assert_eq!(preview.not_open, ["GHOST"]);
    assert_eq!(
        site.engine.conflicts(None).unwrap().open,
        1,
        "a preview writes nothing"
    );

    let page = site
        .get(
            &app::routes::resolve_reel(engine::Keep::Warehouse, &reel),
            Some(&cookie),
        )
        .await;
    let html = text(page).await;
    assert!(html.contains(r#"data-testid="resolve-preview""#), "{html}");

    let response = site
        .post_plain_form_as(
            "resolve",
            &format!("keep=warehouse&shown[]=In-stock:{reel}"),
            "http://localhost/conflicts",
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let run_id: i64 = location.strip_prefix("/runs/").unwrap().parse().unwrap();
    for _ in 0..200 {
        if site.engine.conflicts(None).unwrap().open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(site.engine.conflicts(None).unwrap().open, 0);
    let detail = site.engine.run_detail(run_id).unwrap();
    assert_eq!(detail.run.kind, RunKind::Resolve);
    let page = site.engine.reel_page(&reel).unwrap();
    assert_eq!(page.office.unwrap().status, ReelStatus::InStock);

    // A form that names no side, or no reel, changes nothing.
    for bad in [
        "keep=both&shown[]=Sold:R",
        "keep=office",
        "keep=office&shown[]=R",
    ] {
        let response = site.call("resolve", bad, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
