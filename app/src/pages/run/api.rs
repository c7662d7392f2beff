//! The run page's server functions: one run, starting a sync, cancelling a run.

use leptos::prelude::*;
use model::{Counts, LiveRun, LoggedItem, RunSummary};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// Items a page of a run's log shows.
#[cfg(feature = "ssr")]
const ITEMS_PER_PAGE: u32 = 50;

/// One run as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub run: RunSummary,
    /// While it goes: its live state (in whichever process runs it).
    pub live: Option<LiveRun>,
    /// Items it has logged so far: the live log goes on after these.
    pub logged: u64,
    /// A page of its items, as the filters ask.
    pub items: Vec<LoggedItem>,
    /// Where the next page starts, when there is one.
    pub next_after: Option<u64>,
    pub started: Moment,
    pub read_at: Moment,
}

/// The page of a run: its summary, live state and a page of its items after
/// `after`, filtered by `action` and a reel number's text. Requires a super admin
/// session.
#[server(endpoint = "run")]
pub async fn get_run(
    id: i64,
    action: Option<String>,
    reel: Option<String>,
    after: Option<u64>,
) -> Result<RunView, AppError> {
    use crate::ssr::{AdminUser, choice, moment, redact_item, redact_run, text};

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    let filter = model::ItemFilter {
        action: choice(action.as_deref(), model::Action::parse)?,
        reel: text(reel.as_deref()),
    };
    admin
        .work(move |engine, _user| {
            let (mut run, mut items) =
                engine.run_items(id, &filter, after.unwrap_or(0), ITEMS_PER_PAGE)?;
            redact_run(&mut run);
            items
                .iter_mut()
                .for_each(|logged| redact_item(&mut logged.item));
            let live = runs.live()?.filter(|live| live.run_id == Some(id));
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            Ok(RunView {
                logged: engine.logged_items(id)?,
                next_after: (items.len() == ITEMS_PER_PAGE as usize)
                    .then(|| items.last().map(|item| item.seq))
                    .flatten(),
                started: moment(zone, run.started_at),
                read_at: moment(zone, chrono::Utc::now()),
                live,
                items,
                run,
            })
        })
        .await
}

/// Starts a full sync and opens its page. Refused while another run goes, with
/// that run's id.
#[server(endpoint = "start-sync")]
pub async fn start_sync() -> Result<i64, AppError> {
    use crate::routes;
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    let user = admin.user();
    let id = runs
        .start(admin.run_request(model::RunScope::Full, false))
        .await?;
    tracing::info!(user = ?user.username, run = id, "sync started");
    leptos_axum::redirect(&routes::run(id));
    Ok(id)
}

/// Asks the run `id` to stop at its next page boundary, wherever it runs.
#[server(endpoint = "cancel-run")]
pub async fn cancel_run(id: i64) -> Result<LiveRun, AppError> {
    use crate::routes;
    use crate::ssr::{AdminUser, redirect_plain_form};

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    let by = admin.actor();
    let live = admin
        .work(move |engine, _| {
            let live = runs.cancel(id)?;
            let subject = id.to_string();
            engine.log_activity(
                &by,
                "run.cancel",
                &subject,
                None,
                engine::ActivityOutcome::Done,
            )?;
            Ok(live)
        })
        .await?;
    tracing::info!(user = ?admin.user().username, run = id, "run cancel asked");
    redirect_plain_form(&routes::run(id));
    Ok(live)
}

/// What undoing a run would do now: its counts and every item (each reel, and
/// the fields and values written back, or why it is left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoPreview {
    pub counts: Counts,
    pub items: Vec<LoggedItem>,
}

/// What undoing the run `id` would do now. Reads only: a dry run of the undo.
/// Requires a super admin session.
#[server(endpoint = "preview-undo")]
pub async fn preview_undo(id: i64) -> Result<UndoPreview, AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let request = admin.run_request(model::RunScope::Undo(id), true);
    admin
        .work(move |engine, _| {
            let report = engine.sync(&request, &mut ())?;
            Ok(UndoPreview {
                counts: report.counts,
                items: LoggedItem::numbered(report.items),
            })
        })
        .await
}

/// Undoes the run `id` as a run of kind `undo`, and opens its page. Refused
/// while another run goes, for a run still going and for an undo. Requires a
/// super admin session.
#[server(endpoint = "undo-run")]
pub async fn undo_run(id: i64) -> Result<i64, AppError> {
    use crate::routes;
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    let user = admin.user();
    let undo = runs
        .start(admin.run_request(model::RunScope::Undo(id), false))
        .await?;
    tracing::info!(user = ?user.username, run = undo, undone = id, "undo started");
    leptos_axum::redirect(&routes::run(undo));
    Ok(undo)
}
