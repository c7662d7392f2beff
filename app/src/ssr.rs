//! The server-side halves of the server functions, and the helpers the axum server
//! shares with them: sessions, role checks, engine calls off the async runtime, error
//! mapping and the page's security headers.
//!
//! Only compiled with the `ssr` feature: this is the one module that sees the engine.

pub mod auth;
pub mod convert;
pub mod throttle;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use engine::Engine;
use http::header::{CONTENT_SECURITY_POLICY, RETRY_AFTER, SET_COOKIE};
use http::{HeaderValue, StatusCode};
use leptos::config::{Env, LeptosOptions};
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::error::AppError;
use crate::model::DashboardData;

pub use auth::{SESSION_COOKIE, authorize, session_token};
pub use throttle::SignInThrottle;

/// Where the server functions are mounted.
pub const API_PREFIX: &str = "/api/";

/// Shown when reelsync itself failed; the real error goes to the server log only.
const INTERNAL_MESSAGE: &str =
    "reelsync could not read or write its own data. The details are in the server log.";

impl From<engine::Error> for AppError {
    /// Keeps what the user can act on (a locked or missing warehouse file, a run in
    /// progress, a bad value) and hides the rest, which only an operator can fix.
    fn from(err: engine::Error) -> Self {
        match &err {
            engine::Error::Warehouse(_)
            | engine::Error::RunInProgress(_)
            | engine::Error::StoreFull { .. } => {
                Self::Unavailable(convert::strip_paths(&err.to_string()))
            }
            engine::Error::Invalid(_) | engine::Error::NotFound { .. } => {
                Self::Invalid(convert::strip_paths(&err.to_string()))
            }
            _ => {
                tracing::error!(error = %err, "engine call failed");
                Self::Internal(INTERNAL_MESSAGE.to_owned())
            }
        }
    }
}

/// Runs blocking engine work (SQLite, password hashing) on tokio's blocking pool, so
/// a slow warehouse lock never stalls the async workers serving other requests.
pub async fn blocking<T, F>(engine: &Engine, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> engine::Result<T> + Send + 'static,
{
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || work(&engine))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "blocking engine task did not finish");
            AppError::Internal(INTERNAL_MESSAGE.to_owned())
        })?
        .map_err(AppError::from)
}

/// Awaits a server function's work and, when it fails during a server function
/// call, answers with the error's HTTP status instead of the default 500.
///
/// A page render calls server functions too (to load resources); its status is left
/// alone, since the page itself still renders and shows the error. So is a plain
/// form post's (a browser without the wasm yet): leptos_axum answers it with a
/// redirect back to the form's page, the error carried in the query for the form to
/// show, and a browser only follows a redirect status.
pub async fn respond<T>(work: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let response = use_context::<http::request::Parts>()
        .filter(|parts| parts.uri.path().starts_with(API_PREFIX) && !is_plain_form_post(parts))
        .and_then(|_| use_context::<ResponseOptions>());
    let result = work.await;
    if let (Err(err), Some(response)) = (&result, response) {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.set_status(status);
    }
    result
}

/// Whether the request is a browser's own form submission, which wants a page back
/// (leptos_axum's test for redirecting it; `fetch` calls from the wasm accept JSON).
fn is_plain_form_post(parts: &http::request::Parts) -> bool {
    parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The engine the server provided to this render or server function call.
fn engine() -> Result<Engine, AppError> {
    use_context::<Engine>().ok_or_else(|| missing_context("Engine"))
}

/// The request being answered.
fn request_parts() -> Result<http::request::Parts, AppError> {
    use_context::<http::request::Parts>().ok_or_else(|| missing_context("request parts"))
}

/// Where headers for the response being built go.
fn response_options() -> Result<ResponseOptions, AppError> {
    use_context::<ResponseOptions>().ok_or_else(|| missing_context("ResponseOptions"))
}

fn missing_context(what: &str) -> AppError {
    tracing::error!("{what} missing from the Leptos context; is the server set up right?");
    AppError::Internal(INTERNAL_MESSAGE.to_owned())
}

/// Checks the session cookie of the current request and requires a super admin.
async fn require_admin() -> Result<(Engine, engine::User), AppError> {
    // Contexts are read before the first await, while the owner is certainly current.
    let engine = engine()?;
    let parts = request_parts()?;
    let user = authorize(&engine, &parts.headers).await?;
    Ok((engine, user))
}

/// See [`crate::api::get_dashboard`].
pub async fn dashboard() -> Result<DashboardData, AppError> {
    let (engine, user) = require_admin().await?;
    let figures = blocking(&engine, |engine| engine.dashboard()).await?;
    Ok(convert::dashboard(figures, user.username, Utc::now()))
}

/// See [`crate::api::login`].
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    let engine = engine()?;
    let response = response_options()?;
    let username = username.trim().to_owned();
    if username.is_empty() || password.is_empty() {
        return Err(AppError::Invalid(
            "Enter your username and password.".to_owned(),
        ));
    }

    let throttle =
        use_context::<Arc<SignInThrottle>>().ok_or_else(|| missing_context("SignInThrottle"))?;
    let client = client_address(&request_parts()?);
    if let Some(wait) = throttle.wait(client, &username, Instant::now()) {
        let retry_after_secs = wait.as_secs().max(1);
        tracing::warn!(%client, %username, retry_after_secs, "sign-in throttled");
        if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            response.insert_header(RETRY_AFTER, value);
        }
        return Err(AppError::TooManyAttempts { retry_after_secs });
    }

    let name = username.clone();
    let user = blocking(&engine, move |engine| engine.verify_login(&name, &password)).await?;
    let Some(user) = user else {
        throttle.failed(client, &username, Instant::now());
        tracing::warn!(%client, %username, "sign-in refused: wrong username or password");
        return Err(AppError::BadCredentials);
    };
    throttle.succeeded(client, &username);
    if !user.is_superuser {
        tracing::warn!(%client, %username, "sign-in refused: not a super admin");
        return Err(AppError::NotSuperAdmin);
    }

    let token = blocking(&engine, move |engine| engine.create_session(user.id)).await?;
    response.append_header(SET_COOKIE, auth::session_cookie(&token));
    tracing::info!(%username, "signed in");
    leptos_axum::redirect("/");
    Ok(())
}

/// The address the request came from, as the TCP connection says (never a header a
/// client could forge); unspecified when the server was not told.
fn client_address(parts: &http::request::Parts) -> IpAddr {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// See [`crate::api::logout`].
pub async fn logout() -> Result<(), AppError> {
    let engine = engine()?;
    let response = response_options()?;
    let token = session_token(&request_parts()?.headers);
    if let Some(token) = token {
        blocking(&engine, move |engine| engine.end_session(&token)).await?;
    }
    response.append_header(SET_COOKIE, auth::expired_session_cookie());
    leptos_axum::redirect("/login");
    Ok(())
}

/// Sets the page's Content Security Policy, allowing exactly the inline scripts
/// Leptos writes for this response (they carry its nonce).
pub fn set_page_headers(options: &LeptosOptions) {
    let (Some(response), Some(nonce)) = (use_context::<ResponseOptions>(), use_nonce()) else {
        return;
    };
    let policy = content_security_policy(&nonce, options.env == Env::DEV);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The policy for pages: scripts only from this origin or with this response's
/// nonce; WebAssembly compilation allowed (hydration needs it); no inline styles, no
/// framing, forms only to this origin. In development the live-reload websocket is
/// allowed too.
pub fn content_security_policy(nonce: &str, dev: bool) -> String {
    let connect = if dev { "'self' ws:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_carries_the_nonce_and_allows_wasm() {
        let policy = content_security_policy("abc123", false);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("ws:"));
        assert!(content_security_policy("n", true).contains("connect-src 'self' ws:"));
    }

    #[test]
    fn engine_errors_keep_actionable_text_without_paths() {
        let err = engine::Error::Warehouse(engine::WarehouseError::Missing {
            path: "/srv/warehouse/ism.sqlite3".into(),
        });
        let AppError::Unavailable(message) = AppError::from(err) else {
            panic!("a missing warehouse is 'unavailable'");
        };
        assert_eq!(message, "warehouse database ism.sqlite3 does not exist");
    }

    #[test]
    fn a_full_disk_says_so_without_its_path() {
        let err = engine::Error::StoreFull {
            path: "/var/lib/reelsync/reelsync.sqlite3".into(),
            source: rusqlite::Error::InvalidQuery,
        };
        let AppError::Unavailable(message) = AppError::from(err) else {
            panic!("a full disk is 'unavailable': the admin can free space");
        };
        assert!(
            message.contains("is full") && !message.contains("/var/lib"),
            "{message}"
        );
    }

    #[test]
    fn store_failures_are_hidden() {
        let err = engine::Error::Io {
            context: "reading /var/lib/reelsync/secret".to_owned(),
            source: std::io::Error::other("boom"),
        };
        let AppError::Internal(message) = AppError::from(err) else {
            panic!("an I/O failure is internal");
        };
        assert!(!message.contains("/var/lib"));
    }
}
