//! The run event stream: every item exactly once across a reconnect, a finished
//! run replayed to its `finished`, and nothing for strangers.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Request, StatusCode};
use engine::{Outcome, RunError, RunRequest, RunScope, RunSummary, Selection, Trigger};
use futures::StreamExt;
use serde_json::Value;

use super::Site;

#[path = "../../../tests/common/held_run.rs"]
mod held_run;
use held_run::held_run;

/// One event as sent.
#[derive(Debug)]
struct Sent {
    name: String,
    id: u64,
    data: Value,
}

/// Reads events from `path` until `enough` says stop (or the stream ends), then
/// drops the connection.
async fn read_events(
    site: &Site,
    path: &str,
    cookie: &str,
    last_event_id: Option<u64>,
    mut enough: impl FnMut(&[Sent]) -> bool,
) -> Vec<Sent> {
    let mut request = Request::get(path).header(COOKIE, cookie);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = site.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body().into_data_stream();
    let (mut buffer, mut events) = (String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !enough(&events) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("the stream went quiet");
        let Some(chunk) = chunk else { break };
        buffer.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(event) = parse(&block) {
                events.push(event);
            }
        }
    }
    events
}

fn parse(block: &str) -> Option<Sent> {
    let field = |name: &str| {
        block
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::to_owned)
    };
    Some(Sent {
        name: field("event: ").or_else(|| field("event:"))?,
        id: field("id: ").or_else(|| field("id:"))?.parse().unwrap(),
        data: serde_json::from_str(&field("data: ").or_else(|| field("data:"))?).unwrap(),
    })
}

fn finished(events: &[Sent]) -> bool {
    events.last().is_some_and(|e| e.name == "finished")
}

fn item_seqs(events: &[Sent]) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e.name == "item")
        .map(|e| e.data["seq"].as_u64().unwrap())
        .collect()
}

/// Starts an import of every reel on a thread of its own, as another process
/// would (seen only through its run lease and the store), and waits until it is
/// logged.
fn import_elsewhere(site: &Site) -> (i64, std::thread::JoinHandle<()>) {
    let engine = site.engine.clone();
    let run = std::thread::spawn(move || {
        let request = RunRequest {
            scope: RunScope::Import(Selection::All),
            trigger: Trigger::Manual,
            who: "cli:root".into(),
            dry_run: false,
            client: None,
        };
        engine.sync(&request, &mut ()).unwrap();
    });
    for _ in 0..2_000 {
        if let Some(id) = site.engine.running().unwrap().and_then(|live| live.run_id) {
            return (id, run);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the run never started");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconnect_with_last_event_id_gets_every_item_exactly_once() {
    let site = Site::with_reels(6_000);
    let cookie = site.sign_in().await;
    let (run_id, run) = import_elsewhere(&site);
    let path = format!("/api/runs/{run_id}/events");

    // Some items in, the connection drops.
    let first = read_events(&site, &path, &cookie, None, |events| {
        item_seqs(events).len() >= 150 || finished(events)
    })
    .await;
    let last_id = first.last().unwrap().id;
    let rest = read_events(&site, &path, &cookie, Some(last_id), finished).await;
    run.join().unwrap();

    let ids: Vec<u64> = first.iter().chain(&rest).map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids increase across the reconnect: {ids:?}"
    );
    let summary: RunSummary = serde_json::from_value(rest.last().unwrap().data.clone()).unwrap();
    assert_eq!(summary.id, run_id);
    let logged = summary.counts.imported + summary.counts.rejected;
    let mut seqs = item_seqs(&first);
    seqs.extend(item_seqs(&rest));
    assert_eq!(
        seqs,
        (1..=logged).collect::<Vec<_>>(),
        "every item once, in order"
    );
    let progress = first.iter().find(|e| e.name == "progress");
    if let Some(progress) = progress {
        for field in ["scanned", "total", "counts", "phase"] {
            assert!(progress.data.get(field).is_some(), "progress has {field}");
        }
    }
    let item = first.iter().find(|e| e.name == "item").unwrap();
    for field in ["reel_number", "action", "reason", "changes"] {
        assert!(item.data.get(field).is_some(), "item has {field}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_run_replays_to_its_end() {
    let site = Site::with_reels(300);
    let cookie = site.sign_in().await;
    let (run_id, run) = import_elsewhere(&site);
    run.join().unwrap();

    let path = format!("/api/runs/{run_id}/events");
    let all = read_events(&site, &path, &cookie, None, |_| false).await;
    assert!(finished(&all), "the stream ends with finished");
    let summary: RunSummary = serde_json::from_value(all.last().unwrap().data.clone()).unwrap();
    assert_eq!(summary.outcome, Outcome::Succeeded);
    assert_eq!(item_seqs(&all).len() as u64, summary.counts.imported);
    assert!(all.iter().all(|e| e.name != "progress"), "nothing is live");

    // `?after=` resumes the same way as Last-Event-ID.
    let after = all[99].id;
    let tail = read_events(
        &site,
        &format!("{path}?after={after}"),
        &cookie,
        None,
        |_| false,
    )
    .await;
    assert_eq!(item_seqs(&tail).first(), Some(&101));
    assert!(finished(&tail));

    // Pages are gzipped for a browser that takes it; an event stream never is
    // (a compressor would hold events back until its buffer fills).
    let gzip = |path: String| {
        let request = axum::http::Request::get(path)
            .header(axum::http::header::COOKIE, &cookie)
            .header(axum::http::header::ACCEPT_ENCODING, "gzip")
            .body(axum::body::Body::empty())
            .unwrap();
        site.send(request)
    };
    let stream = gzip(path.clone()).await;
    assert!(stream.headers().get("content-encoding").is_none());
    let page = gzip(format!("/runs/{run_id}")).await;
    assert_eq!(page.headers()["content-encoding"], "gzip");

    // A viewer of the newest lines gets only those; the banner, none.
    let logged = summary.counts.imported;
    let newest = read_events(&site, &format!("{path}?tail=10"), &cookie, None, |_| false).await;
    assert_eq!(
        item_seqs(&newest),
        (logged - 9..=logged).collect::<Vec<_>>()
    );
    assert!(finished(&newest));
    let banner = read_events(&site, &format!("{path}?tail=0"), &cookie, None, |_| false).await;
    assert_eq!(banner.len(), 1, "only finished: {banner:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replay_carries_codes_and_names_no_paths() {
    let site = Site::with_reels(20);
    let cookie = site.sign_in().await;
    let (run_id, run) = import_elsewhere(&site);
    run.join().unwrap();
    // As a failed run and a reelsync from before reasons were codes logged them.
    let store = site.engine.data_dir().join("reelsync.sqlite3");
    rusqlite::Connection::open(store)
        .unwrap()
        .execute_batch(&format!(
            "UPDATE runs SET outcome = 'failed',
                 error = 'main store /srv/reelsync/reelsync.sqlite3: disk I/O error'
             WHERE id = {run_id};
             UPDATE run_items SET reason = 'not written: warehouse database /srv/ism/db.sqlite3 is locked'
             WHERE run_id = {run_id} AND seq = 1;"
        ))
        .unwrap();

    let path = format!("/api/runs/{run_id}/events");
    let all = read_events(&site, &path, &cookie, None, |_| false).await;
    let sent: Vec<&Value> = all.iter().map(|e| &e.data).collect();
    let sent = serde_json::to_string(&sent).unwrap();
    assert!(!sent.contains("/srv"), "{sent}");
    assert!(sent.contains("db.sqlite3 is locked"), "{sent}");
    let summary: RunSummary = serde_json::from_value(all.last().unwrap().data.clone()).unwrap();
    assert_eq!(
        summary.error,
        Some(RunError::Other {
            text: String::new()
        })
    );
    let first = all.iter().find(|e| e.name == "item").unwrap();
    assert_eq!(first.data["reason"]["code"], "text", "{:?}", first.data);
}

#[tokio::test]
async fn strangers_get_no_events_and_unknown_runs_are_404() {
    let site = Site::new();
    let response = site.get("/api/runs/1/events", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = site
        .get("/api/runs/1/events", Some("reelsync_session=forged"))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let cookie = site.sign_in().await;
    let response = site.get("/api/runs/42/events", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = site.get("/api/runs/nope/events", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_now_while_another_process_runs_answers_already_running_and_cancel_reaches_it() {
    let site = Site::with_reels(3_000);
    let cookie = site.sign_in().await;
    // Held at its first page so that it cannot end before the cancel reaches it.
    let (run_id, release, run) = held_run(&site.engine);

    let response = site.call("start-sync", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let refused: app::error::AppError = super::app_error(response).await;
    assert!(
        matches!(&refused, app::error::AppError::RunInProgress { run_id: Some(id), who } if *id == run_id && who == "cli:root"),
        "{refused:?}"
    );

    let response = site
        .call("cancel-run", &format!("id={run_id}"), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    drop(release);
    run.join().unwrap();
    let ended = site.engine.run_summary(run_id).unwrap();
    assert_eq!(ended.outcome, Outcome::Cancelled);

    // The lock is free again: Sync now starts a run and answers with its id.
    let response = site.call("start-sync", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let started: i64 = serde_json::from_str(&super::text(response).await).unwrap();
    assert!(started > run_id);
    let path = format!("/api/runs/{started}/events");
    let events = read_events(&site, &path, &cookie, None, finished).await;
    let summary: RunSummary = serde_json::from_value(events.last().unwrap().data.clone()).unwrap();
    assert_eq!(summary.who, "admin");
    assert_ne!(summary.outcome, Outcome::Running);

    // The activity log has the three: the held run, its cancel, the sync.
    let run_entries = site
        .engine
        .activity(
            &engine::ActivityFilter {
                action: Some("run".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap()
        .entries;
    let logged: Vec<_> = run_entries
        .iter()
        .map(|e| (e.who.as_str(), e.action.as_str(), e.subject.clone()))
        .collect();
    assert_eq!(
        logged,
        [
            ("admin", "run.manual", started.to_string()),
            ("admin", "run.cancel", run_id.to_string()),
            ("cli:root", "run.import", run_id.to_string()),
        ]
    );
}

async fn open_stream(site: &Site, path: &str, cookie: &str) -> axum::response::Response {
    let request = Request::get(path).header(COOKIE, cookie);
    site.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_past_their_caps_are_refused_with_retry_after() {
    use crate::web::events::{MAX_STREAMS, MAX_STREAMS_PER_SESSION};
    let site = Site::with_reels(300);
    let (run_id, run) = import_elsewhere(&site);
    run.join().unwrap();
    let path = format!("/api/runs/{run_id}/events");
    // Bodies never read: each stream stays open until its response is dropped.
    let mut open = Vec::new();
    let cookie = site.sign_in().await;
    for _ in 0..MAX_STREAMS_PER_SESSION {
        let response = open_stream(&site, &path, &cookie).await;
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response);
    }
    let refused = open_stream(&site, &path, &cookie).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "5");
    while open.len() < MAX_STREAMS {
        let cookie = site.sign_in().await;
        for _ in 0..MAX_STREAMS_PER_SESSION.min(MAX_STREAMS - open.len()) {
            let response = open_stream(&site, &path, &cookie).await;
            assert_eq!(response.status(), StatusCode::OK);
            open.push(response);
        }
    }
    let cookie = site.sign_in().await;
    let refused = open_stream(&site, &path, &cookie).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "5");
    // A stream that ends gives its place back.
    open.pop();
    let response = open_stream(&site, &path, &cookie).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_ends_when_its_session_is_signed_out() {
    let site = Site::with_reels(3_000);
    let cookie = site.sign_in().await;
    let other = site.sign_in().await;
    let (run_id, release, run) = held_run(&site.engine);
    let path = format!("/api/runs/{run_id}/events");
    let mut mine = open_stream(&site, &path, &cookie)
        .await
        .into_body()
        .into_data_stream();
    let mut theirs = open_stream(&site, &path, &other)
        .await
        .into_body()
        .into_data_stream();
    // The first page's items arrive; the run then waits.
    let first = tokio::time::timeout(Duration::from_secs(30), mine.next())
        .await
        .expect("events");
    assert!(first.is_some());
    let response = site.call("logout", "", Some(&cookie)).await;
    assert!(response.status().is_success());
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while mine.next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its session");
    // Another session's stream goes on.
    let still = tokio::time::timeout(Duration::from_secs(1), async {
        while theirs.next().await.is_some() {}
    })
    .await;
    assert!(still.is_err(), "the other session's stream ended too");
    drop(release);
    run.join().unwrap();
}
