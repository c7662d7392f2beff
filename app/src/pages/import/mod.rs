//! `/import`: the warehouse's importable reels in a grid, filtered by facets
//! with their counts, sorted by any column, a page at a time; the user's
//! selection kept across all of it, and imported in one run.
//!
//! Everything is a plain form or a link first: filters, sort and page live in the
//! address (a GET form), and each change of the selection is a POST that comes
//! back to the same address. With the wasm, a tick saves itself at once.

mod api;
mod list;
mod selection;

#[cfg(feature = "hydrate")]
use api::grid_version;
pub use api::{
    ClearSelection, Grid, GridVersion, ImportSelected, LoadGrid, Scan, Scanned, Select,
    SelectMatching, load_grid,
};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use model::{GridList, GridPage};

use crate::components::grid::{GridFilters, GridPager, set_grid_filters};
use crate::components::{FilterPanel, ListAddress, Loaded};
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// The grid's address: a new filter, sort or page starts where it should, not
/// where the last one was.
fn address() -> ListAddress {
    ListAddress {
        path: routes::IMPORT.to_owned(),
        page_keys: &["after", "after_value", "before", "before_value"],
    }
}

/// The id of the grid's form, which the import button sends too.
const GRID_FORM: &str = "grid-form";

/// The cookie in which the page tells the server how many rows fit the device.
pub const ROWS_COOKIE: &str = "reelsync_grid_rows";

/// Rows per page of a phone's cards.
pub const PHONE_ROWS: u32 = 25;

/// Rows per page of a tablet's table (from the style sheet's 600 px on).
pub const TABLET_ROWS: u32 = 50;

/// How often an open grid asks whether the warehouse or the store changed: a
/// reel sold in the warehouse leaves the grid within a few seconds.
#[cfg(feature = "hydrate")]
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The selection's forms, shared by the parts of the page.
#[derive(Clone, Copy)]
struct Actions {
    select: ServerAction<Select>,
    scan: ServerAction<Scan>,
    select_all: ServerAction<SelectMatching>,
    clear: ServerAction<ClearSelection>,
    import: ServerAction<ImportSelected>,
}

/// `/import`.
#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let actions = Actions {
        select: ServerAction::new(),
        scan: ServerAction::new(),
        select_all: ServerAction::new(),
        clear: ServerAction::new(),
        import: ServerAction::new(),
    };
    // How many are selected after the latest tick or scan, which don't reload
    // the grid (the box shows the tick already); a new page of the grid starts
    // from its own count.
    let ticked = RwSignal::new(None::<u64>);
    // The grid's own query: kept while the router leaves for another page (the
    // selection's preview has a query of its own, which is no grid's).
    let search = Memo::new(move |kept: Option<&String>| {
        if location.pathname.get() == routes::IMPORT {
            location.search.get()
        } else {
            kept.cloned().unwrap_or_default()
        }
    });
    // Bumped when the catalogue moved under the open grid.
    let refresh = RwSignal::new(0_u32);
    Effect::watch(
        move || actions.select.value().get(),
        move |value, _, _| {
            if let Some(Ok(count)) = value {
                ticked.set(Some(*count));
            }
        },
        false,
    );
    Effect::watch(
        move || actions.scan.value().get(),
        move |value, _, _| {
            if let Some(Ok(scanned)) = value {
                ticked.set(Some(scanned.count));
                tick_scanned_box(&scanned.reel_number, scanned.selected);
            }
        },
        false,
    );
    // A new page of the grid (another address, or rows selected in bulk) brings
    // its own count. Reset here, not while the page renders: writing the
    // signal then would wake the outgoing page's views as they are disposed.
    Effect::watch(
        move || {
            (
                search.get(),
                actions.select_all.version().get(),
                actions.clear.version().get(),
                refresh.get(),
            )
        },
        move |_, _, _| ticked.set(None),
        false,
    );
    // The other changes of the selection redraw every row, and so does a change
    // in the warehouse or the store.
    let page = Resource::new(
        move || {
            (
                search.get(),
                actions.select_all.version().get(),
                actions.clear.version().get(),
                refresh.get(),
            )
        },
        |(search, ..)| load_grid(search),
    );
    #[cfg(feature = "hydrate")]
    Effect::new(move || {
        remember_rows_that_fit();
        follow_changes(page, refresh, actions);
    });
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), import.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, import.title)}</h1>
        </div>
        <p class="lead grid-lead">{tr!(i18n, import.lead)}</p>
        <selection::ScanField actions />
        <FilterPanel address=address() set=|locale, query| set_grid_filters(GridList::Importable, locale, query)>
            <GridFilters list=GridList::Importable path=routes::IMPORT page />
        </FilterPanel>
        <Loaded
            resource=page
            view=move |grid: Grid| view! { <ImportGrid page=grid.page actions ticked /> }
            loading=Signal::derive(tr!(i18n, import.loading))
            error_title=Signal::derive(tr!(i18n, import.load_failed))
        />
    }
}

/// Tells the server, in a cookie, how many rows fit this device: the next grid
/// page it draws has that many.
#[cfg(feature = "hydrate")]
fn remember_rows_that_fit() {
    use wasm_bindgen::JsCast;

    let wide = window()
        .match_media("(min-width: 600px)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    let rows = if wide { TABLET_ROWS } else { PHONE_ROWS };
    if let Ok(document) = document().dyn_into::<web_sys::HtmlDocument>() {
        // A year, like the language's.
        let cookie = format!("{ROWS_COOKIE}={rows}; path=/; max-age=31536000; samesite=strict");
        let _ = document.set_cookie(&cookie);
    }
}

/// Asks every few seconds, while the page is visible, whether the catalogue
/// moved since the grid was drawn (a sale or a new reel in the warehouse, a run
/// of any process), and redraws the grid when it did. Not while a tick or scan
/// is being saved: the redraw could come back without it.
#[cfg(feature = "hydrate")]
fn follow_changes(
    page: Resource<Result<Grid, crate::error::AppError>>,
    refresh: RwSignal<u32>,
    actions: Actions,
) {
    let asking = StoredValue::new(false);
    let ask = move || {
        let busy = asking.get_value()
            || document().hidden()
            || actions.select.pending().get_untracked()
            || actions.scan.pending().get_untracked();
        if busy {
            return;
        }
        asking.set_value(true);
        leptos::task::spawn_local(async move {
            let version = grid_version().await;
            asking.set_value(false);
            let shown = page
                .get_untracked()
                .and_then(Result::ok)
                .map(|grid| grid.version);
            if let (Ok(now), Some(shown)) = (version, shown)
                && now != shown
            {
                refresh.update(|n| *n += 1);
            }
        });
    };
    if let Ok(handle) = set_interval_with_handle(ask, FOLLOW_EVERY) {
        on_cleanup(move || handle.clear());
    }
}

/// A scan changes the selection without drawing the grid again: the scanned
/// reel's box, when the page shows it, takes the tick too. Else "Import
/// selected", which sends the grid's boxes as the ticks to keep, would take a
/// scanned reel out again.
fn tick_scanned_box(reel: &str, selected: bool) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let Some(form) = document().get_element_by_id(GRID_FORM) else {
            return;
        };
        let Ok(boxes) = form.query_selector_all(r#"input[name="checked[]"]"#) else {
            return;
        };
        (0..boxes.length())
            .filter_map(|i| boxes.item(i)?.dyn_into::<web_sys::HtmlInputElement>().ok())
            .filter(|input| input.value() == reel)
            .for_each(|input| input.set_checked(selected));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (reel, selected);
}

/// The grid's address with `search` as its query: where each form comes back to.
fn here(search: &str) -> String {
    if search.is_empty() {
        routes::IMPORT.to_owned()
    } else {
        format!("{}?{search}", routes::IMPORT)
    }
}

/// The selection bar, the rows and the pager.
#[component]
fn ImportGrid(page: GridPage, actions: Actions, ticked: RwSignal<Option<u64>>) -> impl IntoView {
    let GridPage {
        rows,
        matching,
        selectable: _,
        selected,
        next,
        previous,
        facets: _,
    } = page;
    let selected = Signal::derive(move || ticked.get().unwrap_or(selected));
    let i18n = use_i18n();
    // The rows are drawn in the page's language once, and all again should it
    // change: a phone draws a new page of them on every filter change, and
    // hundreds of cells each following the language cost it more than that rare
    // redraw does.
    let rows = move || view! { <list::Rows rows=rows.clone() actions locale=i18n.get_locale() /> };
    view! {
        <selection::SelectionBar matching selected actions />
        {rows}
        <GridPager address=address() next previous />
    }
}
