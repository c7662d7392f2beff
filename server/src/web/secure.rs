//! The HTTPS listener, beside plain HTTP: started, given a new certificate or
//! stopped whenever the Settings page's switch asks, from what the certificate
//! files in the data directory say (`reelsync https enable` writes the same
//! files; the server reads them at its start).
//!
//! A port that can't be had, or a certificate that can't be read, leaves plain
//! HTTP serving: the Settings page says what went wrong, and is there to fix it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use app::pages::HttpsServing;
use app::ssr::HttpsControl;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::listen::{self, Limits};

/// What the HTTPS listener needs to serve.
pub struct Secure {
    /// Where HTTPS is served.
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub app: Router,
    pub limits: Limits,
}

/// The listener while it serves.
struct Serving {
    port: u16,
    /// Shared with the accept loop: a new certificate goes in without a restart.
    tls: RustlsConfig,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Serving {
    /// Stops accepting, and waits while open requests get their grace.
    async fn close(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

impl Secure {
    /// Serves what the certificate files say now, then follows the switch until
    /// `stopped` turns true. Returns once serving has begun (or failed); the
    /// rest runs in the background, and the handle ends after the listener.
    pub async fn start(
        self,
        mut control: HttpsControl,
        stopped: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let mut serving = None;
        let now = self.apply(&mut serving, &stopped).await;
        control.serving.send_replace(now);
        tokio::spawn(async move {
            let mut server_stops = std::pin::pin!(stopping(stopped.clone()));
            loop {
                tokio::select! {
                    asked = control.requests.recv() => {
                        let Some(reply) = asked else { break };
                        let now = self.apply(&mut serving, &stopped).await;
                        control.serving.send_replace(now);
                        let _ = reply.send(now);
                    }
                    () = &mut server_stops => break,
                }
            }
            // Stopped with the server, or no switch is left to turn it off: its
            // requests get their grace either way.
            if let Some(serving) = serving {
                serving.close().await;
            }
        })
    }

    /// Brings the listener in line with the certificate files.
    async fn apply(
        &self,
        serving: &mut Option<Serving>,
        stopped: &watch::Receiver<bool>,
    ) -> HttpsServing {
        let port = self.addr.port();
        let config = match self.read_config().await {
            Ok(config) => config,
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "cannot serve HTTPS");
                // A listener already serving keeps its certificate.
                return match serving {
                    Some(serving) => HttpsServing::On { port: serving.port },
                    None => HttpsServing::Failed { port },
                };
            }
        };
        let Some(config) = config else {
            if let Some(running) = serving.take() {
                running.close().await;
                tracing::info!("reelsync no longer serves HTTPS");
            }
            return HttpsServing::Off;
        };
        if let Some(running) = serving {
            running.tls.reload_from_config(config);
            tracing::info!(port = running.port, "HTTPS serves a new certificate");
            return HttpsServing::On { port: running.port };
        }
        match self.listen(config, stopped).await {
            Ok(running) => {
                let port = running.port;
                *serving = Some(running);
                HttpsServing::On { port }
            }
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
                tracing::error!(addr = %self.addr, "cannot serve HTTPS: the port is in use");
                HttpsServing::PortInUse { port }
            }
            Err(error) => {
                tracing::error!(addr = %self.addr, %error, "cannot serve HTTPS");
                HttpsServing::Failed { port }
            }
        }
    }

    /// TLS settings from the certificate files; none while HTTPS is off.
    async fn read_config(&self) -> anyhow::Result<Option<Arc<rustls::ServerConfig>>> {
        let data_dir = self.data_dir.clone();
        let identity = tokio::task::spawn_blocking(move || engine::tls::server_identity(&data_dir))
            .await
            .context("reading the HTTPS certificate")?
            .context("reading the HTTPS certificate")?;
        identity.as_ref().map(tls_config).transpose()
    }

    /// Binds the HTTPS port and serves on it until told to stop, or until the
    /// whole server stops.
    async fn listen(
        &self,
        config: Arc<rustls::ServerConfig>,
        stopped: &watch::Receiver<bool>,
    ) -> std::io::Result<Serving> {
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let port = listener.local_addr()?.port();
        tracing::info!("reelsync is serving https://{}", listener.local_addr()?);
        let tls = RustlsConfig::from_config(config);
        let (stop, told) = oneshot::channel();
        let server_stops = stopping(stopped.clone());
        let shutdown = async move {
            tokio::select! {
                _ = told => {}
                () = server_stops => {}
            }
        };
        let task = tokio::spawn(listen::serve(
            listener,
            self.app.clone(),
            self.limits,
            Some(tls.clone()),
            shutdown,
        ));
        Ok(Serving {
            port,
            tls,
            stop,
            task,
        })
    }
}

/// Resolves once the whole server stops.
pub async fn stopping(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stopped| *stopped).await;
}

/// TLS with the server's certificate, speaking HTTP/1.1 only (as the accept
/// loop does; axum-server's own settings would offer HTTP/2 too).
fn tls_config(identity: &engine::tls::ServerIdentity) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let certs = CertificateDer::pem_slice_iter(identity.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("reading the server certificate")?;
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes())
        .context("reading the server key")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use app::ssr::HttpsSwitch;
    use tokio::net::TcpStream;

    use super::*;

    #[tokio::test]
    async fn the_listener_follows_the_files_and_ends_with_its_switch() {
        let dir = tempfile::tempdir().unwrap();
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (switch, control) = HttpsSwitch::new();
        let (_server_runs, stopped) = watch::channel(false);
        let secure = Secure {
            addr,
            data_dir: dir.path().to_owned(),
            app: Router::new(),
            limits: Limits::for_descriptors(1024),
        };
        let task = secure.start(control, stopped).await;
        assert_eq!(switch.serving(), HttpsServing::Off);

        let names = engine::tls::ServerNames {
            dns: vec!["localhost".into()],
            addresses: vec![std::net::Ipv4Addr::LOCALHOST.into()],
        };
        engine::tls::enable(dir.path(), &names).unwrap();
        let on = HttpsServing::On { port: addr.port() };
        assert_eq!(switch.apply().await.unwrap(), on);
        assert_eq!(switch.serving(), on);
        assert!(TcpStream::connect(addr).await.is_ok());

        // No switch left, nobody can turn it off: the listener stops with it.
        drop(switch);
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the task ends with its switch")
            .unwrap();
        assert!(TcpStream::connect(addr).await.is_err());
    }
}
