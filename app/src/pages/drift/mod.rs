//! `/drift`: where the two sides differ now, reel by reel: the command line's
//! `reelsync drift` on the web. Read only; Sync now and Test connection are at
//! hand for what it shows.

mod api;

pub use api::{DriftView, GetDrift, get_drift};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::{Drift, DriftKind, ReelStatus};

use crate::components::{ListAddress, Loaded, PageLink, Pager, SyncActions};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::routes;

/// The report's address: a kind chosen starts from its first entry.
fn address() -> ListAddress {
    ListAddress {
        path: routes::DRIFT.to_owned(),
        page_keys: &["from"],
    }
}

/// `/drift` (`?kind=` one kind of difference, `?from=` a later page).
#[component]
pub fn DriftPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let report = Resource::new(
        move || {
            let q = query.read();
            (q.get("kind"), q.get("from").and_then(|f| f.parse().ok()))
        },
        |(kind, from)| get_drift(kind, from),
    );
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), drift.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, drift.title)}</h1>
        </div>
        <p class="lead">{tr!(i18n, drift.lead)}</p>
        <Loaded
            resource=report
            view=|data| view! { <Report data /> }
            loading=Signal::derive(tr!(i18n, drift.loading))
            error_title=Signal::derive(tr!(i18n, drift.load_failed))
        />
        // After the report: on a phone the reels come first.
        <SyncActions />
    }
}

/// The counts, as links that choose a kind, and the page of entries.
#[component]
fn Report(data: DriftView) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let chosen = query
        .read_untracked()
        .get("kind")
        .and_then(|k| DriftKind::parse(&k));
    let DriftView {
        checked,
        counts,
        total,
        entries,
        next,
    } = data;
    let summary = move || {
        let locale = i18n.get_locale();
        let (checked, total) = (fmt::number(locale, checked), fmt::number(locale, total));
        td_string!(locale, drift.summary, checked, total).to_string()
    };
    let kind_link = move |kind: Option<DriftKind>, count: u64| {
        let href = address().href(query.get_untracked(), |q| match kind {
            Some(kind) => q.replace("kind", kind.as_str().to_owned()),
            None => {
                q.remove("kind");
            }
        });
        let testid = kind.map_or("drift-all".to_owned(), |k| format!("drift-{}", k.as_str()));
        let words = move || {
            let locale = i18n.get_locale();
            let name = kind.map_or_else(
                || td_string!(locale, drift.all).to_string(),
                |k| labels::drift_kind(locale, k),
            );
            format!("{name} ({})", fmt::number(locale, count))
        };
        let chip_class = if count > 0 && kind.is_some() {
            "chip chip--warn"
        } else {
            "chip"
        };
        view! {
            <a
                href=href
                class=chip_class
                aria-current=(kind == chosen).then_some("true")
                data-testid=testid
                data-value=count.to_string()
            >
                {words}
            </a>
        }
    };
    let kinds = counts
        .into_iter()
        .map(|(kind, count)| kind_link(Some(kind), count))
        .collect_view();
    let hint = chosen.map(|kind| move || kind_hint(i18n.get_locale(), kind));
    let list = if entries.is_empty() {
        let none = move || {
            let locale = i18n.get_locale();
            if total == 0 {
                td_string!(locale, drift.agree).to_string()
            } else {
                td_string!(locale, drift.none_of_kind).to_string()
            }
        };
        view! { <p class="detail panel" data-testid="drift-none">{none}</p> }.into_any()
    } else {
        view! {
            <ul class="drift-list" data-testid="drift-list">
                {entries.into_iter().map(|drift| view! { <Entry drift /> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let next = next.map(|from| PageLink {
        href: address().href(query.get_untracked(), |q| {
            q.replace("from", from.to_string());
        }),
        words: Signal::derive(tr!(i18n, drift.more)),
    });
    let first = query.read_untracked().get("from").map(|_| PageLink {
        href: address().href(query.get_untracked(), |_| {}),
        words: Signal::derive(tr!(i18n, drift.first)),
    });
    view! {
        <section class="panel drift-summary">
            <p data-testid="drift-total" data-value=total.to_string()>
                {(total == 0).then(|| view! { <span class="badge badge--ok">{tr!(i18n, drift.in_step)}</span> " " })}
                {summary}
            </p>
            <nav class="chip-row" aria-label=move || td_string!(i18n.get_locale(), drift.kinds).to_string()>
                {kind_link(None, total)}
                {kinds}
            </nav>
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
        </section>
        {list}
        <Pager label=Signal::derive(tr!(i18n, drift.pages)) first next />
    }
}

/// One reel that differs: its number (leading to the runs that touched it),
/// the kind, and what each side holds.
#[component]
fn Entry(drift: Drift) -> impl IntoView {
    let i18n = use_i18n();
    let Drift {
        reel_number,
        kind,
        office,
        warehouse,
    } = drift;
    let href = routes::reel(&reel_number);
    let data_reel = reel_number.clone();
    let side =
        move |value: Option<String>| move || shown_value(i18n.get_locale(), value.as_deref());
    view! {
        <li class="drift-item" data-reel=data_reel data-kind=kind.as_str()>
            <a href=href class="reel"><bdi>{reel_number}</bdi></a>
            <span class="badge badge--warn">{move || labels::drift_kind(i18n.get_locale(), kind)}</span>
            <dl class="sides">
                <dt>{tr!(i18n, drift.office)}</dt>
                <dd><bdi>{side(office)}</bdi></dd>
                <dt>{tr!(i18n, drift.warehouse)}</dt>
                <dd><bdi>{side(warehouse)}</bdi></dd>
            </dl>
        </li>
    }
}

/// A side's value: a status in the page's words, anything else as it is, and
/// nothing as a dash.
fn shown_value(locale: Locale, value: Option<&str>) -> String {
    match value {
        None => "—".to_owned(),
        Some(value) => ReelStatus::from_canonical(value)
            .map_or_else(|| value.to_owned(), |status| labels::status(locale, status)),
    }
}

/// What a kind of difference means, and what fixes it.
fn kind_hint(locale: Locale, kind: DriftKind) -> String {
    match kind {
        DriftKind::Missing => td_string!(locale, drift.missing_hint),
        DriftKind::Identity => td_string!(locale, drift.identity_hint),
        DriftKind::Status => td_string!(locale, drift.status_hint),
        DriftKind::Unexported => td_string!(locale, drift.unexported_hint),
        DriftKind::Fields => td_string!(locale, drift.fields_hint),
        DriftKind::Copy => td_string!(locale, drift.copy_hint),
    }
    .to_string()
}
