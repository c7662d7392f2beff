//! `--session-idle 1` on the real server: a session in use lives on past its
//! minute (it ended at 60 s when use was recorded only once a minute), and one
//! left unused for the minute ends. Time passes by ageing the session's last
//! use in the store, as the engine's own tests do, not by waiting.

mod common;

use std::net::Ipv4Addr;

use chrono::{DateTime, Duration, Utc};
use common::{Options, Server, status};

/// Moves the session's last use `seconds` into the past, as if it had been
/// left alone that long since.
fn idle_for(server: &Server, seconds: i64) {
    let store = rusqlite::Connection::open(server.data_dir().join("reelsync.sqlite3")).unwrap();
    store
        .busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    let used: DateTime<Utc> = store
        .query_row(
            "SELECT coalesce(last_seen_at, created_at) FROM sessions",
            [],
            |row| row.get(0),
        )
        .unwrap();
    store
        .execute(
            "UPDATE sessions SET last_seen_at = ?1",
            [used - Duration::seconds(seconds)],
        )
        .unwrap();
}

#[test]
fn a_session_in_use_outlives_its_idle_timeout_and_an_unused_one_ends() {
    let server = Server::start_with(Options {
        args: vec!["--session-idle".into(), "1".into()],
        ..Options::default()
    });
    let cookie = server.admin_cookie(Ipv4Addr::LOCALHOST);
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Accept", "application/json"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let dashboard = || server.exchange(None, "POST", "/api/dashboard", &headers, b"");
    // Used every 40 s: 80 s in all, never 60 s unused, if each use moved the
    // session's clock.
    for round in 1..=2 {
        idle_for(&server, 40);
        let response = dashboard();
        assert_eq!(status(&response), 200, "after {} s: {response}", round * 40);
    }
    // Unused for over a minute: over.
    idle_for(&server, 61);
    let response = dashboard();
    assert_eq!(status(&response), 401, "{response}");
}
