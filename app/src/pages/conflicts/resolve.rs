//! A resolution's confirmation: what keeping one side will write, reel by
//! reel (a dry run of the resolution), then the form that runs it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use model::Keep;

use super::Resolve;
use super::api::{PICKED, ResolvePreview, preview_resolve, spell_shown};
use crate::components::{Loaded, ReelGroup};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::language::use_i18n;
use crate::pages::run::ItemRow;
use crate::routes;

/// The inbox's address without the resolution: where "Cancel" leads.
fn back() -> String {
    let mut query = use_query_map().get_untracked();
    for key in ["keep", "all", PICKED] {
        query.remove(key);
    }
    format!("{}{}", routes::CONFLICTS, query.to_query_string())
}

/// "Keep the office's status for 2 reels?": the preview, and Confirm.
#[component]
pub fn Confirm(keep: Keep) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map().get_untracked();
    let reels = query.get_all(PICKED).unwrap_or_default();
    let all = query.get("all").is_some_and(|a| a == "true");
    let q = query.get("q");
    let preview = Resource::new(
        || (),
        move |_| preview_resolve(keep.as_str().to_owned(), reels.clone(), all, q.clone()),
    );
    view! {
        <Loaded
            resource=preview
            view=move |preview| view! { <Preview preview /> }
            loading=Signal::derive(tr!(i18n, conflicts.loading))
            error_title=Signal::derive(tr!(i18n, conflicts.preview_failed))
        />
    }
}

#[component]
fn Preview(preview: ResolvePreview) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let ResolvePreview {
        keep,
        shown,
        items,
        not_open,
        check_label,
        ..
    } = preview;
    let count = shown.len() as u64;
    let hidden = shown
        .iter()
        .map(|s| view! { <input type="hidden" name="shown[]" value=spell_shown(s) /> })
        .collect_view();
    let cancel = back();
    let aside = |testid: &'static str, title: String, reels: Vec<String>| {
        let reels = reels.into_iter().map(|reel| (reel, None)).collect();
        view! { <ReelGroup testid title reels /> }
    };
    view! {
        <section class="panel confirm" data-testid="resolve-preview" data-count=count data-keep=keep.as_str()>
            <h2>{question(locale, keep, count)}</h2>
            <p class="detail">{what_it_does(locale, keep)}</p>
            {if count == 0 {
                view! { <p class="detail warn">{td_string!(locale, conflicts.nothing).to_string()}</p> }.into_any()
            } else {
                view! {
                    <ul class="items" data-testid="resolve-items">
                        {items.into_iter().map(|item| view! { <ItemRow item /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {aside("resolve-not-open", td_string!(locale, conflicts.not_open).to_string(), not_open)}
            {aside("resolve-check-label", td_string!(locale, conflicts.check_label).to_string(), check_label)}
            <form method="post" action=Resolve::url() class="actions">
                <input type="hidden" name="keep" value=keep.as_str() />
                {hidden}
                {(count > 0).then(|| view! {
                    <button type="submit" class="button button--primary" data-testid="resolve-confirm">
                        {td_string!(locale, conflicts.confirm).to_string()}
                    </button>
                })}
                <a class="button" href=cancel>{td_string!(locale, conflicts.cancel).to_string()}</a>
            </form>
        </section>
    }
}

/// The question a resolution asks.
fn question(locale: Locale, keep: Keep, count: u64) -> String {
    let count = fmt::number(locale, count);
    match keep {
        Keep::Warehouse => td_string!(locale, conflicts.confirm_warehouse, count),
        Keep::Office => td_string!(locale, conflicts.confirm_office, count),
    }
    .to_string()
}

/// What keeping a side does, in a sentence.
fn what_it_does(locale: Locale, keep: Keep) -> String {
    match keep {
        Keep::Warehouse => td_string!(locale, conflicts.what_warehouse),
        Keep::Office => td_string!(locale, conflicts.what_office),
    }
    .to_string()
}
