//! A thousand event-stream requests against the real server on loopback, under
//! the 1,024 open-file limit a service gets: streams are capped (429 per
//! session, 503 in all, with `Retry-After`), memory and threads stay bounded, a
//! dashboard call still answers at once, and descriptors go back to their idle
//! count within seconds of the clients leaving.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use common::held_run::held_run;
use common::{Options, Server, connect_from};

/// Opens a stream and reads its status; the connection stays open.
fn open_stream(
    server: &Server,
    from: Ipv4Addr,
    path: &str,
    cookie: &str,
) -> (u16, Option<TcpStream>) {
    let Ok(mut stream) = connect_from(from, server.addr()) else {
        return (0, None);
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n",
        server.addr()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return (0, None);
    }
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    (
        common::status(&String::from_utf8_lossy(&head)),
        Some(stream),
    )
}

fn figure(server: &Server, field: &str) -> u64 {
    server.memory_kb(field)
}

#[test]
fn a_thousand_stream_requests_are_capped_and_cost_a_bounded_amount() {
    let server = Server::start_with(Options {
        descriptors: Some((1024, 1024)),
        reels: Some(3_000),
        ..Options::default()
    });
    let admin = Ipv4Addr::new(127, 0, 0, 1);
    let cookie = server.admin_cookie(admin);
    let (run_id, release, run) = held_run(&server.engine());
    let path = format!("/api/runs/{run_id}/events");
    // Let the server settle (its first look at the run, the catalogue).
    std::thread::sleep(Duration::from_millis(500));
    let idle_descriptors = server.open_descriptors();
    let rss_before = figure(&server, "VmRSS:");

    // Twenty devices, each signed in, fifty stream requests each.
    let mut statuses = Vec::new();
    let mut open = Vec::new();
    for device in 0..20u8 {
        let from = Ipv4Addr::new(127, 0, 7, device);
        let cookie = server.admin_cookie(from);
        for _ in 0..50 {
            let (status, stream) = open_stream(&server, from, &path, &cookie);
            statuses.push(status);
            if status == 200 {
                open.extend(stream);
            }
        }
    }
    let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
    let threads = figure(&server, "Threads:");
    let rss_open = figure(&server, "VmRSS:");
    let descriptors_open = server.open_descriptors();
    let started = Instant::now();
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Accept", "application/json"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let dashboard = server.exchange(Some(admin), "POST", "/api/dashboard", &headers, b"");
    let dashboard_took = started.elapsed();
    eprintln!(
        "1,000 stream requests: {} open (200), {} refused per session (429), {} in all (503), \
         {} refused connections or other; server: {threads} threads, RSS {:.1} → {:.1} MB, \
         {idle_descriptors} → {descriptors_open} descriptors; a dashboard call took {dashboard_took:?}",
        count(200),
        count(429),
        count(503),
        statuses.len() - count(200) - count(429) - count(503),
        rss_before as f64 / 1024.0,
        rss_open as f64 / 1024.0,
    );
    assert_eq!(common::status(&dashboard), 200, "{dashboard}");
    assert!(count(200) <= 128, "{} streams open", count(200));
    assert!(count(429) > 0 && count(503) > 0, "both caps answer");
    assert!(
        statuses.iter().all(|s| [200, 429, 503].contains(s)),
        "only 200, 429 and 503: {statuses:?}"
    );
    assert!(descriptors_open < 512, "{descriptors_open} descriptors");
    assert!(threads < 64, "{threads} threads");
    assert!(
        rss_open.saturating_sub(rss_before) < 32 * 1024,
        "RSS grew {} kB",
        rss_open - rss_before
    );
    assert!(
        dashboard_took < Duration::from_secs(1),
        "{dashboard_took:?}"
    );

    drop(open);
    let closed = Instant::now();
    while server.open_descriptors() > idle_descriptors + 8
        && closed.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = server.open_descriptors();
    eprintln!(
        "descriptors {after} (idle {idle_descriptors}) {:?} after the clients left",
        closed.elapsed()
    );
    assert!(
        after <= idle_descriptors + 8,
        "{after} descriptors, {idle_descriptors} idle"
    );
    drop(release);
    run.join().unwrap();
}

/// The figures of docs/benchmarks.md: 100 streams (13 sessions) following an
/// import of the 70,223 in-stock reels of a 100,000-reel demo warehouse as the
/// run page does (`?tail=50`), read to their end, while a dashboard call is timed
/// every quarter second.
/// `cargo test --release -p server --test streams -- --ignored --nocapture`;
/// `REELSYNC_BENCH_STREAMS=0` for the same run without streams.
#[test]
#[ignore = "a benchmark: takes minutes in a debug build"]
fn a_hundred_streams_on_a_running_100k_import() {
    let server = Server::start_with(Options {
        descriptors: Some((1024, 1024)),
        reels: Some(100_000),
        ..Options::default()
    });
    let admin = Ipv4Addr::new(127, 0, 0, 1);
    let cookie = server.admin_cookie(admin);
    let call = |name: &str, form: &str| {
        let headers = [
            ("Cookie", cookie.as_str()),
            ("Accept", "application/json"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        server.exchange(
            Some(admin),
            "POST",
            &format!("/api/{name}"),
            &headers,
            form.as_bytes(),
        )
    };
    // The grid's catalogue is built in the background at start.
    let started = Instant::now();
    let selected = loop {
        let response = call("select-matching", "back=/import");
        if common::status(&response) == 200 {
            break response;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "{response}");
        std::thread::sleep(Duration::from_millis(500));
    };
    eprintln!(
        "selected: {}",
        selected.rsplit("\r\n\r\n").next().unwrap_or("")
    );
    let rss_idle = figure(&server, "VmRSS:");
    let response = call("import-selected", "");
    let run_id: i64 = response
        .rsplit("\r\n\r\n")
        .next()
        .and_then(|body| body.trim().parse().ok())
        .unwrap_or_else(|| panic!("{response}"));
    // As the run page asks: the newest 50 lines each time (REELSYNC_BENCH_TAIL=all
    // for every item).
    let path = match std::env::var("REELSYNC_BENCH_TAIL").as_deref() {
        Ok("all") => format!("/api/runs/{run_id}/events"),
        Ok(tail) => format!("/api/runs/{run_id}/events?tail={tail}"),
        Err(_) => format!("/api/runs/{run_id}/events?tail=50"),
    };
    let wanted: usize = std::env::var("REELSYNC_BENCH_STREAMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let mut streams = Vec::new();
    for device in 0..13u8 {
        let from = Ipv4Addr::new(127, 0, 8, device);
        let cookie = server.admin_cookie(from);
        for _ in 0..8 {
            if streams.len() == wanted {
                break;
            }
            let (status, stream) = open_stream(&server, from, &path, &cookie);
            assert_eq!(status, 200);
            streams.push(stream.unwrap());
        }
    }
    let readers: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            std::thread::spawn(move || {
                stream
                    .set_read_timeout(Some(Duration::from_secs(600)))
                    .unwrap();
                let mut buf = vec![0u8; 64 * 1024];
                let mut total = 0usize;
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    total += n;
                }
                total
            })
        })
        .collect();
    let (mut slowest, mut calls, mut peak_threads, mut peak_descriptors) =
        (Duration::ZERO, 0, 0, 0);
    let mut times = Vec::new();
    let engine = server.engine();
    let running = || {
        engine
            .run_summary(run_id)
            .is_ok_and(|run| run.outcome == engine::Outcome::Running)
    };
    while running() || !readers.iter().all(|r| r.is_finished()) {
        let at = Instant::now();
        let response = call("dashboard", "");
        let took = at.elapsed();
        assert_eq!(common::status(&response), 200, "{response}");
        times.push(took);
        slowest = slowest.max(took);
        calls += 1;
        peak_threads = peak_threads.max(figure(&server, "Threads:"));
        peak_descriptors = peak_descriptors.max(server.open_descriptors());
        std::thread::sleep(Duration::from_millis(250));
    }
    let bytes: Vec<usize> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    times.sort();
    eprintln!(
        "run {run_id}: {wanted} streams of {path} read {:.1}–{:.1} MB each in {:?}; RSS idle {:.1} MB, peak {:.1} MB; \
         {calls} dashboard calls, median {:?}, slowest {slowest:?}; peak {peak_threads} threads, \
         {peak_descriptors} descriptors",
        bytes.iter().min().copied().unwrap_or(0) as f64 / 1e6,
        bytes.iter().max().copied().unwrap_or(0) as f64 / 1e6,
        started.elapsed(),
        rss_idle as f64 / 1024.0,
        figure(&server, "VmHWM:") as f64 / 1024.0,
        times[times.len() / 2],
    );
}

#[test]
fn a_stream_outlives_the_header_deadline() {
    let server = Server::start_with(Options {
        reels: Some(3_000),
        ..Options::default()
    });
    let admin = Ipv4Addr::new(127, 0, 0, 1);
    let cookie = server.admin_cookie(admin);
    let (run_id, release, run) = held_run(&server.engine());
    let (status, stream) = open_stream(
        &server,
        admin,
        &format!("/api/runs/{run_id}/events"),
        &cookie,
    );
    assert_eq!(status, 200);
    let mut stream = stream.unwrap();
    // Twice the 5 s a client has for its headers: the stream is still open.
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    while started.elapsed() < Duration::from_secs(10) {
        match stream.read(&mut buf) {
            Ok(0) => panic!("the stream closed after {:?}", started.elapsed()),
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(err) => panic!("the stream failed after {:?}: {err}", started.elapsed()),
        }
    }
    drop(release);
    run.join().unwrap();
    // The run's end reaches it, and then it ends.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(String::from_utf8_lossy(&rest).contains("event: finished"));
}
