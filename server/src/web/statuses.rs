//! The one place a failed server function's HTTP status is set: from its
//! [`AppError`], by [`AppError::status`]. The framework answers every error 500;
//! this layer reads the error it sent and answers with the error's own status, so
//! no server function can answer 500 for a client's mistake, and none has to
//! remember to set its status.
//!
//! Arguments the framework could not read (missing fields, bytes that are not
//! UTF-8, a truncated form) are the client's mistake too: answered 400
//! [`AppError::Unreadable`], instead of the framework's 500 that echoed its
//! internal error text.
//!
//! A server function that answered without taking the [`app::ssr::AdminUser`]
//! the session gate checked for it never asked who was calling: whatever it
//! answered, it is answered 500 instead (a bug to fix, which the route inventory
//! test finds), unless the framework refused its arguments before it ran.
//!
//! A browser's own form post (before the wasm, or without it) is answered with a
//! redirect back to its form, the error in the address for the form to show; a
//! browser only follows a redirect status, so that is left alone. Except an
//! unreadable request, which no browser's form makes (a line break in a hidden
//! field) and which has no form page to go back to: 400.

use app::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::{SERVER_FN_ERROR_HEADER, ServerFnErrorErr};

/// The most of an error response this reads to tell what it is; server-function
/// errors are a few hundred bytes.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Put on a response by the session gate when the handler it checked the
/// session for did not take the [`app::ssr::AdminUser`].
#[derive(Debug, Clone, Copy)]
pub struct AdminUserNotTaken;

/// Answers a failed server function with its error's status.
pub async fn errors_answer_their_status(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let is_api = path.starts_with(app::ssr::API_PREFIX);
    let response = next.run(req).await;
    let failed = response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    let not_taken = response.extensions().get::<AdminUserNotTaken>().is_some();
    let answered = response.status().is_success() || response.status().is_redirection();
    if not_taken && answered && !failed {
        return never_asked(&path);
    }
    if !is_api || !failed {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, ERROR_BODY_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let Ok(error) = serde_json::from_slice::<AppError>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let unread_arguments = matches!(
        error,
        AppError::ServerFn(
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_),
        )
    );
    if not_taken && !unread_arguments {
        return never_asked(&path);
    }
    let redirect = parts.status.is_redirection();
    let error = if unread_arguments && !redirect {
        AppError::Unreadable
    } else {
        error
    };
    if redirect {
        if error != AppError::Unreadable {
            return Response::from_parts(parts, Body::from(bytes));
        }
        parts.headers.remove(header::LOCATION);
    }
    parts.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_string(&error).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// The answer to a server function that never asked who was calling.
fn never_asked(path: &str) -> Response {
    tracing::error!(%path, "a server function answered without taking its AdminUser");
    AppError::Internal.into_response()
}

/// Whether the request is a browser's own form submission, which wants a page
/// back (leptos_axum's test for redirecting it; `fetch` calls from the wasm
/// accept JSON).
pub fn is_plain_form_post(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}
