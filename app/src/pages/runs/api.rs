//! The runs page's server function.

use leptos::prelude::*;
use model::RunSummary;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// Runs a page of the history lists.
#[cfg(feature = "ssr")]
const RUNS_PER_PAGE: u32 = 25;

/// A page of the run history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsView {
    /// Newest first, each with when it started.
    pub runs: Vec<(RunSummary, Moment)>,
    /// The `before` of the next (older) page, when there is one.
    pub next_before: Option<i64>,
    pub read_at: Moment,
}

/// The runs that pass the filters (each empty for any; spelled as the engine
/// spells them), older than the run `before`. Requires a super admin session.
#[server(endpoint = "runs")]
pub async fn list_runs(
    kind: Option<String>,
    outcome: Option<String>,
    trigger: Option<String>,
    reel: Option<String>,
    before: Option<i64>,
) -> Result<RunsView, AppError> {
    use crate::ssr::{AdminUser, choice, moment, redact_run, text};

    let admin = AdminUser::check().await?;
    let filter = model::RunFilter {
        kind: choice(kind.as_deref(), model::RunKind::parse)?,
        outcome: choice(outcome.as_deref(), model::Outcome::parse)?,
        trigger: choice(trigger.as_deref(), model::Trigger::parse)?,
        reel: text(reel.as_deref()),
    };
    admin
        .work(move |engine, _user| {
            let mut runs = engine.runs_page(&filter, before, RUNS_PER_PAGE)?;
            runs.iter_mut().for_each(redact_run);
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            Ok(RunsView {
                next_before: (runs.len() == RUNS_PER_PAGE as usize)
                    .then(|| runs.last().map(|run| run.id))
                    .flatten(),
                runs: runs
                    .into_iter()
                    .map(|run| {
                        let started = moment(zone, run.started_at);
                        (run, started)
                    })
                    .collect(),
                read_at: moment(zone, chrono::Utc::now()),
            })
        })
        .await
}
