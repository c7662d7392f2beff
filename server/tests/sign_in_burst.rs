//! A burst of wrong sign-ins against the real server on loopback: the server's
//! memory stays bounded (password hashes share one buffer and run one at a time),
//! and throttling answers the excess without hashing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `reelsync serve` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let engine = engine::Engine::open(engine::Config::new(&data)).unwrap();
        engine
            .add_user("admin", "correct horse battery", true)
            .unwrap();
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_reelsync"))
            .args(["serve", "--addr", &addr.to_string()])
            .env("REELSYNC_DATA_DIR", &data)
            .env("LEPTOS_SITE_ROOT", dir.path())
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            addr,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A figure of the server process, in kB, from `/proc/<pid>/status`.
    fn memory_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .unwrap()
    }

    /// Posts a sign-in as the login form's wasm does, and returns the status.
    fn sign_in(&self, password: &str) -> u16 {
        let body = format!("username=admin&password={password}");
        let request = format!(
            "POST /api/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_burst_of_wrong_sign_ins_keeps_memory_bounded_and_is_throttled() {
    let server = Server::start();
    let before = server.memory_kb("VmHWM:");
    // Sixteen clients, six wrong sign-ins each, all at once.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| (0..6).map(|_| server.sign_in("guess")).collect::<Vec<_>>()))
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    let growth_mb = (server.memory_kb("VmHWM:") - before) as f64 / 1024.0;
    eprintln!(
        "peak RSS {:.1} MB before the burst, grew {growth_mb:.1} MB; statuses {statuses:?}",
        before as f64 / 1024.0
    );
    assert!(growth_mb <= 48.0, "peak RSS grew {growth_mb:.1} MB");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "the burst is throttled");
    assert!(
        statuses.iter().filter(|s| **s == 401).count() < 40,
        "most attempts are answered without a hash: {statuses:?}"
    );
}
