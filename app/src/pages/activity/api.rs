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

/// The log's filters as the page's address (and a download's) spells them,
/// each empty or absent for any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityForm {
    pub who: Option<String>,
    pub what: Option<String>,
    pub subject: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The entries `form`'s filters let through, older than the entry `before`.
/// Reads only. Requires a super admin session.
#[server(endpoint = "activity")]
pub async fn list_activity(
    #[server(default)] form: ActivityForm,
    before: Option<i64>,
) -> Result<ActivityView, AppError> {
    use crate::ssr::{AdminUser, moment};

    let admin = AdminUser::check().await?;
    let filter = form.filter()?;
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

#[cfg(feature = "ssr")]
impl ActivityForm {
    /// The filter the form spells: names and text as typed (trimmed), the
    /// outcome as the engine spells it, days as `YYYY-MM-DD` (any digits).
    /// Anything else is refused with the filter that can't be read.
    pub fn filter(self) -> Result<model::ActivityFilter, AppError> {
        use crate::ssr::{choice, text};

        let day = |key: &str, value: Option<String>| match text(value.as_deref()) {
            None => Ok(None),
            Some(value) => {
                crate::fmt::parse_day(&value)
                    .map(Some)
                    .ok_or_else(|| AppError::BadFilter {
                        key: key.to_owned(),
                        value: value.chars().take(40).collect(),
                    })
            }
        };
        Ok(model::ActivityFilter {
            who: text(self.who.as_deref()),
            action: text(self.what.as_deref()),
            subject: text(self.subject.as_deref()),
            outcome: choice(self.outcome.as_deref(), model::ActivityOutcome::parse)?,
            from: day("from", self.from)?,
            to: day("to", self.to)?,
        })
    }
}
