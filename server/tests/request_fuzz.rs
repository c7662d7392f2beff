//! Generated requests against the real server on loopback: whatever a client sends,
//! to any route, the server answers without a 5xx, never panics, and its memory
//! does not grow with what it was sent.

mod common;

use common::Server;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Every route the app serves, a static file, and paths it does not.
const PATHS: &[&str] = &[
    "/",
    "/login",
    "/api/dashboard",
    "/api/login",
    "/api/logout",
    "/api/no-such-function",
    "/favicon.svg",
    "/pkg/reelsync.js",
    "/no-such-page",
    "/runs/42/report.csv",
    "/login/..%2f..%2fetc%2fpasswd",
    "/%ff%fe",
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/x-www-form-urlencoded"),
    Some("application/json"),
    Some("text/plain"),
    Some("application/octet-stream"),
    Some("multipart/form-data; boundary=x"),
    Some("application/cbor"),
];

const REQUESTS: usize = 10_000;

/// One generated body: random bytes, forms and JSON whole or cut short, bytes that
/// are not UTF-8, deep nesting, or more than the server takes.
fn body(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let cut = |text: String, rng: &mut ChaCha8Rng| {
        let at = rng.random_range(0..=text.len());
        text.into_bytes()[..at].to_vec()
    };
    match rng.random_range(0..8) {
        0 => Vec::new(),
        1 => (0..rng.random_range(1..2048))
            .map(|_| rng.random())
            .collect(),
        2 => cut(
            "username=admin&password=wrong-guess&extra=%zz".to_owned(),
            rng,
        ),
        3 => cut(
            r#"{"username":"admin","password":"guess","n":[1,2,{"a":null}]}"#.to_owned(),
            rng,
        ),
        4 => vec![0x75, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0x26, 0x70, 0x3d, 0x80],
        5 => {
            let depth = rng.random_range(100..5000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        6 => vec![b'a'; rng.random_range(16 * 1024..64 * 1024)],
        _ => format!(
            "username={}&password=",
            "%41".repeat(rng.random_range(0..500))
        )
        .into_bytes(),
    }
}

#[test]
fn ten_thousand_generated_requests_get_no_5xx_and_leave_memory_flat() {
    let server = Server::start();
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_201);
    let send = |rng: &mut ChaCha8Rng| {
        let method = METHODS[rng.random_range(0..METHODS.len())];
        let path = PATHS[rng.random_range(0..PATHS.len())];
        let mut headers = vec![("Accept", "application/json")];
        if let Some(content_type) = CONTENT_TYPES[rng.random_range(0..CONTENT_TYPES.len())] {
            headers.push(("Content-Type", content_type));
        }
        if rng.random_bool(0.2) {
            headers.push(("Cookie", "reelsync_session=forged"));
        }
        let status = server.send(method, path, &headers, &body(rng));
        (method, path, status)
    };
    // Warm up, so what the server allocates once (caches, pools, the one buffer
    // password hashes share, the hash checked for unknown names) is not counted.
    server.sign_in("warm-up");
    server.send(
        "POST",
        "/api/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"username=nobody&password=warm-up",
    );
    for _ in 0..300 {
        send(&mut rng);
    }
    let before = server.memory_kb("VmRSS:");
    let mut failures = Vec::new();
    for _ in 0..REQUESTS {
        let (method, path, status) = send(&mut rng);
        if status >= 500 || status == 0 {
            failures.push(format!("{method} {path} -> {status}"));
        }
    }
    let growth_mb = (server.memory_kb("VmRSS:") as f64 - before as f64) / 1024.0;
    eprintln!(
        "{REQUESTS} requests, {} answered 5xx or nothing; RSS grew {growth_mb:.1} MB",
        failures.len()
    );
    let log = server.log();
    assert!(
        failures.is_empty(),
        "{} failures: {:?}\nserver log:\n{}",
        failures.len(),
        &failures[..failures.len().min(20)],
        log.lines()
            .skip_while(|line| !line.contains("panicked"))
            .take(60)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    assert!(growth_mb < 10.0, "RSS grew {growth_mb:.1} MB");
}
