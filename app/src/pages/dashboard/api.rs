//! The dashboard's server function and what it sends.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// How many of the newest runs the dashboard lists.
#[cfg(feature = "ssr")]
const RECENT_RUNS: u32 = 5;

/// The dashboard's figures as the page shows them: the engine's own, with the
/// moments the page shows and who is signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The engine's figures; its English `warehouse_error` is not sent (the page
    /// words `warehouse_problem` itself).
    pub figures: model::Dashboard,
    /// When the last run started.
    pub last_run_started: Option<Moment>,
    /// The newest runs, each with when it started.
    pub recent: Vec<(model::RunSummary, Moment)>,
    /// When the scheduler runs next (only while auto-sync is on).
    pub next_run: Option<Moment>,
    /// When these figures were read: "5 min ago" counts from here.
    pub read_at: Moment,
    /// Who is signed in.
    pub user: String,
    /// The run in progress, from any process.
    pub live: Option<LiveNow>,
}

/// A run in progress and how many items it has logged: a banner follows its
/// events from there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveNow {
    pub run: model::LiveRun,
    pub logged: u64,
}

/// The run in progress now, if any (any process). Cheap: the dashboard asks every
/// few seconds so a run started elsewhere shows up.
#[server(endpoint = "live-run")]
pub async fn get_live_run() -> Result<Option<LiveNow>, AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    admin
        .work(move |engine, _user| live_now(engine, &runs))
        .await
}

#[cfg(feature = "ssr")]
fn live_now(
    engine: &engine::Engine,
    runs: &crate::ssr::RunManager,
) -> engine::Result<Option<LiveNow>> {
    let Some(run) = runs.live()? else {
        return Ok(None);
    };
    // Between taking the lock and logging the run there is nothing to follow yet.
    let Some(id) = run.run_id else {
        return Ok(None);
    };
    Ok(Some(LiveNow {
        logged: engine.logged_items(id)?,
        run,
    }))
}

/// The dashboard's figures. Requires a super admin session.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardView, AppError> {
    use crate::ssr::{AdminUser, moment, redact_run};

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    let catalogue = admin.grid()?;
    admin
        .work(move |engine, user| {
            // Counted by a scan of the warehouse only when it changed since.
            let known = catalogue.known_importable();
            let mut figures = engine.dashboard_knowing(known)?;
            if let (None, Some(counted)) = (known, figures.importable) {
                catalogue.remember_importable(counted);
            }
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            let at = |time| moment(zone, time);
            figures.warehouse_error = None;
            if let Some(run) = &mut figures.last_run {
                redact_run(run);
            }
            let mut recent = engine.runs_page(&model::RunFilter::default(), None, RECENT_RUNS)?;
            recent.iter_mut().for_each(redact_run);
            Ok(DashboardView {
                last_run_started: figures.last_run.as_ref().map(|run| at(run.started_at)),
                recent: recent
                    .into_iter()
                    .map(|run| {
                        let started = at(run.started_at);
                        (run, started)
                    })
                    .collect(),
                // A next run only means something while the scheduler is on.
                next_run: figures.next_run_at.filter(|_| figures.auto_sync).map(at),
                read_at: at(chrono::Utc::now()),
                user: user.username.clone(),
                live: live_now(engine, &runs)?,
                figures,
            })
        })
        .await
}
