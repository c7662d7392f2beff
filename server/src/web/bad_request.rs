//! Server-function calls whose arguments can't be read (missing fields, bytes that
//! are not UTF-8, a truncated form) are the client's mistake: answered 400 with a
//! message in plain words, instead of the framework's 500 that echoed its internal
//! error text.

use app::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::ServerFnErrorErr;

/// The most of an error response this reads to tell what it is; server-function
/// errors are a few hundred bytes.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Turns a server function's refusal of its arguments into 400 [`AppError::Unreadable`].
pub async fn unreadable_arguments_are_400(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with(app::ssr::API_PREFIX);
    let response = next.run(req).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, ERROR_BODY_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match serde_json::from_slice::<AppError>(&bytes) {
        Ok(AppError::ServerFn(
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_),
        )) => {
            let body = serde_json::to_string(&AppError::Unreadable).unwrap_or_default();
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
        _ => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}
