//! HTTPS on the LAN (`reelsync https enable`): the server serves the same app
//! over TLS beside plain HTTP, with the certificate its local authority signed,
//! and a session begun over HTTPS gets a `Secure` cookie.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use common::{ADMIN_PASSWORD, Options, Server};
use rustls::pki_types::{CertificateDer, ServerName};

fn https_server() -> Server {
    Server::start_with(Options {
        https: true,
        ..Options::default()
    })
}

/// Sends one request over TLS, trusting only the server's local authority,
/// and returns the whole response and the protocol TLS agreed on.
fn exchange_tls(server: &Server, request: &str) -> (String, Option<Vec<u8>>) {
    let authority = engine::tls::authority(server.data_dir()).unwrap().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(authority.cert_der)).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // As a browser offers.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let name = ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let socket = TcpStream::connect(server.https_addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    tls.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    // The server closes after `Connection: close`; rustls reports a close
    // without close_notify as an error, after the bytes.
    let _ = tls.read_to_end(&mut response);
    let protocol = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
    (String::from_utf8_lossy(&response).into_owned(), protocol)
}

fn set_cookie(response: &str) -> Option<&str> {
    response.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("set-cookie")
            .then(|| value.trim())
    })
}

#[test]
fn the_login_page_is_served_over_https_with_the_local_authoritys_certificate() {
    let server = https_server();
    let host = server.https_addr();
    let (response, protocol) = exchange_tls(
        &server,
        &format!(
            "GET /login HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            host.port()
        ),
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<form"), "{response}");
    // HTTP/1.1 only, though the client offered HTTP/2 first.
    assert_eq!(protocol.as_deref(), Some(&b"http/1.1"[..]));
    // Plain HTTP stays usable on the LAN: no HSTS.
    assert!(
        !response
            .to_ascii_lowercase()
            .contains("strict-transport-security")
    );
    // And the plain port still answers.
    assert_eq!(server.send("GET", "/login", &[], b""), 200);
}

#[test]
fn a_session_begun_over_https_has_a_secure_cookie_and_one_over_http_has_not() {
    let server = https_server();
    let body = format!("username=admin&password={ADMIN_PASSWORD}");
    let (response, _) = exchange_tls(
        &server,
        &format!(
            "POST /api/login HTTP/1.1\r\nHost: localhost:{}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.https_addr().port(),
            body.len()
        ),
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let cookie = set_cookie(&response).expect("a session cookie");
    assert!(cookie.starts_with("reelsync_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");

    let (status, plain) =
        server.sign_in_from(std::net::Ipv4Addr::LOCALHOST, "admin", ADMIN_PASSWORD);
    assert_eq!(status, 200, "{plain}");
    let cookie = set_cookie(&plain).expect("a session cookie");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[test]
fn a_client_that_never_completes_its_handshake_is_let_go() {
    let server = https_server();
    let mut socket = TcpStream::connect(server.https_addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // Say nothing: the server closes the connection after its deadline.
    let mut byte = [0u8; 1];
    let started = std::time::Instant::now();
    let read = socket.read(&mut byte);
    assert!(matches!(read, Ok(0)) || read.is_err(), "{read:?}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn the_https_page_and_the_authoritys_certificate_are_open_over_plain_http() {
    let server = https_server();
    let authority = engine::tls::authority(server.data_dir()).unwrap().unwrap();

    let page = server.exchange(None, "GET", "/https", &[], b"");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains(&authority.fingerprint), "{page}");
    let url = format!("https://127.0.0.1:{}/", server.https_addr().port());
    assert!(page.contains(&url), "the page does not link {url}: {page}");
    assert!(page.contains(r#"href="/ca.crt""#), "{page}");

    let download = TcpStream::connect(server.addr())
        .and_then(|mut socket| {
            write!(
                socket,
                "GET /ca.crt HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                server.addr()
            )?;
            let mut bytes = Vec::new();
            socket.read_to_end(&mut bytes)?;
            Ok(bytes)
        })
        .unwrap();
    let split = download.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&download[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/x-x509-ca-cert"),
        "{head}"
    );
    assert_eq!(&download[split + 4..], &authority.cert_der[..]);
}

#[test]
fn without_https_the_page_says_how_to_turn_it_on_and_there_is_no_certificate() {
    let server = Server::start();
    let page = server.exchange(None, "GET", "/https", &[], b"");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains(r#"data-testid="https-off""#), "{page}");
    assert!(page.contains("in Settings"), "{page}");
    assert_eq!(server.send("GET", "/ca.crt", &[], b""), 404);
}

/// Presses the Settings page's HTTPS switch as its script does, and returns the
/// whole response.
fn switch_https(server: &Server, cookie: &str, on: bool) -> String {
    server.exchange(
        None,
        "POST",
        "/api/switch-https",
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        format!("on={on}").as_bytes(),
    )
}

/// What the Settings page reads of HTTPS, as JSON.
fn https_state(server: &Server, cookie: &str) -> String {
    server.exchange(
        None,
        "POST",
        "/api/https-state",
        &[("Cookie", cookie), ("Accept", "application/json")],
        b"",
    )
}

fn login_page_over_https(server: &Server) -> String {
    exchange_tls(
        server,
        &format!(
            "GET /login HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            server.https_addr().port()
        ),
    )
    .0
}

#[test]
fn the_settings_switch_serves_https_at_once_renews_it_and_stops_it() {
    let server = Server::start_with(Options {
        https_port: true,
        ..Options::default()
    });
    assert!(
        TcpStream::connect(server.https_addr()).is_err(),
        "off at first"
    );
    let cookie = server.admin_cookie(std::net::Ipv4Addr::LOCALHOST);
    let port = server.https_addr().port();

    let on = switch_https(&server, &cookie, true);
    assert!(on.starts_with("HTTP/1.1 200"), "{on}");
    assert!(
        on.contains(&format!(r#"{{"state":"on","port":{port}}}"#)),
        "{on}"
    );
    let first = engine::tls::authority(server.data_dir()).unwrap().unwrap();
    assert!(login_page_over_https(&server).starts_with("HTTP/1.1 200"));

    // A new certificate, by the same authority (phones keep trusting it), served
    // on the same listener.
    let cert_before =
        std::fs::read(engine::tls::dir(server.data_dir()).join("server.crt")).unwrap();
    let renewed = switch_https(&server, &cookie, true);
    assert!(renewed.contains(r#""state":"on""#), "{renewed}");
    let cert_after = std::fs::read(engine::tls::dir(server.data_dir()).join("server.crt")).unwrap();
    assert_ne!(cert_before, cert_after);
    assert_eq!(
        engine::tls::authority(server.data_dir()).unwrap().unwrap(),
        first
    );
    assert!(login_page_over_https(&server).starts_with("HTTP/1.1 200"));

    let state = https_state(&server, &cookie);
    assert!(state.contains(&first.fingerprint), "{state}");

    let off = switch_https(&server, &cookie, false);
    assert!(off.contains(r#"{"state":"off"}"#), "{off}");
    assert!(TcpStream::connect(server.https_addr()).is_err(), "stopped");
    // Plain HTTP never stopped, and the page for phones says HTTPS is off.
    let page = server.exchange(None, "GET", "/https", &[], b"");
    assert!(page.contains(r#"data-testid="https-off""#), "{page}");

    // Who did it is in the activity log.
    let log = server
        .engine()
        .activity(&engine::ActivityFilter::default(), None)
        .unwrap();
    let https: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.action.starts_with("https."))
        .map(|e| (e.action.as_str(), e.who.as_str()))
        .collect();
    assert_eq!(
        https,
        [
            ("https.disable", "admin"),
            ("https.enable", "admin"),
            ("https.enable", "admin")
        ]
    );
}

#[test]
fn the_switch_needs_a_super_admins_session() {
    let server = Server::start_with(Options {
        https_port: true,
        ..Options::default()
    });
    let response = server.exchange(
        None,
        "POST",
        "/api/switch-https",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        b"on=true",
    );
    assert_eq!(common::status(&response), 401, "{response}");
    assert!(!engine::tls::is_enabled(server.data_dir()));
    assert!(TcpStream::connect(server.https_addr()).is_err());
}

#[test]
fn a_taken_https_port_leaves_plain_http_serving_and_says_so() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Server::start_with(Options {
        https: true,
        https_addr: Some(holder.local_addr().unwrap()),
        ..Options::default()
    });
    assert_eq!(server.send("GET", "/login", &[], b""), 200);
    let cookie = server.admin_cookie(std::net::Ipv4Addr::LOCALHOST);
    let state = https_state(&server, &cookie);
    let port = server.https_addr().port();
    assert!(
        state.contains(&format!(r#"{{"state":"port_in_use","port":{port}}}"#)),
        "{state}"
    );
    let page = server.exchange(None, "GET", "/https", &[], b"");
    assert!(
        !page.contains(r#"data-testid="https-url""#),
        "no address to open: {page}"
    );
    assert!(
        server.log().contains("the port is in use"),
        "{}",
        server.log()
    );
}
