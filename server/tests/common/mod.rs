//! `reelsync serve`, the real binary, on a loopback port for the tests that talk to
//! it over TCP.

#![allow(dead_code)]

pub mod held_run;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `reelsync serve` on a free loopback port, killed when dropped.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    config: engine::Config,
    https: Option<SocketAddr>,
}

/// The super admin `admin`'s password.
pub const ADMIN_PASSWORD: &str = "correct horse battery";
/// The plain user `clerk`'s password.
pub const CLERK_PASSWORD: &str = "clerk's own password";

/// How a test's server is started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The open-file limit the server starts with, soft and hard.
    pub descriptors: Option<(u64, u64)>,
    /// More arguments after `serve --addr …`.
    pub args: Vec<String>,
    /// A demo warehouse of this many reels (seed 7), the server's `--external`.
    pub reels: Option<u32>,
    /// Opens the data directory to everyone (0755, files 0644) before the
    /// server starts, as an older reelsync left it.
    pub open_modes: bool,
    /// More environment variables for the server.
    pub env: Vec<(String, std::path::PathBuf)>,
    /// Serves HTTPS too, with a certificate for `localhost` and 127.0.0.1 that
    /// `reelsync https enable` would make.
    pub https: bool,
    /// A port of its own for HTTPS (`--https-addr`), HTTPS left off.
    pub https_port: bool,
    /// HTTPS's address instead of a free port.
    pub https_addr: Option<SocketAddr>,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    /// `reelsync serve` with at most `descriptors` open files (soft and hard), as
    /// a service under a low limit.
    pub fn start_limited(descriptors: u64) -> Self {
        Self::start_with(Options {
            descriptors: Some((descriptors, descriptors)),
            ..Options::default()
        })
    }

    pub fn start_with(options: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut config = engine::Config::new(&data);
        if let Some(reels) = options.reels {
            let warehouse = dir.path().join("warehouse.sqlite3");
            engine::demo::create_demo_db(&warehouse, &engine::demo::DemoOptions { reels, seed: 7 })
                .unwrap();
            config = config.with_external(&warehouse);
        }
        let engine = engine::Engine::open(config.clone()).unwrap();
        engine
            .add_user(
                &engine::NewUser::new("admin", ADMIN_PASSWORD, true),
                &"cli:test".into(),
            )
            .unwrap();
        engine
            .add_user(
                &engine::NewUser::new("clerk", CLERK_PASSWORD, false),
                &"cli:test".into(),
            )
            .unwrap();
        if options.open_modes {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &std::path::Path, mode: u32| {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
            };
            mode(&data, 0o755);
            for entry in std::fs::read_dir(&data).unwrap() {
                mode(&entry.unwrap().path(), 0o644);
            }
        }
        // The site's files, empty: these tests never load the wasm.
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        for name in ["reelsync.js", "reelsync.wasm"] {
            std::fs::write(pkg.join(name), "").unwrap();
        }
        let free_port = || {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
        };
        let addr = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_reelsync"));
        if options.https {
            let names = engine::tls::ServerNames {
                dns: vec!["localhost".into()],
                addresses: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            };
            engine::tls::enable(&data, &names).unwrap();
        }
        let https = (options.https || options.https_port || options.https_addr.is_some())
            .then(|| options.https_addr.unwrap_or_else(free_port));
        if let Some((soft, hard)) = options.descriptors {
            use std::os::unix::process::CommandExt;
            // SAFETY: `setrlimit` is async-signal-safe and touches only the child.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: soft,
                        rlim_max: hard,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        let child = command
            .args(["serve", "--addr", &addr.to_string()])
            .args(&options.args)
            .args(
                https
                    .iter()
                    .flat_map(|https| ["--https-addr".to_owned(), https.to_string()]),
            )
            .env("REELSYNC_DATA_DIR", &data)
            .envs(
                config
                    .external
                    .as_ref()
                    .map(|path| ("REELSYNC_EXTERNAL", path.clone())),
            )
            .env("LEPTOS_SITE_ROOT", dir.path())
            .env("LEPTOS_HASH_FILES", "false")
            .env("RUST_LOG", "warn")
            .envs(options.env.iter().cloned())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("server.log")).unwrap())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            addr,
            dir,
            config,
            https,
        };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err()
            || https.is_some_and(|a| options.https && TcpStream::connect(a).is_err())
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A figure of the server process, in kB, from `/proc/<pid>/status`.
    pub fn memory_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .unwrap()
    }

    /// An engine on the server's data directory and warehouse, as the command
    /// line would open it.
    pub fn engine(&self) -> engine::Engine {
        engine::Engine::open(self.config.clone()).unwrap()
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's process id.
    /// Where it serves HTTPS, when started with [`Options::https`] or
    /// [`Options::https_port`].
    pub fn https_addr(&self) -> SocketAddr {
        self.https.expect("a server started with `https: true`")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many files and sockets the server has open now.
    pub fn open_descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|dir| dir.count())
            .unwrap_or(0)
    }

    /// How many descriptors the server holds on its store (the file, its `-wal`
    /// and its `-shm`).
    pub fn store_descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .filter(|target| target.to_string_lossy().contains("reelsync.sqlite3"))
            .count()
    }

    /// Signs `admin` in from `from` and returns the session cookie (`name=value`).
    pub fn admin_cookie(&self, from: Ipv4Addr) -> String {
        let (status, response) = self.sign_in_from(from, "admin", ADMIN_PASSWORD);
        assert_eq!(status, 200, "{response}");
        response
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("set-cookie")
                    .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
            })
            .expect("a session cookie")
    }

    /// Posts a sign-in as the login form's wasm does, and returns the status.
    pub fn sign_in(&self, password: &str) -> u16 {
        let body = format!("username=admin&password={password}");
        self.send(
            "POST",
            "/api/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// Sends one request on its own connection and returns the response's status
    /// (0 when the server closed the connection without one).
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
        status(&self.exchange(None, method, path, headers, body))
    }

    /// A sign-in as `username` from the loopback address `from`: the status and
    /// the whole response.
    pub fn sign_in_from(&self, from: Ipv4Addr, username: &str, password: &str) -> (u16, String) {
        let body = format!("username={username}&password={password}");
        let response = self.exchange(
            Some(from),
            "POST",
            "/api/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            body.as_bytes(),
        );
        (status(&response), response)
    }

    /// Sends one request on its own connection, from the loopback address `from`
    /// when given (all of 127/8 is this machine), and returns the whole response
    /// (empty when the server closed the connection without one).
    pub fn exchange(
        &self,
        from: Option<Ipv4Addr>,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> String {
        let mut request = format!("{method} {path} HTTP/1.1\r\n");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            request.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let stream = match from {
            Some(from) => connect_from(from, self.addr),
            None => TcpStream::connect(self.addr),
        };
        let Ok(mut stream) = stream else {
            return String::new();
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        // The server may answer (413) and close before the whole body is sent.
        let _ = stream.write_all(&bytes);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).into_owned()
    }

    /// What the server wrote to its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

/// The status of a whole response, 0 for none.
pub fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A connection to `server` from the loopback address `from`, so a test can play
/// several clients.
pub fn connect_from(from: Ipv4Addr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(std::net::IpAddr::V4(from), 0).into())?;
    socket.connect(&server.into())?;
    Ok(socket.into())
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
