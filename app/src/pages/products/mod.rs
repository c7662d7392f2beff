//! `/products`: every reel reelsync tracks, filtered by facets with their
//! counts (the office's status and the warehouse's among them), sorted by any
//! column, a page at a time; and the office's status changes from the phone:
//! pick reels by ticking or scanning, choose "Mark sold", "Mark delivered" or
//! "Back in stock", confirm, and the next sync writes them.
//!
//! Everything is a plain form or a link, before the wasm as with it: the reels
//! picked live in the address (`sel`, repeated) beside the filters, a change
//! asks for its confirmation at `?to=` (what the engine will do, reel by reel),
//! and its outcome shows at `?done=`.

mod api;
mod change;
mod list;

pub use api::{LoadProducts, PreviewStatus, ProductsView, SetStatus, load_products};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};
use model::{GridList, ReelStatus};

use crate::components::grid::{GridFilters, set_grid_filters};
use crate::components::{FilterPanel, ListAddress, Loaded};
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

pub use api::PICKED;

/// The query keys of a change: asked (`to`, its confirmation) and made
/// (`done`, its outcome). Neither is a filter, and a list's address drops them.
const CHANGE_KEYS: [&str; 2] = ["to", "done"];

/// The id of the form the reels' boxes, the scan field and the status buttons
/// belong to.
const PRODUCTS_FORM: &str = "products-form";

/// The list's address: a new filter or sort starts from the first page, and
/// keeps the reels picked.
fn address() -> ListAddress {
    ListAddress {
        path: routes::PRODUCTS.to_owned(),
        page_keys: &[
            "after",
            "after_value",
            "before",
            "before_value",
            "to",
            "done",
        ],
    }
}

/// `/products`.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let location = use_location();
    // The list's own query: kept while the router leaves for another page.
    let search = Memo::new(move |kept: Option<&String>| {
        if location.pathname.get() == routes::PRODUCTS {
            location.search.get()
        } else {
            kept.cloned().unwrap_or_default()
        }
    });
    let page = Resource::new(move || search.get(), load_products);
    let grid = Resource::new(
        move || search.get(),
        move |_| async move { page.await.map(|view| view.grid) },
    );
    // A memo: a filter applied at once must not draw the page anew (its filter
    // sheet would close under the user's thumb), only a change asked or made.
    let asked = Memo::new(move |_| {
        let q = query.read();
        let status = |key| q.get(key).and_then(|s| ReelStatus::from_canonical(&s));
        (status("to"), status("done"))
    });
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), products.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, products.title)}</h1>
        </div>
        {move || match asked.get() {
            (Some(to), _) => view! { <change::Confirm to /> }.into_any(),
            (None, done) => view! {
                {done.map(|status| view! { <change::Done status /> })}
                <list::ScanField />
                <FilterPanel address=address() set=|locale, query| set_grid_filters(GridList::Tracked, locale, query)>
                    <GridFilters list=GridList::Tracked path=routes::PRODUCTS page=grid />
                </FilterPanel>
                <Loaded
                    resource=page
                    view=move |view: ProductsView| view! { <list::Products view /> }
                    loading=Signal::derive(tr!(i18n, products.loading))
                    error_title=Signal::derive(tr!(i18n, products.load_failed))
                />
            }
            .into_any(),
        }}
    }
}
