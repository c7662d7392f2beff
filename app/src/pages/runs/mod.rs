//! `/runs`: the run history, newest first, filtered by kind, outcome, trigger
//! and reel number, a page at a time.

mod api;

pub use api::{ListRuns, RunsView, list_runs};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use model::{Outcome, RunKind, Trigger};

use crate::components::{
    Choice, Field, FilterForm, FilterPanel, ListAddress, Loaded, PageLink, Pager, RunCard,
    SetFilter, set_filters, uncounted,
};
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::routes;

/// The history's address: a new filter starts from the newest run.
fn address() -> ListAddress {
    ListAddress {
        path: routes::RUNS.to_owned(),
        page_keys: &["before"],
    }
}

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
        <FilterPanel address=address() set=set_runs_filters>
            <Filters />
        </FilterPanel>
        <Loaded
            resource=runs
            view=|data| view! { <RunList data /> }
            loading=Signal::derive(tr!(i18n, runs.loading))
            error_title=Signal::derive(tr!(i18n, runs.load_failed))
        />
    }
}

/// The filters `query` sets, as the chips show them: a choice by its words, as
/// the form shows it.
fn set_runs_filters(locale: Locale, query: &ParamsMap) -> Vec<SetFilter> {
    let keys = [
        ("kind", td_string!(locale, runs.kind).to_string()),
        ("outcome", td_string!(locale, runs.outcome).to_string()),
        ("trigger", td_string!(locale, runs.trigger).to_string()),
        ("reel", td_string!(locale, runs.reel).to_string()),
    ];
    set_filters(query, keys, |key, value| {
        let worded = match key {
            "kind" => RunKind::parse(&value).map(|kind| labels::kind(locale, kind)),
            "outcome" => Outcome::parse(&value).map(|outcome| labels::outcome(locale, outcome)),
            "trigger" => Trigger::parse(&value).map(|trigger| labels::trigger(locale, trigger)),
            _ => None,
        };
        worded.unwrap_or(value)
    })
}

/// The filters' form.
#[component]
fn Filters() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reel = move || query.read().get("reel").unwrap_or_default();
    let any = Signal::derive(tr!(i18n, runs.any));
    view! {
        <FilterForm action=routes::RUNS.to_owned() submit=Signal::derive(tr!(i18n, runs.filter)) clear=routes::RUNS.to_owned()>
            <Field id="runs-kind" label=Signal::derive(tr!(i18n, runs.kind))>
                <Choice id="runs-kind" key="kind" any choices=uncounted(&labels::KINDS) spell=RunKind::as_str label=labels::kind />
            </Field>
            <Field id="runs-outcome" label=Signal::derive(tr!(i18n, runs.outcome))>
                <Choice id="runs-outcome" key="outcome" any choices=uncounted(&OUTCOMES) spell=Outcome::as_str label=labels::outcome />
            </Field>
            <Field id="runs-trigger" label=Signal::derive(tr!(i18n, runs.trigger))>
                <Choice id="runs-trigger" key="trigger" any choices=uncounted(&TRIGGERS) spell=Trigger::as_str label=labels::trigger />
            </Field>
            <Field id="runs-reel" label=Signal::derive(tr!(i18n, runs.reel))>
                <input id="runs-reel" type="search" name="reel" value=reel prop:value=reel dir="auto" autocomplete="off" />
            </Field>
        </FilterForm>
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
    let next = next_before.map(|before| PageLink {
        href: address().href(query.get_untracked(), |q| {
            q.replace("before", before.to_string());
        }),
        words: Signal::derive(tr!(i18n, runs.older)),
    });
    let newest = PageLink {
        href: address().href(query.get_untracked(), |_| {}),
        words: Signal::derive(tr!(i18n, runs.newest)),
    };
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
        <Pager label=Signal::derive(tr!(i18n, run.pages)) first=Some(newest) next />
    }
}
