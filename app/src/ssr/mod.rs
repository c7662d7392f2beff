//! What every server function shares on the server: the one way in to the engine
//! ([`AdminUser`], in [`admin`]), the request from the Leptos context, and the
//! mapping of engine errors to what the user is told. A failed server function's
//! HTTP status is set in one place, by the server's layer around `/api/`, from
//! [`AppError::status`].
//!
//! Only compiled with the `ssr` feature: with [`crate::pages`]' server-function
//! bodies, this is the only code that sees the engine.

pub mod admin;
pub mod auth;
pub mod csp;
pub mod failures;
pub mod grid;
pub mod https;
pub mod runs;
pub mod throttle;
pub mod tracked;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use chrono::{DateTime, Utc};
use engine::WarehouseZone;
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::error::AppError;
use crate::pages::Moment;

pub use admin::{AdminUser, SessionCheck, SignedInUser, Visitor, client_from, client_of};
pub use auth::{OverHttps, SESSION_COOKIE, SignOuts, cookie, session_token};
pub use csp::{PagePolicy, content_security_policy, set_page_headers};
pub use grid::GridCatalogue;
pub use https::{HttpsControl, HttpsSwitch};
pub use runs::RunManager;
pub use throttle::SignInThrottle;
pub use tracked::TrackedList;

/// The app's style sheet, which every page carries in its `<head>`.
pub const STYLE_SHEET: &str = include_str!("../../../style/main.css");

/// Where the server functions are mounted.
pub const API_PREFIX: &str = "/api/";

impl From<engine::Error> for AppError {
    /// Keeps what the user can act on (a locked or missing warehouse file, a run in
    /// progress, a full disk, a bad value) and hides the rest, which only an
    /// operator can fix, in the server log.
    fn from(err: engine::Error) -> Self {
        match err {
            engine::Error::Warehouse(e) => Self::Warehouse(e.problem()),
            engine::Error::RunInProgress(run) => Self::RunInProgress {
                run_id: run.run_id,
                who: run.who,
            },
            engine::Error::StoreFull { .. } => {
                tracing::error!(error = %err, "the main store's disk is full");
                Self::StoreFull
            }
            engine::Error::Refused(refusal) => Self::Refused(refusal),
            engine::Error::NotFound { .. } => Self::NotFound,
            err => {
                tracing::error!(error = %err, "engine call failed");
                Self::Internal
            }
        }
    }
}

/// An error answered from a plain axum handler (the event stream): its status
/// from [`AppError::status`], the one table of statuses, and the error as JSON,
/// as a server function sends it.
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_default();
        (
            status,
            [(http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

/// Sends a browser's own form post (made before the wasm, or without it) on to
/// `path`; a call from the wasm stays on its page, which updates itself.
pub fn redirect_plain_form(path: &str) {
    if use_context::<http::request::Parts>().is_some_and(|parts| is_plain_form_post(&parts)) {
        leptos_axum::redirect(path);
    }
}

/// A filter's choice from a query: empty (or absent) is any; anything else must
/// be a spelling `parse` knows, or the request is unreadable.
pub fn choice<T>(value: Option<&str>, parse: fn(&str) -> Option<T>) -> Result<Option<T>, AppError> {
    match text(value) {
        Some(value) => parse(&value).map(Some).ok_or(AppError::Unreadable),
        None => Ok(None),
    }
}

/// A filter's text from a query, trimmed; empty (or absent) is none.
pub fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
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

/// The request being answered.
pub fn request_parts() -> Result<http::request::Parts, AppError> {
    use_context::<http::request::Parts>().ok_or_else(|| missing_context("request parts"))
}

/// Where headers for the response being built go.
pub fn response_options() -> Result<ResponseOptions, AppError> {
    use_context::<ResponseOptions>().ok_or_else(|| missing_context("ResponseOptions"))
}

/// The sign-in throttle the server keeps.
pub fn sign_in_throttle() -> Result<std::sync::Arc<SignInThrottle>, AppError> {
    use_context().ok_or_else(|| missing_context("SignInThrottle"))
}

/// Where sign-outs are told, for the event streams to end with their session.
pub fn sign_outs() -> Result<SignOuts, AppError> {
    use_context().ok_or_else(|| missing_context("SignOuts"))
}

fn missing_context(what: &str) -> AppError {
    tracing::error!("{what} missing from the Leptos context; is the server set up right?");
    AppError::Internal
}

/// The address the request came from, as the TCP connection says (never a header a
/// client could forge); unspecified when the server was not told.
pub fn client_address(parts: &http::request::Parts) -> IpAddr {
    peer_address(&parts.extensions)
}

/// [`client_address`] from a request's extensions.
pub fn peer_address(extensions: &http::Extensions) -> IpAddr {
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// `at` as a [`Moment`]: the instant, and the mill's wall-clock time then (the
/// warehouse's zone, which is the mill's).
pub fn moment(zone: WarehouseZone, at: DateTime<Utc>) -> Moment {
    Moment {
        utc: at,
        local: zone.local(at),
    }
}

/// A run's summary as the browser may see it: an error only the engine's English
/// words (which may name paths) travels without them; the server log has it.
pub fn redact_run(run: &mut model::RunSummary) {
    if let Some(model::RunError::Other { text }) = &mut run.error {
        text.clear();
    }
}

/// A run item as the browser may see it: a reason logged before reasons were
/// codes, in English that may name paths, with the paths cut to file names.
pub fn redact_item(item: &mut model::RunItem) {
    if let Some(model::Reason::Text { text }) = &mut item.reason {
        *text = strip_paths(text);
    }
}

/// Replaces absolute file paths in a message with their file names: the user needs
/// to know *which* file, not where the server keeps it.
pub fn strip_paths(message: &str) -> String {
    message
        .split(' ')
        .map(|word| {
            let start = word
                .find(|c| !matches!(c, '"' | '\'' | '(' | '['))
                .unwrap_or(0);
            let (prefix, rest) = word.split_at(start);
            match rest.strip_prefix('/') {
                Some(path) => format!("{prefix}{}", path.rsplit('/').next().unwrap_or(path)),
                None => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use model::WarehouseProblem;

    use super::*;

    #[test]
    fn a_filter_choice_is_any_when_empty_and_unreadable_when_unknown() {
        let parse = model::Action::parse;
        assert_eq!(choice(None, parse), Ok(None));
        assert_eq!(choice(Some("  "), parse), Ok(None));
        assert_eq!(
            choice(Some(" reject "), parse),
            Ok(Some(model::Action::Reject))
        );
        assert_eq!(choice(Some("drop table"), parse), Err(AppError::Unreadable));
        assert_eq!(text(Some(" R23-1 ")), Some("R23-1".to_owned()));
        assert_eq!(text(Some("")), None);
    }

    #[test]
    fn a_missing_warehouse_is_named_by_its_file_only() {
        let err = engine::Error::Warehouse(engine::WarehouseError::Missing {
            path: "/srv/warehouse/ism.sqlite3".into(),
        });
        assert_eq!(
            AppError::from(err),
            AppError::Warehouse(WarehouseProblem::Missing {
                file: "ism.sqlite3".into()
            })
        );
    }

    #[test]
    fn a_full_disk_says_so() {
        let err = engine::Error::StoreFull {
            path: "/var/lib/reelsync/reelsync.sqlite3".into(),
            source: rusqlite::Error::InvalidQuery,
        };
        assert_eq!(AppError::from(err), AppError::StoreFull);
    }

    #[test]
    fn store_failures_are_hidden() {
        let err = engine::Error::Io {
            context: "reading /var/lib/reelsync/secret".to_owned(),
            source: std::io::Error::other("boom"),
        };
        assert_eq!(AppError::from(err), AppError::Internal);
    }

    #[test]
    fn refusals_travel_as_codes_with_their_values() {
        let refusal = model::Refusal::RunNotRunning {
            run_id: 7,
            ended: model::Outcome::Succeeded,
        };
        let err = engine::Error::Refused(refusal.clone());
        assert_eq!(AppError::from(err), AppError::Refused(refusal));
        let err = engine::Error::Internal("a bug".into());
        assert_eq!(AppError::from(err), AppError::Internal);
    }

    #[test]
    fn paths_are_reduced_to_file_names() {
        assert_eq!(
            strip_paths("warehouse database /srv/ism/db.sqlite3 is locked"),
            "warehouse database db.sqlite3 is locked"
        );
        assert_eq!(
            strip_paths("warehouse database /a/b.sqlite3: disk I/O error"),
            "warehouse database b.sqlite3: disk I/O error"
        );
        assert_eq!(
            strip_paths("cannot open \"/x/y/z.db\""),
            "cannot open \"z.db\""
        );
        assert_eq!(strip_paths("no paths here"), "no paths here");
    }
}
