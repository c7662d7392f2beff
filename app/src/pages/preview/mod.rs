//! `/preview`: what a full sync would do now, reel by reel, old → new, filtered
//! by action; `/preview?of=selection`: what an import of the user's selection in
//! the import grid would do. Nothing is written or logged.

mod api;

pub use api::{Planned, Preview, PreviewView, preview};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::Action;

use crate::components::{Choice, Loaded};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::pages::run::{CountList, ItemList};
use crate::routes;

/// `/preview`.
#[component]
pub fn PreviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let plan = Resource::new(
        move || {
            let query = query.read();
            (query.get("action"), query.get("after"), query.get("of"))
        },
        |(action, after, of)| preview(action, after.and_then(|a| a.parse().ok()), of),
    );
    let planned = move || {
        query
            .read()
            .get("of")
            .and_then(|of| Planned::parse(&of))
            .unwrap_or_default()
    };
    let title = move |locale: Locale| match planned() {
        Planned::Sync => td_string!(locale, preview.title),
        Planned::Selection => td_string!(locale, preview.selection_title),
    };
    let lead = move || match planned() {
        Planned::Sync => td_string!(i18n.get_locale(), preview.lead),
        Planned::Selection => td_string!(i18n.get_locale(), preview.selection_lead),
    };
    view! {
        <Title text=title(i18n.get_locale_untracked()).to_string() />
        <div class="page-head">
            <h1>{move || title(i18n.get_locale())}</h1>
        </div>
        <p class="lead">{lead}</p>
        // Planning a large warehouse takes a while, so this page is streamed
        // in order: the browser paints everything above at once with this
        // status, then the plan arrives in the same document and the status
        // hides itself (style sheet: `.streaming`), with no script needed.
        <p class="loading streaming" role="status">{tr!(i18n, preview.loading)}</p>
        <Loaded
            resource=plan
            view=|data| view! { <Plan data /> }
            loading=Signal::derive(tr!(i18n, preview.loading))
            error_title=Signal::derive(tr!(i18n, preview.load_failed))
        />
    }
}

/// The plan: its counters, the filter by action, a page of its items.
#[component]
fn Plan(data: PreviewView) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let PreviewView {
        counts,
        by_action,
        items,
        matching,
        next_after,
    } = data;
    let next = next_after.map(|after| {
        let mut next = query.get_untracked();
        next.replace("after", after.to_string());
        format!("{}{}", routes::PREVIEW, next.to_query_string())
    });
    // What is planned stays planned through the filter and the pages.
    let of = query.get_untracked().get("of").unwrap_or_default();
    let first = if of.is_empty() {
        routes::PREVIEW.to_owned()
    } else {
        format!("{}?of={of}", routes::PREVIEW)
    };
    view! {
        <section class="panel">
            <CountList counts=Signal::stored(counts) />
        </section>
        <section class="panel" data-testid="plan">
            <form method="get" action=routes::PREVIEW class="filters">
                <label>
                    <span>{tr!(i18n, run.filter_action)}</span>
                    <Choice
                        key="action"
                        any=Signal::derive(tr!(i18n, run.any_action))
                        choices=by_action.into_iter().map(|(action, n)| (action, Some(n))).collect()
                        spell=Action::as_str
                        label=labels::action
                    />
                </label>
                {(!of.is_empty()).then(|| view! { <input type="hidden" name="of" value=of.clone() /> })}
                <button type="submit" class="button">{tr!(i18n, run.filter)}</button>
            </form>
            <p class="detail" data-testid="plan-matching" data-value=matching.to_string()>
                {move || {
                    let locale = i18n.get_locale();
                    td_string!(locale, preview.matching, count = fmt::number(locale, matching)).to_string()
                }}
            </p>
            <ItemList
                items
                first
                next
                empty=Signal::derive(tr!(i18n, preview.nothing))
            />
        </section>
    }
}
