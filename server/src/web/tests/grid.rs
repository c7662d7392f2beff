//! The import grid's server functions over HTTP: filters read from the address
//! (and refused clearly when they can't be), the selection kept between calls,
//! and its import.

use app::error::AppError;
use axum::http::StatusCode;
use engine::GridPage;
use rusqlite::params;

use super::{Site, app_error, text};

/// `query` percent-encoded as one form value.
fn query_arg(query: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("query={encoded}")
}

async fn grid(site: &Site, cookie: &str, query: &str) -> GridPage {
    versioned_grid(site, cookie, query).await.page
}

async fn versioned_grid(site: &Site, cookie: &str, query: &str) -> app::pages::Grid {
    let response = site.call("grid", &query_arg(query), Some(cookie)).await;
    assert!(response.status().is_success(), "{:?}", response.status());
    serde_json::from_str(&text(response).await).unwrap()
}

/// The reels of `page` that can be selected, in order.
fn selectable(page: &GridPage) -> Vec<String> {
    page.rows
        .iter()
        .filter(|r| r.problem.is_none())
        .map(|r| r.reel_number.clone())
        .collect()
}

/// Waits until no run is going (an import the grid started).
async fn until_no_run(site: &Site) {
    for _ in 0..200 {
        if site.engine.running().unwrap().is_none() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the run did not end in 4 s");
}

async fn version(site: &Site, cookie: &str) -> u64 {
    let response = site.call("grid-version", "", Some(cookie)).await;
    assert!(response.status().is_success(), "{:?}", response.status());
    text(response).await.parse().unwrap()
}

#[tokio::test]
async fn a_page_holds_as_many_rows_as_the_device_said_fit_it() {
    let site = Site::with_reels(300);
    let cookie = site.sign_in().await;
    assert_eq!(
        grid(&site, &cookie, "").await.rows.len() as u32,
        app::pages::PHONE_ROWS
    );
    let tablet = format!(
        "{cookie}; {}={}",
        app::pages::ROWS_COOKIE,
        app::pages::TABLET_ROWS
    );
    assert_eq!(
        grid(&site, &tablet, "").await.rows.len() as u32,
        app::pages::TABLET_ROWS
    );
    let greedy = format!("{cookie}; {}=1000000", app::pages::ROWS_COOKIE);
    assert_eq!(
        grid(&site, &greedy, "").await.rows.len() as u32,
        app::pages::PHONE_ROWS
    );
}

/// The warehouse app selling `reel`: another connection to the warehouse file.
fn warehouse_sells(site: &Site, reel: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(site.dir.path().join("warehouse.sqlite3")).unwrap();
    let changed = conn
        .execute(
            "UPDATE Products SET status = 'Sold' WHERE reel_number = ?1",
            params![reel],
        )
        .unwrap();
    assert_eq!(changed, 1);
    conn
}

/// The warehouse app at work: sells one reel and receives a new one.
fn warehouse_sells_and_receives(site: &Site, sold: &str) -> String {
    let conn = warehouse_sells(site, sold);
    conn.execute(
        "INSERT INTO Products (date, location, status, receive_date, reel_number, width, gsm,
                               length, grade, breaks, profile_name, username, logs)
         SELECT date, location, 'In-stock', receive_date, 'NEW-000001', width, gsm,
                length, grade, breaks, profile_name, username, logs
         FROM Products WHERE reel_number = ?1",
        params![sold],
    )
    .unwrap();
    "NEW-000001".to_owned()
}

async fn importable_on_the_dashboard(site: &Site, cookie: &str) -> Option<u64> {
    let response = site.call("dashboard", "", Some(cookie)).await;
    let data: app::pages::DashboardView = serde_json::from_str(&text(response).await).unwrap();
    data.figures.importable
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboards_count_of_importable_reels_follows_the_warehouse_and_imports() {
    let site = Site::with_reels(60);
    let cookie = site.sign_in().await;
    let in_stock = u64::from(site.demo.in_stock);
    // Counted by a scan, then remembered; then the grid's catalogue counts.
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock)
    );
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock)
    );
    let page = grid(&site, &cookie, "").await;
    let reels = selectable(&page);
    warehouse_sells(&site, &reels[0]);
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock - 1)
    );
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock - 1)
    );
    grid(&site, &cookie, "").await;
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock - 1)
    );

    let form = format!("shown[]={0}&checked[]={0}&back=/import", reels[1]);
    site.call("select", &form, Some(&cookie)).await;
    site.call("import-selected", "", Some(&cookie)).await;
    until_no_run(&site).await;
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock - 2)
    );
    warehouse_sells(&site, &reels[2]);
    assert_eq!(
        importable_on_the_dashboard(&site, &cookie).await,
        Some(in_stock - 3)
    );
}

#[tokio::test]
async fn a_sale_or_a_new_reel_in_the_warehouse_moves_the_version_and_shows_in_the_grid() {
    let site = Site::with_reels(60);
    let cookie = site.sign_in().await;
    let before = versioned_grid(&site, &cookie, "").await;
    assert_eq!(
        version(&site, &cookie).await,
        before.version,
        "nothing changed yet"
    );
    let sold = selectable(&before.page)[0].clone();
    // Ticking boxes is no change of the catalogue.
    let form = format!("shown[]={sold}&checked[]={sold}&back=/import");
    site.call("select", &form, Some(&cookie)).await;
    assert_eq!(version(&site, &cookie).await, before.version);

    let new = warehouse_sells_and_receives(&site, &sold);
    let moved = version(&site, &cookie).await;
    assert_ne!(moved, before.version, "the open grid is told to reload");
    let after = versioned_grid(&site, &cookie, "").await;
    assert_eq!(after.version, moved);
    let reels: Vec<&str> = after
        .page
        .rows
        .iter()
        .map(|r| r.reel_number.as_str())
        .collect();
    assert!(!reels.contains(&sold.as_str()), "{sold} was sold");
    assert_eq!(after.page.matching, before.page.matching);
    let found = grid(&site, &cookie, &format!("q={new}")).await;
    assert_eq!(found.matching, 1, "the new reel is offered");
    // Still chosen: the import refuses it with why, on the run's page.
    assert_eq!(after.page.selected, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grid_filters_keeps_a_selection_and_imports_it() {
    let site = Site::with_reels(300);
    let cookie = site.sign_in().await;
    let all = grid(&site, &cookie, "").await;
    assert!(all.matching > 100, "{}", all.matching);
    let width = &all.facets[0].values[0];
    let by_width = grid(
        &site,
        &cookie,
        &format!("width={}&sort=gsm&dir=desc", width.0),
    )
    .await;
    assert_eq!(
        by_width.matching, width.1,
        "the facet's count is what the filter finds"
    );

    // Two reels ticked on the first page, then the page read again.
    let shown: Vec<&str> = by_width
        .rows
        .iter()
        .map(|r| r.reel_number.as_str())
        .collect();
    let form = format!(
        "shown[]={}&shown[]={}&shown[]={}&checked[]={}&checked[]={}&back=/import",
        shown[0], shown[1], shown[2], shown[0], shown[2]
    );
    let response = site.call("select", &form, Some(&cookie)).await;
    assert_eq!(text(response).await, "2");
    let again = grid(
        &site,
        &cookie,
        &format!("width={}&sort=gsm&dir=desc", width.0),
    )
    .await;
    let ticked: Vec<bool> = again.rows.iter().take(3).map(|r| r.selected).collect();
    assert_eq!(ticked, [true, false, true]);
    assert_eq!(again.selected, 2);

    // Imported: they leave the grid, and the selection is cleared.
    let response = site.call("import-selected", "", Some(&cookie)).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    until_no_run(&site).await;
    let after = grid(&site, &cookie, "").await;
    assert_eq!(after.matching, all.matching - 2);
    assert_eq!(after.selected, 0);
    assert!(after.rows.iter().all(|r| r.reel_number != shown[0]));
}

#[tokio::test]
async fn an_unreadable_address_gets_a_clear_refusal_never_a_5xx() {
    let site = Site::with_reels(20);
    let cookie = site.sign_in().await;
    for (query, key) in [
        ("sort=colour", "sort"),
        ("width=wide", "width"),
        ("from=yesterday", "from"),
        ("id=1%3B+DROP+TABLE+products", "id"),
    ] {
        let response = site.call("grid", &query_arg(query), Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        match app_error(response).await {
            AppError::BadFilter { key: got, .. } => assert_eq!(got, key),
            other => panic!("{query}: {other:?}"),
        }
    }
    // SQL in the search box is only text to look for.
    let page = grid(&site, &cookie, "q=%27%3B+DROP+TABLE+products%3B--").await;
    assert_eq!(page.matching, 0);
    let response = site.call("import-selected", "", Some(&cookie)).await;
    assert_eq!(app_error(response).await, AppError::NothingSelected);
}

#[tokio::test]
async fn a_scan_selects_a_reel_then_takes_it_out_and_refuses_one_not_in_stock_with_why() {
    let site = Site::with_reels(60);
    let cookie = site.sign_in().await;
    let page = grid(&site, &cookie, "").await;
    let reel = selectable(&page)[0].clone();
    let scan = |code: &str| format!("code={code}&back=/import");

    let response = site
        .call("scan", &scan(&format!(" {reel} ")), Some(&cookie))
        .await;
    let scanned: app::pages::Scanned = serde_json::from_str(&text(response).await).unwrap();
    assert!(scanned.selected);
    assert_eq!(
        (scanned.reel_number.as_str(), scanned.count),
        (reel.as_str(), 1)
    );
    let response = site.call("scan", &scan(&reel), Some(&cookie)).await;
    let scanned: app::pages::Scanned = serde_json::from_str(&text(response).await).unwrap();
    assert!(!scanned.selected, "a second scan takes it out");

    let sold: String = rusqlite::Connection::open(site.dir.path().join("warehouse.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT reel_number FROM Products WHERE status = 'Sold' LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let not_in_stock = engine::Reason::NotInStock {
        status: Some(engine::ReelStatus::Sold),
    };
    for (code, reason) in [
        ("NO-SUCH-REEL", engine::Reason::NotFound),
        (sold.as_str(), not_in_stock),
    ] {
        let response = site.call("scan", &scan(code), Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            app_error(response).await,
            AppError::NotImportable {
                reel: code.to_owned(),
                reason
            }
        );
    }
}

#[tokio::test]
async fn the_preview_of_the_selection_plans_its_import_reel_by_reel_and_writes_nothing() {
    let site = Site::with_reels(60);
    let cookie = site.sign_in().await;
    let response = site.call("preview", "of=selection", Some(&cookie)).await;
    assert_eq!(app_error(response).await, AppError::NothingSelected);

    let page = grid(&site, &cookie, "").await;
    let chosen = selectable(&page);
    let form = format!(
        "shown[]={0}&shown[]={1}&checked[]={0}&checked[]={1}&back=/import",
        chosen[0], chosen[1]
    );
    site.call("select", &form, Some(&cookie)).await;
    let response = site.call("preview", "of=selection", Some(&cookie)).await;
    assert!(response.status().is_success(), "{:?}", response.status());
    let plan: app::pages::PreviewView = serde_json::from_str(&text(response).await).unwrap();
    let planned: Vec<(&str, engine::Action)> = plan
        .items
        .iter()
        .map(|logged| (logged.item.reel_number.as_str(), logged.item.action))
        .collect();
    assert_eq!(
        planned,
        [
            (chosen[0].as_str(), engine::Action::Import),
            (chosen[1].as_str(), engine::Action::Import)
        ]
    );
    assert_eq!(plan.counts.imported, 2);

    // A dry run: nothing imported, the selection still there.
    let again = grid(&site, &cookie, "").await;
    assert_eq!(again.matching, page.matching);
    assert_eq!(again.selected, 2);
}

#[tokio::test]
async fn a_filter_select_matching_cant_read_is_told_only_to_a_super_admin() {
    let site = Site::with_reels(20);
    let back = format!(
        "back={}",
        form_urlencoded::byte_serialize(b"/import?width=wide").collect::<String>()
    );
    // Without a session it is the session that is wrong (it used to be a 500).
    let response = site.call("select-matching", &back, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(response).await, AppError::Unauthorized);
    // A browser's own form post without a session goes to sign in.
    let response = site
        .post_plain_form("select-matching", &back, "http://localhost/import")
        .await;
    assert_eq!(response.headers()[axum::http::header::LOCATION], "/login");

    let cookie = site.sign_in().await;
    let response = site.call("select-matching", &back, Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    match app_error(response).await {
        AppError::BadFilter { key, .. } => assert_eq!(key, "width"),
        other => panic!("{other:?}"),
    }
}
