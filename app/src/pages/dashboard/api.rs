//! The dashboard's server function and what it sends.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// The dashboard's figures as the page shows them: the engine's own, with the
/// moments the page shows and who is signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The engine's figures; its English `warehouse_error` is not sent (the page
    /// words `warehouse_problem` itself).
    pub figures: model::Dashboard,
    /// When the last run started.
    pub last_run_started: Option<Moment>,
    /// When the scheduler runs next (only while auto-sync is on).
    pub next_run: Option<Moment>,
    /// When these figures were read: "5 min ago" counts from here.
    pub read_at: Moment,
    /// Who is signed in.
    pub user: String,
}

/// The dashboard's figures. Requires a super admin session.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardView, AppError> {
    use crate::ssr::{as_admin, moment, strip_paths};

    as_admin(|engine, user| {
        let mut figures = engine.dashboard()?;
        let zone = engine::WarehouseZone::of(&engine.settings()?)?;
        let at = |time| moment(zone, time);
        figures.warehouse_error = None;
        if let Some(run) = &mut figures.last_run {
            run.error = run.error.as_deref().map(strip_paths);
        }
        Ok(DashboardView {
            last_run_started: figures.last_run.as_ref().map(|run| at(run.started_at)),
            // A next run only means something while the scheduler is on.
            next_run: figures.next_run_at.filter(|_| figures.auto_sync).map(at),
            read_at: at(chrono::Utc::now()),
            user: user.username.clone(),
            figures,
        })
    })
    .await
}
