//! Clients that connect and then take their time, against the real server on
//! loopback under a low open-file limit: idle sockets, headers a line at a time,
//! a body a byte at a time, a keep-alive connection left open. None of them keeps
//! the login page from answering, and each is closed within a bounded time.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use common::{Options, Server, connect_from};

/// The server's deadline for a request's headers, and some slack for a loaded
/// test machine.
const HEADER_READ: Duration = Duration::from_secs(5);
const SLACK: Duration = Duration::from_secs(4);

/// `GET /login` from `from` on a connection of its own: the status, 0 for none.
fn get_login(server: &Server, from: Ipv4Addr) -> u16 {
    let Ok(mut stream) = connect_from(from, server.addr()) else {
        return 0;
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET /login HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    let _ = stream.write_all(request.as_bytes());
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Waits until the server closes `stream` (a read gives 0 bytes or fails), up to
/// `limit`, and says how long that took; `None` if it was still open.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

const STRANGER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 66);
const ADMIN: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);

#[test]
fn an_idle_socket_flood_from_one_device_leaves_the_login_page_answering() {
    let server = Server::start_limited(256);
    // Five times what the server may hold open, all idle, from one address.
    let flood: Vec<TcpStream> = (0..1200)
        .filter_map(|_| connect_from(STRANGER, server.addr()).ok())
        .collect();
    let started = Instant::now();
    assert_eq!(get_login(&server, ADMIN), 200, "{}", server.log());
    let took = started.elapsed();
    eprintln!(
        "{} idle sockets open; /login answered in {took:?}; server holds {} descriptors",
        flood.len(),
        server.open_descriptors()
    );
    assert!(took < Duration::from_secs(2), "/login took {took:?}");
    assert!(
        server.open_descriptors() < 128,
        "{} descriptors",
        server.open_descriptors()
    );
    assert!(
        !server.log().contains("Too many open files"),
        "{}",
        server.log()
    );
}

#[test]
fn a_flood_from_many_devices_is_closed_by_the_header_deadline() {
    let server = Server::start_limited(256);
    // Forty addresses, thirty idle sockets each: more than the server's total.
    let flood: Vec<TcpStream> = (0..40u8)
        .flat_map(|i| (0..30).map(move |_| Ipv4Addr::new(127, 0, 1, i)))
        .filter_map(|from| connect_from(from, server.addr()).ok())
        .collect();
    let started = Instant::now();
    let mut status = get_login(&server, ADMIN);
    while status != 200 && started.elapsed() < HEADER_READ + SLACK {
        std::thread::sleep(Duration::from_millis(200));
        status = get_login(&server, ADMIN);
    }
    eprintln!(
        "{} idle sockets from 40 addresses; /login answered {status} after {:?}",
        flood.len(),
        started.elapsed()
    );
    assert_eq!(status, 200, "{}", server.log());
    assert!(server.open_descriptors() < 128);
}

#[test]
fn headers_sent_a_line_at_a_time_are_cut_off() {
    let server = Server::start();
    let mut stream = connect_from(STRANGER, server.addr()).unwrap();
    stream.write_all(b"GET /login HTTP/1.1\r\n").unwrap();
    let started = Instant::now();
    let mut line = 0;
    let closed = loop {
        // One more header line a second, for as long as the server listens.
        if stream
            .write_all(format!("X-Slow-{line}: a\r\n").as_bytes())
            .is_err()
        {
            break Some(started.elapsed());
        }
        line += 1;
        if closed_within(&mut stream, Duration::from_secs(1)).is_some() {
            break Some(started.elapsed());
        }
        if started.elapsed() > HEADER_READ + SLACK {
            break None;
        }
    };
    let closed = closed.expect("the server still reads headers after 9 s");
    eprintln!("slow headers closed after {closed:?} ({line} lines)");
    assert!(closed < HEADER_READ + SLACK);
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let server = Server::start();
    let mut stream = connect_from(ADMIN, server.addr()).unwrap();
    let request = format!("GET /login HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr());
    stream.write_all(request.as_bytes()).unwrap();
    // The answer, then silence: the server must hang up.
    let closed = closed_within(&mut stream, HEADER_READ + SLACK + Duration::from_secs(2));
    eprintln!("idle keep-alive closed after {closed:?}");
    assert!(closed.is_some(), "still open after the deadline");
}

#[test]
fn a_body_sent_a_byte_at_a_time_is_refused() {
    let server = Server::start();
    let mut stream = connect_from(STRANGER, server.addr()).unwrap();
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
        server.addr()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let started = Instant::now();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while started.elapsed() < Duration::from_secs(20) {
        if stream.write_all(b"a").is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if !response.is_empty() {
            break;
        }
    }
    let response = String::from_utf8_lossy(&response);
    eprintln!("slow body answered after {:?}", started.elapsed());
    assert!(response.starts_with("HTTP/1.1 408"), "{response:?}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn the_server_raises_its_own_soft_descriptor_limit() {
    let server = Server::start_with(Options {
        descriptors: Some((256, 4096)),
        ..Options::default()
    });
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_owned();
    let soft: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(soft[3], "4096", "{line}");
}
