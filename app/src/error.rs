//! The one error type every server function returns.
//!
//! It crosses the wire as JSON, so the browser can tell "sign in again" from "the
//! warehouse is locked" and show the right thing. Messages are written for the
//! super admin reading them on a phone: what happened, in plain words, and never a
//! file path, a password or a token.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a server function refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No session, or it expired: the user has to sign in (again).
    #[error("Your session has ended. Please sign in again.")]
    Unauthorized,
    /// Signed in, but not as a super admin.
    #[error("Super admin only: this account cannot use reelsync. Ask a super admin for access.")]
    NotSuperAdmin,
    /// The username or password is wrong (deliberately not saying which).
    #[error("Wrong username or password.")]
    BadCredentials,
    /// Too many failed sign-ins from this device or on this account: the password
    /// was not checked.
    #[error("Too many failed sign-ins. Wait {retry_after_secs} seconds, then try again.")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The request itself is wrong; nothing changed.
    #[error("{0}")]
    Invalid(String),
    /// Something outside reelsync is not usable right now (the warehouse file is
    /// locked or missing, another run holds the lock, …); trying again may work.
    #[error("{0}")]
    Unavailable(String),
    /// reelsync itself failed; the details are in the server log, not here.
    #[error("{0}")]
    Internal(String),
    /// The call did not get through (network, decoding, …).
    #[error("The server could not be reached: {0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized | Self::BadCredentials => 401,
            Self::NotSuperAdmin => 403,
            Self::TooManyAttempts { .. } => 429,
            Self::Invalid(_) => 400,
            Self::Unavailable(_) => 503,
            Self::Internal(_) | Self::ServerFn(_) => 500,
        }
    }

    /// What the user can do about it, for the error panel.
    pub fn advice(&self) -> &'static str {
        match self {
            Self::Unauthorized => "Sign in again.",
            Self::NotSuperAdmin => "Sign out, then sign in with a super admin account.",
            Self::BadCredentials | Self::Invalid(_) => "Check what you typed and try again.",
            Self::TooManyAttempts { .. } => {
                "Wait, then sign in with the right password. If you have forgotten it, ask another super admin to reset it."
            }
            Self::Unavailable(_) => {
                "Check that the warehouse app's database is in place and not busy, then press Refresh."
            }
            Self::Internal(_) => {
                "Press Refresh. If it keeps failing, check reelsync's log on the Pi (journalctl -u reelsync)."
            }
            Self::ServerFn(_) => {
                "Check this device's connection to the mill's network, then press Refresh."
            }
        }
    }

    /// Whether signing in (again) is the way out of this error.
    pub fn needs_login(&self) -> bool {
        matches!(self, Self::Unauthorized)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_map_to_auth_statuses() {
        assert_eq!(AppError::Unauthorized.status(), 401);
        assert_eq!(AppError::BadCredentials.status(), 401);
        assert_eq!(AppError::NotSuperAdmin.status(), 403);
        assert!(AppError::Unauthorized.needs_login());
        assert!(!AppError::NotSuperAdmin.needs_login());
    }

    #[test]
    fn not_super_admin_says_so() {
        assert!(
            AppError::NotSuperAdmin
                .to_string()
                .starts_with("Super admin only")
        );
    }
}
