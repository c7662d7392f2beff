//! An office status change: its confirmation, which says what the engine will
//! do to each reel picked before anything is written, and its outcome.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use model::{ReelStatus, StatusChange};

use super::{CHANGE_KEYS, PICKED, SetStatus, api::preview_status};
use crate::components::{Loaded, ReelGroup, SyncActions};
use crate::error::AppError;
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::language::use_i18n;
use crate::refusals;
use crate::routes;

/// The reels picked in the address.
fn picked() -> Vec<String> {
    use_query_map()
        .read_untracked()
        .get_all(PICKED)
        .unwrap_or_default()
        .into_iter()
        .filter(|reel| !reel.trim().is_empty())
        .collect()
}

/// What setting `reels` to `to` does now (before the change) or did (after it:
/// the reels it changed are then at `to` already).
fn preview_of(to: ReelStatus, reels: Vec<String>) -> Resource<Result<StatusChange, AppError>> {
    Resource::new(
        || (),
        move |_| preview_status(to.as_str().to_owned(), reels.clone()),
    )
}

/// The list's address without the change: where "Cancel" and the change's
/// outcome lead.
fn back() -> String {
    let mut query = use_query_map().get_untracked();
    for key in CHANGE_KEYS {
        query.remove(key);
    }
    format!("{}{}", routes::PRODUCTS, query.to_query_string())
}

/// "Mark 3 reels sold?": what the change does to each reel picked, and the
/// form that makes it. A plain form, with the wasm too: the server answers with
/// the list and the outcome.
#[component]
pub fn Confirm(to: ReelStatus) -> impl IntoView {
    let i18n = use_i18n();
    let reels = picked();
    let preview = preview_of(to, reels.clone());
    let cancel = back();
    let form = move |change: StatusChange| {
        let locale = i18n.get_locale_untracked();
        let count = change.changed.len() as u64;
        let hidden = reels
            .iter()
            .map(|reel| view! { <input type="hidden" name="reels[]" value=reel.clone() /> })
            .collect_view();
        let question = question(locale, to, count);
        view! {
            <section class="panel confirm" data-testid="status-confirm" data-count=count>
                <h2>{question}</h2>
                <Outcome change to locale made=false />
                <form method="post" action=SetStatus::url() class="actions">
                    <input type="hidden" name="to" value=to.as_str() />
                    <input type="hidden" name="back" value=back() />
                    {hidden}
                    {(count > 0).then(|| view! {
                        <button type="submit" class="button button--primary">{td_string!(locale, products.confirm).to_string()}</button>
                    })}
                    <a class="button" href=cancel.clone()>{td_string!(locale, products.cancel).to_string()}</a>
                </form>
            </section>
        }
    };
    view! {
        <Loaded
            resource=preview
            view=form
            loading=Signal::derive(tr!(i18n, products.loading))
            error_title=Signal::derive(tr!(i18n, products.change_failed))
        />
    }
}

/// The question a change asks: "Mark 3 reels sold?".
fn question(locale: Locale, to: ReelStatus, count: u64) -> String {
    let count = fmt::number(locale, count);
    match to {
        ReelStatus::Sold => td_string!(locale, products.confirm_sold, count),
        ReelStatus::Delivered => td_string!(locale, products.confirm_delivered, count),
        ReelStatus::InStock => td_string!(locale, products.confirm_in_stock, count),
    }
    .to_string()
}

/// The outcome of a change made: each reel picked as it stands now (at the
/// status asked, kept by the rules, or not tracked), and Sync now to write
/// them to the warehouse.
#[component]
pub fn Done(status: ReelStatus) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = preview_of(status, picked());
    let shown = move |change: StatusChange| {
        let locale = i18n.get_locale_untracked();
        let now = change.unchanged.len() as u64;
        let said = td_string!(
            locale,
            products.done,
            count = fmt::number(locale, now),
            status = crate::labels::status(locale, status)
        )
        .to_string();
        view! {
            <section class="panel done" role="status" data-testid="status-done" data-count=now>
                <h2>{said}</h2>
                <Outcome change to=status locale made=true />
                <p class="detail">{td_string!(locale, products.sync_hint).to_string()}</p>
                <SyncActions />
            </section>
        }
    };
    view! {
        <Loaded
            resource=outcome
            view=shown
            loading=Signal::derive(tr!(i18n, products.loading))
            error_title=Signal::derive(tr!(i18n, products.change_failed))
        />
    }
}

/// Reel by reel: what changes, what already is so (once `made`, what is so
/// now), what the rules keep (with why), what is not tracked.
#[component]
fn Outcome(change: StatusChange, to: ReelStatus, locale: Locale, made: bool) -> impl IntoView {
    let status = crate::labels::status(locale, to);
    let group = |testid: &'static str, title: String, reels: Vec<(String, Option<String>)>| {
        view! { <ReelGroup testid title reels /> }
    };
    let plain = |reels: Vec<String>| reels.into_iter().map(|r| (r, None)).collect::<Vec<_>>();
    let refused = change
        .refused
        .into_iter()
        .map(|r| (r.reel_number, Some(refusals::refusal(locale, &r.refusal))))
        .collect();
    view! {
        {group("status-changes", td_string!(locale, products.will_change, status = status.clone()).to_string(), plain(change.changed))}
        {group(
            "status-already",
            if made {
                td_string!(locale, products.now, status = status.clone()).to_string()
            } else {
                td_string!(locale, products.already, status = status.clone()).to_string()
            },
            plain(change.unchanged),
        )}
        {group("status-refused", td_string!(locale, products.refused).to_string(), refused)}
        {group("status-unknown", td_string!(locale, products.unknown).to_string(), plain(change.not_found))}
    }
}
