//! The one error type every server function returns.
//!
//! It crosses the wire as JSON, as a code with its values and no sentences, so the
//! browser can tell "sign in again" from "the warehouse is locked" and word it in
//! the user's language ([`AppError::message`], [`AppError::advice`]). Nothing in it
//! is ever a file path, a password or a token.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use model::WarehouseProblem;
use serde::{Deserialize, Serialize};

use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::problems::{accept_command, warehouse_problem};

/// Why a server function refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No session, or it expired: the user has to sign in (again).
    #[error("no session")]
    Unauthorized,
    /// Signed in, but not as a super admin.
    #[error("not a super admin")]
    NotSuperAdmin,
    /// Signed in with a one-time password, which must be changed first.
    #[error("the one-time password must be changed first")]
    MustChangePassword,
    /// The username or password is wrong (deliberately not saying which).
    #[error("wrong username or password")]
    BadCredentials,
    /// The new password and its repetition differ; nothing changed.
    #[error("the two new passwords differ")]
    PasswordsDiffer,
    /// The sign-in form came without a username or password.
    #[error("no username or password")]
    MissingCredentials,
    /// Too many failed sign-ins from this device or on this account: the password
    /// was not checked.
    #[error("too many failed sign-ins; retry after {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The request's arguments could not be read (a truncated form, bytes that
    /// are not UTF-8, …); nothing changed.
    #[error("unreadable request")]
    Unreadable,
    /// The automatic sync interval is not a whole number of minutes in range.
    #[error("interval out of range {min}–{max}")]
    IntervalOutOfRange { min: u32, max: u32 },
    /// The number of snapshots to keep is not a whole number in range.
    #[error("snapshot retention out of range {min}–{max}")]
    RetentionOutOfRange { min: u32, max: u32 },
    /// A request the engine refused, and why, as a code with its values; nothing
    /// changed.
    #[error("{0}")]
    Refused(model::Refusal),
    /// What was asked for does not exist (any more).
    #[error("not found")]
    NotFound,
    /// The import grid's address holds a filter, sort or key it can't read.
    #[error("unreadable grid filter {key}={value}")]
    BadFilter { key: String, value: String },
    /// "Import selected" with nothing selected.
    #[error("nothing selected")]
    NothingSelected,
    /// A scanned reel that can't be selected, and why.
    #[error("{reel} can't be imported: {reason}")]
    NotImportable { reel: String, reason: model::Reason },
    /// The warehouse file can't be used right now; trying again may work.
    #[error("{0}")]
    Warehouse(WarehouseProblem),
    /// Another run holds the run lock.
    #[error("run {run_id:?} by {who} is in progress")]
    RunInProgress { run_id: Option<i64>, who: String },
    /// The disk holding reelsync's own store is full.
    #[error("the main store's disk is full")]
    StoreFull,
    /// reelsync itself failed; the details are in the server log, not here.
    #[error("internal error")]
    Internal,
    /// The call did not get through (network, decoding, …).
    #[error("server function call failed: {0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized | Self::BadCredentials => 401,
            Self::NotSuperAdmin | Self::MustChangePassword => 403,
            Self::NotFound => 404,
            Self::RunInProgress { .. } => 409,
            Self::TooManyAttempts { .. } => 429,
            Self::MissingCredentials
            | Self::Unreadable
            | Self::PasswordsDiffer
            | Self::Refused(_)
            | Self::BadFilter { .. }
            | Self::NothingSelected
            | Self::NotImportable { .. }
            | Self::IntervalOutOfRange { .. }
            | Self::RetentionOutOfRange { .. } => 400,
            Self::Warehouse(_) | Self::StoreFull => 503,
            Self::Internal | Self::ServerFn(_) => 500,
        }
    }

    /// What happened, in the user's language.
    pub fn message(&self, locale: Locale) -> String {
        let n = |value: u64| fmt::number(locale, value);
        match self {
            Self::Unauthorized => td_string!(locale, error.unauthorized).to_string(),
            Self::NotSuperAdmin => td_string!(locale, error.not_super_admin).to_string(),
            Self::MustChangePassword => td_string!(locale, error.must_change_password).to_string(),
            Self::BadCredentials => td_string!(locale, error.bad_credentials).to_string(),
            Self::MissingCredentials => td_string!(locale, error.missing_credentials).to_string(),
            Self::PasswordsDiffer => td_string!(locale, error.passwords_differ).to_string(),
            Self::TooManyAttempts { retry_after_secs } => {
                td_string!(locale, error.too_many_attempts, secs = n(*retry_after_secs)).to_string()
            }
            Self::Unreadable => td_string!(locale, error.unreadable).to_string(),
            Self::IntervalOutOfRange { min, max } => td_string!(
                locale,
                error.interval_out_of_range,
                min = n(u64::from(*min)),
                max = n(u64::from(*max))
            )
            .to_string(),
            Self::RetentionOutOfRange { min, max } => td_string!(
                locale,
                error.retention_out_of_range,
                min = n(u64::from(*min)),
                max = n(u64::from(*max))
            )
            .to_string(),
            Self::Refused(refusal) => crate::refusals::refusal(locale, refusal),
            Self::NotFound => td_string!(locale, error.not_found).to_string(),
            Self::BadFilter { key, value } => {
                let key = fmt::isolate(key);
                let value = fmt::isolate(value);
                td_string!(locale, error.bad_filter, key, value).to_string()
            }
            Self::NothingSelected => td_string!(locale, error.nothing_selected).to_string(),
            Self::NotImportable { reel, reason } => {
                let reel = fmt::isolate(reel);
                let reason = crate::reasons::reason(locale, reason);
                td_string!(locale, error.not_importable, reel, reason).to_string()
            }
            Self::Warehouse(problem) => warehouse_problem(locale, problem),
            Self::RunInProgress { run_id, who } => td_string!(
                locale,
                error.run_in_progress,
                id = run_id.map_or_else(|| "?".to_owned(), |id| n(id.unsigned_abs())),
                who
            )
            .to_string(),
            Self::StoreFull => td_string!(locale, error.store_full).to_string(),
            Self::Internal => td_string!(locale, error.internal).to_string(),
            Self::ServerFn(_) => td_string!(locale, error.network).to_string(),
        }
    }

    /// What the user can do about it, in their language.
    pub fn advice(&self, locale: Locale) -> String {
        match self {
            Self::Unauthorized => td_string!(locale, error.unauthorized_advice),
            Self::NotSuperAdmin => td_string!(locale, error.not_super_admin_advice),
            Self::MustChangePassword => td_string!(locale, error.must_change_password_advice),
            Self::BadCredentials
            | Self::MissingCredentials
            | Self::PasswordsDiffer
            | Self::Refused(_)
            | Self::IntervalOutOfRange { .. }
            | Self::RetentionOutOfRange { .. } => {
                td_string!(locale, error.check_and_retry)
            }
            Self::TooManyAttempts { .. } => td_string!(locale, error.too_many_attempts_advice),
            Self::Unreadable => td_string!(locale, error.unreadable_advice),
            Self::NotFound => td_string!(locale, error.not_found_advice),
            Self::BadFilter { .. } => td_string!(locale, error.bad_filter_advice),
            Self::NothingSelected => td_string!(locale, error.nothing_selected_advice),
            Self::NotImportable { .. } => td_string!(locale, error.not_importable_advice),
            Self::Warehouse(WarehouseProblem::NotTheSame { .. }) => {
                return td_string!(
                    locale,
                    error.warehouse_hold_advice,
                    command = accept_command()
                )
                .to_string();
            }
            Self::Warehouse(_) => td_string!(locale, error.warehouse_advice),
            Self::RunInProgress { .. } => td_string!(locale, error.run_in_progress_advice),
            Self::StoreFull => td_string!(locale, error.store_full_advice),
            Self::Internal => td_string!(locale, error.internal_advice),
            Self::ServerFn(_) => td_string!(locale, error.network_advice),
        }
        .to_string()
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
    use model::ColumnChange;

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
    fn errors_are_worded_in_both_languages_with_their_values() {
        let throttled = AppError::TooManyAttempts {
            retry_after_secs: 16,
        };
        assert_eq!(
            throttled.message(Locale::en),
            "Too many failed sign-ins. Wait 16 seconds, then try again."
        );
        assert!(throttled.message(Locale::fa).contains("۱۶ ثانیه"));
        let locked = AppError::Warehouse(WarehouseProblem::Locked {
            file: "ism.sqlite3".into(),
            waited_ms: 5_000,
        });
        assert!(locked.message(Locale::en).contains("ism.sqlite3 is locked"));
        assert!(locked.message(Locale::fa).contains("ism.sqlite3"));
        assert!(locked.message(Locale::fa).contains("۵٫۰"));
        assert_ne!(locked.advice(Locale::en), locked.advice(Locale::fa));
    }

    #[test]
    fn another_warehouse_file_says_what_changed_and_how_to_accept_it() {
        let problem = WarehouseProblem::NotTheSame {
            file: "ism.sqlite3".into(),
            checked: 1_200,
            missing: 1_150,
            reborn: 30,
            columns: vec![
                ColumnChange {
                    column: "breite".into(),
                    was: "integer".into(),
                    now: None,
                },
                ColumnChange {
                    column: "gsm".into(),
                    was: "".into(),
                    now: Some("TEXT".into()),
                },
            ],
        };
        let en = warehouse_problem(Locale::en, &problem);
        for text in [
            "ism.sqlite3 is not the warehouse reelsync has been syncing",
            "Of 1,200 tracked reels checked, 1,150 are not in it and 30 were created at other times.",
            "Column \u{2068}breite\u{2069} is gone.",
            "Column \u{2068}gsm\u{2069} is now \u{2068}TEXT\u{2069} (was untyped).",
            "the automatic sync is paused",
            "\u{2068}reelsync accept-warehouse\u{2069}",
        ] {
            assert!(en.contains(text), "missing {text:?} in {en}");
        }
        let fa = warehouse_problem(Locale::fa, &problem);
        for text in [
            "ism.sqlite3",
            "۱٬۲۰۰",
            "۱٬۱۵۰",
            "۳۰",
            "بی‌نوع",
            "reelsync accept-warehouse",
        ] {
            assert!(fa.contains(text), "missing {text:?} in {fa}");
        }
        let nothing_checked = WarehouseProblem::NotTheSame {
            file: "ism.sqlite3".into(),
            checked: 0,
            missing: 0,
            reborn: 0,
            columns: Vec::new(),
        };
        assert!(!warehouse_problem(Locale::en, &nothing_checked).contains("Of 0"));
        let error = AppError::Warehouse(problem);
        assert!(
            error
                .advice(Locale::en)
                .contains("reelsync accept-warehouse")
        );
        assert!(
            error
                .advice(Locale::fa)
                .contains("reelsync accept-warehouse")
        );
        assert_ne!(error.advice(Locale::en), error.advice(Locale::fa));
    }

    #[test]
    fn the_wire_carries_codes_not_sentences() {
        let json = serde_json::to_string(&AppError::RunInProgress {
            run_id: Some(42),
            who: "cli:root".into(),
        })
        .unwrap();
        assert_eq!(json, r#"{"RunInProgress":{"run_id":42,"who":"cli:root"}}"#);
    }
}
