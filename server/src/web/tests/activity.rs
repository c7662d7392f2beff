//! The activity log over HTTP: the page rendered on the server with its
//! filters, a filter that can't be read refused, and the CSV download with
//! its byte-order mark, the page's filter, the mill's times and its own entry.

use super::{Site, text};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

#[tokio::test]
async fn the_log_renders_filtered_on_the_server() {
    let site = Site::with_reels(10);
    site.engine.reset_mappings(&"ana".into()).unwrap();
    site.engine.reset_mappings(&"bahram".into()).unwrap();
    let cookie = site.sign_in().await;

    let html = text(site.get("/activity?who=ana", Some(&cookie)).await).await;
    assert!(html.contains(r#"data-testid="activity-list""#), "{html}");
    assert_eq!(
        html.matches(r#"data-testid="activity-entry""#).count(),
        1,
        "{html}"
    );
    assert!(html.contains("Mappings reset"), "{html}");
    assert!(
        html.contains(r#"href="/api/activity.csv?who=ana""#),
        "the download takes the page's filter: {html}"
    );

    let html = text(site.get("/activity?who=nobody", Some(&cookie)).await).await;
    assert!(html.contains(r#"data-testid="activity-none""#), "{html}");

    // The page's call with no filter set, as the wasm sends it.
    let unfiltered = site.call("activity", "", Some(&cookie)).await;
    assert_eq!(unfiltered.status(), StatusCode::OK);

    let refused = site
        .call("activity", "form[from]=yesterday", Some(&cookie))
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_download_is_the_filtered_log_as_csv_and_is_logged() {
    let site = Site::with_reels(10);
    site.engine.reset_mappings(&"ana".into()).unwrap();
    site.engine
        .update_settings(&engine::SettingsUpdate::default(), &"ana".into())
        .unwrap();
    let cookie = site.sign_in().await;

    let response = site
        .get("/api/activity.csv?what=mappings.reset", Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        response.headers()[CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = text(response).await;
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark first");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "id,at,who,action,target,subject,outcome,detail,client,browser"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(",ana,mappings.reset,mappings,"), "{csv}");

    // The download is in the log, with who took it.
    let exported = site
        .engine
        .activity(
            &engine::ActivityFilter {
                action: Some("activity.export".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
    assert_eq!(exported.entries.len(), 1);
    assert_eq!(exported.entries[0].who, "admin");

    // Compressed, as a browser asks for it, the stream ends as cleanly.
    let request = axum::http::Request::get("/api/activity.csv")
        .header(axum::http::header::COOKIE, &cookie)
        .header(axum::http::header::ACCEPT_ENCODING, "gzip")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = site.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let gzipped = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(!gzipped.is_empty());

    let strangers = site.get("/api/activity.csv", None).await;
    assert_eq!(strangers.status(), StatusCode::UNAUTHORIZED);
}
