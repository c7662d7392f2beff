//! The accept loop: HTTP/1.1 connections with deadlines, and a cap on how many
//! are open, in total and per client address.
//!
//! `axum::serve` waits on a client for ever: a connection that sends nothing, or
//! its headers a line at a time, holds a descriptor until the client lets go, and
//! a thousand of them (one laptop's worth) took every descriptor of a service
//! under systemd's default limit of 1,024, after which the server accepted
//! nobody. Here:
//!
//! - a request's headers must arrive within [`HEADER_READ`] of the connection
//!   becoming ready for them: when it opens, and again after each answer, so the
//!   same deadline closes an idle keep-alive connection (hyper starts its header
//!   timer whenever it waits for a request head; while an answer, an event
//!   stream's included, is being written, no timer runs);
//! - a request's body must arrive within `security::BODY_DEADLINE` (see
//!   [`super::security::limit_body`]);
//! - at most [`Limits::total`] connections are open at once, and at most
//!   [`Limits::per_client`] from one address; a connection past either is answered
//!   `503` with `Retry-After` and closed at once, without being read.
//!
//! Only HTTP/1.1 is spoken, over TLS too (`reelsync https enable`): one protocol
//! with these deadlines rather than two. The TLS handshake must also end within
//! [`HEADER_READ`].

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum_server::accept::{Accept, DefaultAcceptor};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// How long a client has to send a request's headers, from the moment the
/// connection is ready for them (opened, or done with the last answer).
pub const HEADER_READ: Duration = Duration::from_secs(5);

/// How long in-flight requests get to finish after a stop signal; event streams
/// never finish on their own, so the wait must end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Descriptors kept out of the connections' share: the store's pool, the
/// warehouse file, a run's files, snapshots, the site's files being sent, logs.
const RESERVED_DESCRIPTORS: u64 = 128;

/// How many connections may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// In all.
    pub total: usize,
    /// From one client address. A browser opens six at most, plus its event
    /// streams.
    pub per_client: usize,
}

impl Limits {
    /// The caps for a process that may hold `descriptors` open files: half of
    /// what is left after [`RESERVED_DESCRIPTORS`] for connections (each is one
    /// descriptor, and a request may open a file or two while it runs), at most
    /// 1,024; and an eighth of that per address, at most 64.
    pub fn for_descriptors(descriptors: u64) -> Self {
        let total = (descriptors.saturating_sub(RESERVED_DESCRIPTORS) / 2).clamp(16, 1024);
        let total = usize::try_from(total).unwrap_or(1024);
        Self {
            total,
            per_client: (total / 8).clamp(4, 64),
        }
    }
}

/// Raises the soft limit on open files to the hard one, and returns the limit
/// now in force. A service under systemd starts with a soft limit of 1,024 and a
/// much higher hard one, which a process may take for itself.
pub fn raise_descriptor_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes only into `limit`, a valid `rlimit` we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            "cannot read the open-file limit; assuming 1,024"
        );
        return 1024;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: `setrlimit` only reads `raised`, a valid `rlimit`.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = limit.rlim_max;
        } else {
            tracing::warn!(
                error = %std::io::Error::last_os_error(),
                soft = limit.rlim_cur,
                hard = limit.rlim_max,
                "cannot raise the open-file limit"
            );
        }
    }
    // RLIM_INFINITY is u64::MAX; the caps are clamped anyway.
    limit.rlim_cur
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` resolves,
/// then gives in-flight requests [`SHUTDOWN_GRACE`] to finish. Requests that
/// came over TLS carry [`app::ssr::OverHttps`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<RustlsConfig>,
    shutdown: impl Future<Output = ()>,
) {
    let tls = tls.map(|config| {
        RustlsAcceptor::new(config)
            .acceptor(DefaultAcceptor)
            .handshake_timeout(HEADER_READ)
    });
    let slots = Slots::new(limits);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_accept_error: Option<tokio::time::Instant> = None;
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors (EMFILE) or the like: say so once a
                    // minute, and give connections a moment to close rather than
                    // spin on the error.
                    if last_accept_error.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                        tracing::error!(error = %err, "cannot accept a connection");
                        last_accept_error = Some(tokio::time::Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = slots.take(client.ip()) else {
            refuse(&stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let over_https = tls.is_some();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            // What sign-in throttling counts by, as `into_make_service_with_
            // connect_info` would have set it.
            req.extensions_mut().insert(ConnectInfo(client));
            if over_https {
                req.extensions_mut().insert(app::ssr::OverHttps);
            }
            let app = app.clone();
            async move {
                let response = app.oneshot(req.map(Body::new)).await;
                Ok::<_, Infallible>(match response {
                    Ok(response) => response,
                    Err(never) => match never {},
                })
            }
        });
        let http = http.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            // A client that goes away mid-answer, or fails its handshake, is its
            // own business.
            match tls {
                None => {
                    let _ = watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await;
                }
                Some(tls) => {
                    if let Ok((stream, _)) = tls.accept(stream, ()).await {
                        let _ = watcher
                            .watch(http.serve_connection(TokioIo::new(stream), service))
                            .await;
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::info!("stopped with requests still open (event streams)");
        }
    }
}

/// Answers a connection past a cap without reading it: `503`, come back in a
/// second. A write that would block is skipped: the client then sees a close.
fn refuse(stream: &TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
        Content-Length: 0\r\nConnection: close\r\n\r\n";
    let _ = stream.try_write(BUSY);
}

/// The connections open now, in total and per client address.
#[derive(Debug, Clone)]
struct Slots {
    limits: Limits,
    open: Arc<Mutex<Open>>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// One open connection's place; given back when dropped.
#[derive(Debug)]
struct Slot {
    open: Arc<Mutex<Open>>,
    client: IpAddr,
}

impl Slots {
    fn new(limits: Limits) -> Self {
        Self {
            limits,
            open: Arc::default(),
        }
    }

    /// A place for a connection from `client`, unless a cap is reached.
    fn take(&self, client: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = open.by_client.get(&client).copied().unwrap_or(0);
        if open.total >= self.limits.total || mine >= self.limits.per_client {
            return None;
        }
        open.total += 1;
        open.by_client.insert(client, mine + 1);
        Some(Slot {
            open: self.open.clone(),
            client,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total -= 1;
        if let Some(mine) = open.by_client.get_mut(&self.client) {
            *mine -= 1;
            if *mine == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn caps_follow_the_descriptor_limit() {
        assert_eq!(
            Limits::for_descriptors(1024),
            Limits {
                total: 448,
                per_client: 56
            }
        );
        assert_eq!(
            Limits::for_descriptors(256),
            Limits {
                total: 64,
                per_client: 8
            }
        );
        assert_eq!(Limits::for_descriptors(u64::MAX).total, 1024);
        assert_eq!(Limits::for_descriptors(u64::MAX).per_client, 64);
        assert_eq!(Limits::for_descriptors(10).total, 16);
    }

    #[test]
    fn a_client_past_its_cap_is_refused_and_others_are_not() {
        let slots = Slots::new(Limits {
            total: 3,
            per_client: 2,
        });
        let a1 = slots.take(A).unwrap();
        let _a2 = slots.take(A).unwrap();
        assert!(slots.take(A).is_none(), "per client");
        let _b1 = slots.take(B).unwrap();
        assert!(slots.take(B).is_none(), "in total");
        drop(a1);
        assert!(
            slots.take(B).is_some(),
            "a closed connection gives its place back"
        );
    }
}
