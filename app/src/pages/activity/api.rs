//! The activity page's server function.

use leptos::prelude::*;
use model::ActivityEntry;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// A page of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    /// Newest first, each with when it happened in the mill's time.
    pub entries: Vec<(ActivityEntry, Moment)>,
    /// The `before` of the next (older) page, when there is one.
    pub next: Option<i64>,
}

/// The entries the filters let through (each empty for any), older than the
/// entry `before`. Reads only. Requires a super admin session.
#[server(endpoint = "activity")]
pub async fn list_activity(
    who: Option<String>,
    what: Option<String>,
    subject: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<ActivityView, AppError> {
    use crate::ssr::{AdminUser, moment};

    let admin = AdminUser::check().await?;
    let filter = activity_filter(who, what, subject, outcome, from, to)?;
    admin
        .work(move |engine, _| {
            let page = engine.activity(&filter, before)?;
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            Ok(ActivityView {
                entries: page
                    .entries
                    .into_iter()
                    .map(|entry| {
                        let at = moment(zone, entry.at);
                        (entry, at)
                    })
                    .collect(),
                next: page.next,
            })
        })
        .await
}

/// The filter a query spells: names and text as typed (trimmed), the outcome
/// as the engine spells it, days as `YYYY-MM-DD` (any digits). Anything else
/// is refused with the filter that can't be read.
#[cfg(feature = "ssr")]
pub fn activity_filter(
    who: Option<String>,
    what: Option<String>,
    subject: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<model::ActivityFilter, AppError> {
    use crate::ssr::{choice, text};

    let day = |key: &str, value: Option<String>| match text(value.as_deref()) {
        None => Ok(None),
        Some(value) => {
            let ascii = crate::fmt::ascii_digits(&value);
            chrono::NaiveDate::parse_from_str(&ascii, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::BadFilter {
                    key: key.to_owned(),
                    value: value.chars().take(40).collect(),
                })
        }
    };
    Ok(model::ActivityFilter {
        who: text(who.as_deref()),
        action: text(what.as_deref()),
        subject: text(subject.as_deref()),
        outcome: choice(outcome.as_deref(), model::ActivityOutcome::parse)?,
        from: day("from", from)?,
        to: day("to", to)?,
    })
}
