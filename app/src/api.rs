//! Server functions: the only way the browser reaches the engine.
//!
//! Each one is a thin shell around a function in [`crate::ssr`], where the session
//! and role checks, the blocking engine calls and the error mapping live. They are
//! mounted under `/api/<endpoint>`; the endpoints are fixed names so that the wasm
//! and the server agree on them however they were built.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::DashboardData;

/// The dashboard's figures. Requires a super admin session.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardData, AppError> {
    crate::ssr::respond(crate::ssr::dashboard()).await
}

/// Signs in: checks the password, requires a super admin, and sets the session
/// cookie. Then sends the browser to the dashboard.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    crate::ssr::respond(crate::ssr::login(username, password)).await
}

/// Signs out: ends the session (if any), clears the cookie and sends the browser to
/// the login page. Needs no valid session: signing out is always allowed.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::ssr::respond(crate::ssr::logout()).await
}
