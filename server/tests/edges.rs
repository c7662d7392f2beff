//! Edges of the request, against the real server on loopback: dot segments in
//! the path, a foreign `Host`, a line break in a form's `back`, and a redirect
//! to whatever `Referer` a refused form carried.

mod common;

use common::{Options, Server, status};

/// A `GET` with these headers (a `Host` among them replaces the harness's).
fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> String {
    server.exchange(None, "GET", path, headers, b"")
}

#[test]
fn dot_segments_never_reach_a_page() {
    let server = Server::start();
    for path in [
        "/pkg/../settings",
        "/pkg/%2e%2e/settings",
        "/api/%2e%2e/",
        "/api/%2E%2E/import",
        "/./settings",
    ] {
        let response = get(&server, path, &[]);
        assert_eq!(status(&response), 400, "{path}: {response}");
        assert!(!response.contains("<form"), "{path}: {response}");
    }
}

#[test]
fn a_request_for_another_host_is_refused() {
    let server = Server::start_with(Options {
        args: vec!["--allow-host".into(), "reels.mill.lan".into()],
        ..Options::default()
    });
    let port = server.addr().port();
    let evil = format!("rebind.evil.example:{port}");
    let response = get(&server, "/login", &[("Host", &evil)]);
    assert_eq!(status(&response), 421, "{response}");
    let response = server.exchange(
        None,
        "POST",
        "/api/login",
        &[
            ("Host", evil.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        format!("username=admin&password={}", common::ADMIN_PASSWORD).as_bytes(),
    );
    assert_eq!(
        status(&response),
        421,
        "sign-in by DNS rebinding: {response}"
    );
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("reels.mill.lan:{port}"),
        format!("REELS.MILL.LAN:{port}"),
    ] {
        let response = get(&server, "/login", &[("Host", &host)]);
        assert_eq!(status(&response), 200, "{host}: {response}");
    }
}

#[test]
fn a_line_break_in_back_is_a_400() {
    // A warehouse, so the selection is changed and the redirect made.
    let server = Server::start_with(Options {
        reels: Some(40),
        ..Options::default()
    });
    let cookie = server.admin_cookie(std::net::Ipv4Addr::LOCALHOST);
    for form in [
        "shown[]=R1&back=/import%0D%0ASet-Cookie:+a=b",
        "shown[]=R1&back=/import?x%0A",
    ] {
        let response = server.exchange(
            None,
            "POST",
            "/api/select",
            &[
                ("Cookie", cookie.as_str()),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "text/html"),
                ("Referer", "/import"),
            ],
            form.as_bytes(),
        );
        assert_eq!(status(&response), 400, "{form}: {response}");
        assert!(!response.contains("a=b"), "{response}");
    }
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

#[test]
fn a_refused_form_goes_back_only_to_a_page_of_this_site() {
    let server = Server::start();
    let response = server.exchange(
        None,
        "POST",
        "/api/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "text/html"),
            ("Referer", "http://evil.example/phish"),
        ],
        b"username=admin&password=wrong",
    );
    assert_eq!(status(&response), 302, "{response}");
    let location = response
        .lines()
        .find_map(|line| line.strip_prefix("location: "))
        .expect("a Location");
    assert!(
        location.starts_with('/') && !location.starts_with("//"),
        "{location}"
    );
    assert!(!location.contains("evil"), "{location}");
    // Its own page's address is kept.
    let own = format!("http://{}/login", server.addr());
    let response = server.exchange(
        None,
        "POST",
        "/api/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "text/html"),
            ("Referer", own.as_str()),
        ],
        b"username=admin&password=wrong",
    );
    let location = response
        .lines()
        .find_map(|line| line.strip_prefix("location: "))
        .expect("a Location");
    assert!(location.starts_with("/login"), "{location}");
}
