//! The switch between the Settings page and the server's HTTPS listener: the
//! page changes the certificate files, then asks the server to serve what they
//! now say, and is told what it serves.

use tokio::sync::{mpsc, oneshot, watch};

use crate::error::AppError;
use crate::pages::HttpsServing;

/// How long a page waits for the server to start, reload or stop its HTTPS
/// listener: stopping gives open requests a few seconds to end.
const APPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// The pages' end of the switch, in every request's context.
#[derive(Debug, Clone)]
pub struct HttpsSwitch {
    requests: mpsc::Sender<oneshot::Sender<HttpsServing>>,
    serving: watch::Receiver<HttpsServing>,
}

/// The server's end: it takes each request, serves what the certificate files
/// say, answers the request with it and publishes it.
#[derive(Debug)]
pub struct HttpsControl {
    pub requests: mpsc::Receiver<oneshot::Sender<HttpsServing>>,
    pub serving: watch::Sender<HttpsServing>,
}

impl HttpsSwitch {
    /// A switch, off, and the server's end of it.
    pub fn new() -> (Self, HttpsControl) {
        let (requests, asked) = mpsc::channel(4);
        let (serving, watched) = watch::channel(HttpsServing::Off);
        let switch = Self {
            requests,
            serving: watched,
        };
        (
            switch,
            HttpsControl {
                requests: asked,
                serving,
            },
        )
    }

    /// What the server serves now.
    pub fn serving(&self) -> HttpsServing {
        *self.serving.borrow()
    }

    /// Asks the server to serve what the certificate files now say, and waits
    /// for what it then serves.
    pub async fn apply(&self) -> Result<HttpsServing, AppError> {
        let (reply, answer) = oneshot::channel();
        let asked = async {
            self.requests.send(reply).await.ok()?;
            answer.await.ok()
        };
        match tokio::time::timeout(APPLY_WAIT, asked).await {
            Ok(Some(serving)) => Ok(serving),
            // The server is stopping, or took too long: it says why in its log.
            Ok(None) | Err(_) => {
                tracing::error!("the HTTPS listener did not answer the switch");
                Err(AppError::Internal)
            }
        }
    }
}
