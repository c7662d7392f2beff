//! The inbox: the search, the cards, and the bar that keeps one side for the
//! reels picked or for all matching.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::{Conflict, Keep, Reason, ReelStatus};

use super::api::PICKED;
use super::{CONFLICTS_FORM, ConflictsView};
use crate::components::grid::warehouse_time;
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::pages::Moment;
use crate::reasons;
use crate::routes;

/// The search by reel number: the inbox's form. The cards' boxes and the keep
/// buttons belong to it (`form=`), so a resolution asked for carries the
/// search and the reels picked.
#[component]
pub fn Search() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map()
        .read_untracked()
        .get("q")
        .unwrap_or_default();
    view! {
        <form id=CONFLICTS_FORM method="get" action=routes::CONFLICTS class="panel scan">
            <label for="conflicts-search">{tr!(i18n, conflicts.search)}</label>
            <div class="field-with-button">
                <input
                    id="conflicts-search"
                    type="search"
                    name="q"
                    value=q
                    autocomplete="off"
                    dir="auto"
                    placeholder=move || td_string!(i18n.get_locale(), conflicts.search_placeholder).to_string()
                    data-testid="conflicts-search"
                />
                // The form's first button: Enter in the field searches.
                <button type="submit" class="button">{tr!(i18n, conflicts.show)}</button>
            </div>
        </form>
    }
}

/// The counts, the cards and the bar.
#[component]
pub fn Conflicts(view: ConflictsView) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let ConflictsView { list, office_at } = view;
    let (open, matching) = (list.open, list.matching);
    let searched = use_query_map().read_untracked().get("q").is_some();
    let counts = move || {
        let locale = i18n.get_locale();
        let open =
            td_string!(locale, conflicts.open, count = fmt::number(locale, open)).to_string();
        if searched {
            let matching = td_string!(
                locale,
                conflicts.matching,
                count = fmt::number(locale, matching)
            );
            format!("{open} · {matching}")
        } else {
            open
        }
    };
    let body = if list.conflicts.is_empty() {
        let none = if open == 0 {
            td_string!(locale, conflicts.none)
        } else {
            td_string!(locale, conflicts.none_matching)
        };
        view! { <p class="panel detail" data-testid="conflicts-none">{none.to_string()}</p> }
            .into_any()
    } else {
        let cards = list
            .conflicts
            .into_iter()
            .zip(office_at)
            .map(|(conflict, office_at)| view! { <Card conflict office_at locale /> })
            .collect_view();
        view! {
            <ul class="conflict-list" data-testid="conflicts-list">{cards}</ul>
            <KeepBar matching />
        }
        .into_any()
    };
    view! {
        <div class="conflicts">
            <p class="detail" data-testid="conflicts-open" data-value=open>{counts}</p>
            {body}
        </div>
    }
}

/// One conflict: the situation in words, the three values, why the sync
/// could not settle it, and the two ways out.
#[component]
fn Card(conflict: Conflict, office_at: Moment, locale: Locale) -> impl IntoView {
    let reel = conflict.reel_number.clone();
    let renamed = matches!(conflict.reason, Reason::RowRenamed { .. });
    let status = |s: ReelStatus| labels::status(locale, s);
    let office_detail = {
        let when = fmt::date_time(locale, office_at.local);
        match &conflict.office_by {
            Some(who) => format!(
                "{} · {when}",
                td_string!(locale, reel.by, who = fmt::isolate(who))
            ),
            None => when,
        }
    };
    let warehouse_detail = [
        conflict
            .warehouse_at
            .as_deref()
            .map(|at| warehouse_time(locale, at)),
        conflict.location.as_deref().map(|l| fmt::digits(locale, l)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let pick = (!renamed).then(|| {
        let (value, label) = (reel.clone(), reel.clone());
        view! {
            <input type="checkbox" form=CONFLICTS_FORM name=PICKED value=value aria-label=label />
        }
    });
    let ways_out = if renamed {
        view! { <p class="detail warn">{td_string!(locale, conflicts.check_label).to_string()}</p> }
            .into_any()
    } else {
        view! {
            <div class="actions">
                <a class="button" href=routes::resolve_reel(Keep::Warehouse, &reel)>
                    {td_string!(locale, conflicts.keep_warehouse).to_string()}
                </a>
                <a class="button" href=routes::resolve_reel(Keep::Office, &reel)>
                    {td_string!(locale, conflicts.keep_office).to_string()}
                </a>
            </div>
        }
        .into_any()
    };
    let href = routes::reel(&reel);
    let data_reel = reel.clone();
    view! {
        <li class="conflict" data-reel=data_reel data-conflict=conflict.id>
            <div class="conflict-reel">
                <label class="pick">{pick}</label>
                <a href=href><bdi class="reel">{reel}</bdi></a>
            </div>
            <p class="situation">{labels::situation(locale, &conflict)}</p>
            <dl class="conflict-sides">
                <div data-side="base">
                    <dt>{td_string!(locale, conflicts.agreed).to_string()}</dt>
                    <dd>{status(conflict.base)}</dd>
                </div>
                <div data-side="office" data-status=conflict.office.as_str()>
                    <dt>{td_string!(locale, conflicts.office).to_string()}</dt>
                    <dd>{status(conflict.office)} <span class="detail">{office_detail}</span></dd>
                </div>
                <div data-side="warehouse" data-status=conflict.warehouse.as_str()>
                    <dt>{td_string!(locale, conflicts.warehouse).to_string()}</dt>
                    <dd>{status(conflict.warehouse)} <span class="detail"><bdi>{warehouse_detail}</bdi></span></dd>
                </div>
            </dl>
            <p class="detail reason">{reasons::reason(locale, &conflict.reason)}</p>
            {ways_out}
        </li>
    }
}

/// Keep warehouse or Keep office, for the reels picked or for all matching.
/// On a phone it sits at the bottom of the screen once a reel is picked.
#[component]
fn KeepBar(matching: u64) -> impl IntoView {
    let i18n = use_i18n();
    let button = move |keep: Keep, words: Signal<String>| {
        view! {
            <button type="submit" form=CONFLICTS_FORM name="keep" value=keep.as_str() class="button">
                {words}
            </button>
        }
    };
    let all = move || {
        let locale = i18n.get_locale();
        td_string!(
            locale,
            conflicts.all_matching,
            count = fmt::number(locale, matching)
        )
        .to_string()
    };
    view! {
        <div class="status-bar keep-bar" data-testid="keep-bar">
            <p class="detail">{tr!(i18n, conflicts.pick)}</p>
            <label class="chip picked">
                <input type="checkbox" form=CONFLICTS_FORM name="all" value="true" data-testid="conflicts-all" />
                <span>{all}</span>
            </label>
            <div class="actions">
                {button(Keep::Warehouse, Signal::derive(tr!(i18n, conflicts.keep_warehouse)))}
                {button(Keep::Office, Signal::derive(tr!(i18n, conflicts.keep_office)))}
            </div>
        </div>
    }
}
