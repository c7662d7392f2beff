//! The preview's server function: a dry run of a full sync, or of an import of
//! the user's selection in the import grid.

use leptos::prelude::*;
use model::{Action, Counts, LoggedItem};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What a full sync would do now, a page of it at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewView {
    /// What the whole plan counts.
    pub counts: Counts,
    /// How many reels each action would touch (actions with none left out).
    pub by_action: Vec<(Action, u64)>,
    /// A page of the planned items that pass the filter; `seq` numbers the plan.
    pub items: Vec<LoggedItem>,
    /// How many planned items pass the filter.
    pub matching: u64,
    /// Where the next page starts, when there is one.
    pub next_after: Option<u64>,
}

/// What a preview plans: the address's `of`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Planned {
    /// A full sync (no `of`).
    #[default]
    Sync,
    /// An import of the user's selection in the import grid (`of=selection`).
    Selection,
}

impl Planned {
    /// As the address spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Selection => "selection",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Sync, Self::Selection]
            .into_iter()
            .find(|planned| planned.as_str() == value)
    }
}

/// Plans what `of` names (a full sync when empty) without writing anything
/// anywhere (a dry run reads the warehouse and the store read-only and logs
/// nothing) and returns the page of its items after `after` with the action
/// `action` (any when empty). Requires a super admin session.
#[server(endpoint = "preview")]
pub async fn preview(
    action: Option<String>,
    after: Option<u64>,
    of: Option<String>,
) -> Result<PreviewView, AppError> {
    use crate::ssr::{AdminUser, choice};

    let admin = AdminUser::check().await?;
    let action = choice(action.as_deref(), Action::parse)?;
    let planned = choice(of.as_deref(), Planned::parse)?.unwrap_or_default();
    let scope = match planned {
        Planned::Sync => model::RunScope::Full,
        Planned::Selection => {
            let selection = admin.work(|engine, user| engine.selection(user.id)).await?;
            if selection.is_empty() {
                return Err(AppError::NothingSelected);
            }
            model::RunScope::Import(selection.to_selection())
        }
    };
    let request = admin.run_request(scope, true);
    admin
        .work(move |engine, _user| plan(engine, &request, action, after))
        .await
}

/// The page of `request`'s plan after `after` with the action `action`.
#[cfg(feature = "ssr")]
fn plan(
    engine: &engine::Engine,
    request: &model::RunRequest,
    action: Option<Action>,
    after: Option<u64>,
) -> engine::Result<PreviewView> {
    const PER_PAGE: usize = 50;
    let report = engine.sync(request, &mut ())?;
    let by_action = crate::labels::ACTIONS
        .into_iter()
        .map(|a| {
            (
                a,
                report.items.iter().filter(|i| i.action == a).count() as u64,
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let after = after.unwrap_or(0);
    let matching: Vec<LoggedItem> = LoggedItem::numbered(report.items)
        .into_iter()
        .filter(|logged| action.is_none_or(|a| logged.item.action == a))
        .collect();
    let count = matching.len() as u64;
    let page: Vec<LoggedItem> = matching
        .into_iter()
        .filter(|logged| logged.seq > after)
        .take(PER_PAGE + 1)
        .collect();
    let more = page.len() > PER_PAGE;
    let items: Vec<LoggedItem> = page.into_iter().take(PER_PAGE).collect();
    Ok(PreviewView {
        counts: report.counts,
        by_action,
        next_after: more.then(|| items.last().map(|i| i.seq)).flatten(),
        matching: count,
        items,
    })
}
