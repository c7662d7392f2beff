//! `/conflicts`: the reels whose statuses moved apart on both sides, one card
//! each (a row of a table on a tablet), with the situation in words and the
//! three values: what both sides last agreed, the office's (who, when), the
//! warehouse's (its `last_date` and `location`). "Keep warehouse" and "Keep
//! office", for one reel or for those picked (or all matching the search),
//! first show what the resolution will write (`?keep=`), then run it.
//!
//! Everything is a plain form or a link, before the wasm as with it.

mod api;
mod list;
mod resolve;

pub use api::{
    ConflictsView, GetConflicts, OpenConflicts, PreviewResolve, Resolve, ResolvePreview,
    get_conflicts, open_conflicts,
};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};
use model::Keep;

use crate::components::Loaded;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// The id of the form the reels' boxes and the keep buttons belong to.
const CONFLICTS_FORM: &str = "conflicts-form";

/// `/conflicts` (`?q=` a search by reel number; `?keep=` with `sel` or `all`:
/// a resolution's preview).
#[component]
pub fn ConflictsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let location = use_location();
    let search = Memo::new(move |_| query.read().get("q"));
    let keep = Memo::new(move |_| query.read().get("keep").and_then(|k| Keep::parse(&k)));
    let list = Resource::new(
        move || (location.pathname.get() == routes::CONFLICTS).then(|| search.get()),
        |search| get_conflicts(search.flatten()),
    );
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), conflicts.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, conflicts.title)}</h1>
        </div>
        {move || match keep.get() {
            Some(keep) => view! { <resolve::Confirm keep /> }.into_any(),
            None => view! {
                <p class="lead">{tr!(i18n, conflicts.lead)}</p>
                <list::Search />
                <Loaded
                    resource=list
                    view=|view: ConflictsView| view! { <list::Conflicts view /> }
                    loading=Signal::derive(tr!(i18n, conflicts.loading))
                    error_title=Signal::derive(tr!(i18n, conflicts.load_failed))
                />
            }
            .into_any(),
        }}
    }
}
