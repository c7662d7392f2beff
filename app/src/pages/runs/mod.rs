//! `/runs`: the run history, newest first, filtered by kind, outcome, trigger
//! and reel number, a page at a time.

mod api;

pub use api::{ListRuns, RunsView, list_runs};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::{Outcome, RunKind, Trigger};

use crate::components::{Choice, Loaded, RunCard, uncounted};
use crate::i18n::td_string;
use crate::labels;
use crate::language::use_i18n;
use crate::routes;

/// `/runs`.
#[component]
pub fn RunsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let runs = Resource::new(
        move || query.get(),
        |q| async move {
            let before = q.get("before").and_then(|b| b.parse().ok());
            list_runs(
                q.get("kind"),
                q.get("outcome"),
                q.get("trigger"),
                q.get("reel"),
                before,
            )
            .await
        },
    );
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), runs.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, runs.title)}</h1>
        </div>
        <Filters />
        <Loaded
            resource=runs
            view=|data| view! { <RunList data /> }
            loading=Signal::derive(tr!(i18n, runs.loading))
            error_title=Signal::derive(tr!(i18n, runs.load_failed))
        />
    }
}

/// The filters, as a plain GET form: they live in the address, so reload, back
/// and a shared link show the same list.
#[component]
fn Filters() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reel = move || query.read().get("reel").unwrap_or_default();
    let any = Signal::derive(tr!(i18n, runs.any));
    view! {
        <form method="get" action=routes::RUNS class="filters panel">
            <label>
                <span>{tr!(i18n, runs.kind)}</span>
                <Choice key="kind" any choices=uncounted(&labels::KINDS) spell=RunKind::as_str label=labels::kind />
            </label>
            <label>
                <span>{tr!(i18n, runs.outcome)}</span>
                <Choice key="outcome" any choices=uncounted(&OUTCOMES) spell=Outcome::as_str label=labels::outcome />
            </label>
            <label>
                <span>{tr!(i18n, runs.trigger)}</span>
                <Choice key="trigger" any choices=uncounted(&TRIGGERS) spell=Trigger::as_str label=labels::trigger />
            </label>
            <label>
                <span>{tr!(i18n, runs.reel)}</span>
                <input type="search" name="reel" value=reel dir="auto" autocomplete="off" />
            </label>
            <button type="submit" class="button">{tr!(i18n, runs.filter)}</button>
        </form>
    }
}

const OUTCOMES: [Outcome; 5] = [
    Outcome::Succeeded,
    Outcome::Partial,
    Outcome::Failed,
    Outcome::Cancelled,
    Outcome::Running,
];
const TRIGGERS: [Trigger; 2] = [Trigger::Manual, Trigger::Schedule];

/// A page of runs, each linking to its page.
#[component]
fn RunList(data: RunsView) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let RunsView {
        runs,
        next_before,
        read_at,
    } = data;
    let next = next_before.map(|before| {
        let mut next = query.get_untracked();
        next.replace("before", before.to_string());
        format!("{}{}", routes::RUNS, next.to_query_string())
    });
    let empty = runs.is_empty();
    view! {
        {if empty {
            view! { <p class="detail panel">{tr!(i18n, runs.none)}</p> }.into_any()
        } else {
            view! {
                <ul class="run-list" data-testid="run-list">
                    {runs
                        .into_iter()
                        .map(|(run, started)| view! { <RunCard run started read_at /> })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}
        <nav class="pager" aria-label=move || td_string!(i18n.get_locale(), run.pages).to_string()>
            <a href=routes::RUNS class="button">{tr!(i18n, runs.newest)}</a>
            {next.map(|href| view! { <a href=href class="button" rel="next">{tr!(i18n, runs.older)}</a> })}
        </nav>
    }
}
