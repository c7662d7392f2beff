//! `--session-idle 1` on the real server: a session used every 20 s lives on
//! past its minute (it ended at 60 s when use was recorded only once a minute).

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use common::{Options, Server, status};

#[test]
fn a_session_in_use_outlives_its_idle_timeout() {
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
    for round in 1..=3 {
        std::thread::sleep(Duration::from_secs(20));
        let response = server.exchange(None, "POST", "/api/dashboard", &headers, b"");
        assert_eq!(status(&response), 200, "after {} s: {response}", round * 20);
    }
}
