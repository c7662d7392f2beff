//! `/import`: the warehouse's importable reels in a grid, filtered by facets
//! with their counts, sorted by any column, a page at a time; the user's
//! selection kept across all of it, and imported in one run.
//!
//! Everything is a plain form or a link first: filters, sort and page live in the
//! address (a GET form), and each change of the selection is a POST that comes
//! back to the same address. With the wasm, a tick saves itself at once.

mod api;
#[cfg(feature = "ssr")]
mod query;

#[cfg(feature = "hydrate")]
use api::grid_version;
pub use api::{
    ClearSelection, Grid, GridVersion, ImportSelected, LoadGrid, Scan, Scanned, Select,
    SelectMatching, load_grid,
};

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};
use leptos_router::params::ParamsMap;
use model::{Facet, GridColumn, GridKey, GridPage, GridRow};

use crate::components::{FormError, Loaded, close_sheet};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::reasons;
use crate::routes;

/// The query keys that say where a page starts: dropped when the filters or the
/// sort change, so a new filter starts on its first page.
const PAGE_KEYS: [&str; 4] = ["after", "after_value", "before", "before_value"];

/// The grid's address with `edit` made to `query`, from its first page: a new
/// filter, sort or page starts where it should, not where the last one was.
fn grid_href(mut query: ParamsMap, edit: impl FnOnce(&mut ParamsMap)) -> String {
    for key in PAGE_KEYS {
        query.remove(key);
    }
    edit(&mut query);
    format!("{}{}", routes::IMPORT, query.to_query_string())
}

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

/// The grid's address now: where each form comes back to.
fn here() -> String {
    let search = use_location().search.get_untracked();
    if search.is_empty() {
        routes::IMPORT.to_owned()
    } else {
        format!("{}?{search}", routes::IMPORT)
    }
}

/// The filters, the selection bar, the rows and the pager.
#[component]
fn ImportGrid(page: GridPage, actions: Actions, ticked: RwSignal<Option<u64>>) -> impl IntoView {
    let GridPage {
        rows,
        matching,
        selectable: _,
        selected,
        next,
        previous,
        facets,
    } = page;
    let selected = Signal::derive(move || ticked.get().unwrap_or(selected));
    let i18n = use_i18n();
    // The facets' values and the rows are drawn in the page's language once,
    // and all again should it change: a phone draws a new page of them on every
    // filter change, and hundreds of cells each following the language cost it
    // more than that rare redraw does.
    let filters = move || view! { <Filters facets=facets.clone() locale=i18n.get_locale() /> };
    let rows = move || view! { <Rows rows=rows.clone() actions locale=i18n.get_locale() /> };
    // Filters applied, or a chip removed (by the router, without a page load):
    // the sheet closes over the new rows.
    let sheet = NodeRef::<leptos::html::Div>::new();
    let close_sheet = close_sheet::<()>(sheet);
    let search = use_location().search;
    Effect::watch(move || search.get(), move |_, _, _| close_sheet(()), false);
    view! {
        <ScanField actions />
        {move || view! { <FilterBar locale=i18n.get_locale() /> }}
        // A sheet on a phone (opened by the bar's button, a native popover that
        // works before the wasm); in sight from a tablet's width on.
        <div
            id="grid-filters"
            popover="auto"
            class="filter-sheet"
            data-testid="filter-sheet"
            node_ref=sheet
        >
            {filters}
        </div>
        <SelectionBar matching selected actions />
        {rows}
        <Pager next previous />
    }
}

/// The filters that are set, read from the address: each with its key, what it
/// filters on and its value, as the page shows them.
fn set_filters(locale: Locale) -> Vec<(&'static str, String, String)> {
    let query = use_query_map();
    let query = query.read_untracked();
    let value = |key: &str| query.get(key).filter(|v| !v.trim().is_empty());
    let facets = GridColumn::FACETS.into_iter().filter_map(|column| {
        let key = column.as_str();
        value(key).map(|v| (key, labels::field(locale, column.field()).to_string(), v))
    });
    let dates = [
        ("from", td_string!(locale, import.received).to_string()),
        ("to", td_string!(locale, import.until).to_string()),
    ]
    .into_iter()
    .filter_map(|(key, label)| value(key).map(|v| (key, label, fmt::digits(locale, &v))));
    let search = value("q").map(|v| ("q", td_string!(locale, import.search).to_string(), v));
    facets.chain(dates).chain(search).collect()
}

/// On a phone the filters fold away behind one button that says how many are
/// set, and the ones set are chips above the list, each a link that removes
/// itself (so they work before the wasm too). A tablet shows the filters
/// themselves, and no button.
#[component]
fn FilterBar(locale: Locale) -> impl IntoView {
    let set = set_filters(locale);
    let count = set.len();
    let query = use_query_map();
    let without = move |key: &str| {
        grid_href(query.get_untracked(), |q| {
            q.remove(key);
        })
    };
    let chips = set
        .into_iter()
        .map(|(key, label, value)| {
            let shown = format!("{label}: {value}");
            let name = td_string!(locale, import.remove_filter, filter = shown.clone()).to_string();
            view! {
                <a class="chip" href=without(key) aria-label=name data-testid="filter-chip">
                    <bdi>{shown}</bdi>
                    <span class="chip-x" aria-hidden="true">"×"</span>
                </a>
            }
        })
        .collect_view();
    view! {
        <div class="filter-bar">
            <button type="button" class="button filter-button" popovertarget="grid-filters" data-testid="filters-button">
                {td_string!(locale, import.filters).to_string()}
                {(count > 0).then(|| view! { <span class="count-badge">{fmt::number(locale, count as u64)}</span> })}
            </button>
            {chips}
        </div>
    }
}

/// The scan field: a USB or Bluetooth scanner types a reel number and Enter, and
/// the reel is selected (or taken out again), with a line saying so and a
/// beep; a reel that can't be selected is refused with why. The field is
/// cleared and focused again after each scan, and a second scan of the same
/// code within 100 ms (a scanner that fires twice) counts once.
#[component]
fn ScanField(actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<leptos::html::Input>::new();
    let last = StoredValue::new((String::new(), f64::NEG_INFINITY));
    let back = here();
    let on_submit = {
        let back = back.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(field) = input.get_untracked() else {
                return;
            };
            let code = field.value().trim().to_owned();
            let now = now_ms();
            let repeated = last.with_value(|(c, at)| *c == code && now - at < 100.0);
            last.set_value((code.clone(), now));
            if code.is_empty() || repeated {
                return;
            }
            actions.scan.dispatch(Scan {
                code,
                back: back.clone(),
            });
        }
    };
    Effect::watch(
        move || actions.scan.value().get(),
        move |value, _, _| {
            if let Some(field) = input.get_untracked() {
                field.set_value("");
                let _ = field.focus();
            }
            beep(matches!(value, Some(Ok(_))));
        },
        false,
    );
    let said = move || {
        let locale = i18n.get_locale();
        match actions.scan.value().get()? {
            Ok(scanned) => {
                let reel = fmt::isolate(&scanned.reel_number);
                Some(
                    if scanned.selected {
                        td_string!(locale, import.scan_selected, reel)
                    } else {
                        td_string!(locale, import.scan_unselected, reel)
                    }
                    .to_string(),
                )
            }
            Err(_) => None,
        }
    };
    view! {
        <form method="post" action=Scan::url() class="panel scan" on:submit=on_submit>
            <input type="hidden" name="back" value=back />
            <label for="scan-code">{tr!(i18n, import.scan)}</label>
            <div class="field-with-button">
                <input
                    id="scan-code"
                    node_ref=input
                    type="text"
                    name="code"
                    autocomplete="off"
                    autocapitalize="characters"
                    enterkeyhint="done"
                    dir="auto"
                    data-testid="scan"
                />
                <button type="submit" class="button button--primary">{tr!(i18n, import.scan_button)}</button>
            </div>
            <p role="status" class="scan-said" data-testid="scan-said">{said}</p>
            {move || actions.scan.value().get().and_then(Result::err).map(|error| view! { <FormError error testid="scan-error" /> })}
        </form>
    }
}

/// Milliseconds since some fixed point, for telling scans apart.
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

/// A short tone: high when a scan went through, low when it was refused.
fn beep(ok: bool) {
    #[cfg(feature = "hydrate")]
    {
        let play = || -> Result<(), wasm_bindgen::JsValue> {
            let audio = web_sys::AudioContext::new()?;
            let tone = audio.create_oscillator()?;
            tone.frequency().set_value(if ok { 880.0 } else { 220.0 });
            tone.connect_with_audio_node(&audio.destination())?;
            tone.start()?;
            tone.stop_with_when(audio.current_time() + 0.12)?;
            Ok(())
        };
        // No sound is no reason to fail a scan (a browser may refuse audio).
        let _ = play();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ok;
}

/// The filters, as a GET form: each facet with its values and counts, the
/// receive dates, the search, and the sort.
#[component]
fn Filters(facets: Vec<Facet>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    // Read once: the filters are drawn anew with each page of the grid, and
    // nothing in them need follow the address while the next page loads.
    let query = use_query_map();
    let current = move |key: &'static str| query.read_untracked().get(key).unwrap_or_default();
    let sort = current("sort");
    let dir = current("dir");
    view! {
        // The router's form: with the wasm, a new filter is a client-side
        // navigation (one request of the grid's data, not a page load).
        <Form method="GET" action=routes::IMPORT attr:class="filters panel grid-filters">
            {facets.into_iter().map(|facet| view! { <FacetChoice facet locale /> }).collect_view()}
            <Field id="grid-from" label=Signal::derive(tr!(i18n, import.received))>
                <input id="grid-from" type="date" name="from" value=current("from") />
            </Field>
            <Field id="grid-to" label=Signal::derive(tr!(i18n, import.until))>
                <input id="grid-to" type="date" name="to" value=current("to") />
            </Field>
            <Field id="grid-q" label=Signal::derive(tr!(i18n, import.search))>
                <input
                    id="grid-q"
                    type="search"
                    name="q"
                    value=current("q")
                    dir="auto"
                    autocomplete="off"
                    placeholder=move || td_string!(i18n.get_locale(), import.search_hint).to_string()
                />
            </Field>
            <Field id="grid-sort" label=Signal::derive(tr!(i18n, import.sort))>
                <select id="grid-sort" name="sort">
                    {GridColumn::ALL
                        .into_iter()
                        .map(|column| {
                            let spelling = column.as_str();
                            let chosen = sort == spelling || (sort.is_empty() && column == GridColumn::ReelNumber);
                            view! {
                                <option value=spelling selected=chosen>
                                    {move || labels::field(i18n.get_locale(), column.field())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </Field>
            <Field id="grid-dir" label=Signal::derive(tr!(i18n, import.order))>
                <select id="grid-dir" name="dir">
                    <option value="asc" selected=dir != "desc">{tr!(i18n, import.ascending)}</option>
                    <option value="desc" selected=dir == "desc">{tr!(i18n, import.descending)}</option>
                </select>
            </Field>
            <div class="filter-buttons">
                <button type="submit" class="button button--primary">{tr!(i18n, import.show)}</button>
                <a href=routes::IMPORT class="button">{tr!(i18n, import.clear_filters)}</a>
            </div>
        </Form>
    }
}

/// A labelled control of the filters. The label names the control by `for`
/// rather than by holding it, so a `<select>`'s name is its label alone, not
/// the label and every option's text.
#[component]
fn Field(id: &'static str, label: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
        </div>
    }
}

/// One facet's `<select>`: "any", then the values present under the other
/// filters, each with how many reels have it.
#[component]
fn FacetChoice(facet: Facet, locale: Locale) -> impl IntoView {
    let key = facet.column.as_str();
    // Read once, as the other filters are.
    let chosen = use_query_map()
        .read_untracked()
        .get(key)
        .unwrap_or_default();
    let id = format!("grid-{key}");
    view! {
        <div class="field">
            <label for=id.clone()>{labels::field(locale, facet.column.field())}</label>
            <select id=id name=key>
                <option value="" selected=chosen.is_empty()>{td_string!(locale, import.any).to_string()}</option>
                {facet
                    .values
                    .into_iter()
                    .map(|(value, count)| {
                        let is_chosen = chosen == value;
                        let words = format!("{value} ({})", fmt::number(locale, count));
                        view! { <option value=value selected=is_chosen>{words}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// How many reels match and are selected, and what can be done with them.
#[component]
fn SelectionBar(matching: u64, selected: Signal<u64>, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let count = move |n: u64| fmt::number(i18n.get_locale(), n);
    let back = here();
    let back_again = back.clone();
    let bar_class = move || {
        if selected.get() > 0 {
            "import-bar pinned"
        } else {
            "import-bar"
        }
    };
    view! {
        <section class="panel selection-bar">
            <p class="detail" data-testid="matching" data-value=matching.to_string()>
                {move || td_string!(i18n.get_locale(), import.matching, count = count(matching)).to_string()}
            </p>
            // On a phone, fixed at the bottom of the screen while anything is
            // selected: the import is at hand however far the list scrolls.
            <div class=bar_class data-testid="import-bar">
                <p class="selected-count" data-testid="selected-count" data-value=move || selected.get().to_string()>
                    {move || td_string!(i18n.get_locale(), import.selected, count = count(selected.get())).to_string()}
                </p>
                <ActionForm action=actions.import>
                    <button type="submit" class="button button--primary" disabled=move || selected.get() == 0>
                        {move || {
                            td_string!(i18n.get_locale(), import.import_selected, count = count(selected.get()))
                                .to_string()
                        }}
                    </button>
                </ActionForm>
            </div>
            <div class="actions">
                {move || (selected.get() > 0).then(|| view! {
                    <a href=routes::PREVIEW_SELECTION class="button">{tr!(i18n, import.preview)}</a>
                })}
                <ActionForm action=actions.select_all>
                    <input type="hidden" name="back" value=back />
                    <button type="submit" class="button">{tr!(i18n, import.select_all)}</button>
                </ActionForm>
                <ActionForm action=actions.clear>
                    <input type="hidden" name="back" value=back_again />
                    <button type="submit" class="button">{tr!(i18n, import.clear)}</button>
                </ActionForm>
            </div>
            {move || actions.import.value().get().and_then(Result::err).map(|error| view! { <FormError error testid="import-error" /> })}
        </section>
    }
}

/// The rows: a table on a tablet, cards on a phone (the same table, laid out by
/// the style sheet, its roles kept). Each row's box is labelled with its reel
/// number; a reel an import would reject shows why, and its box is disabled.
#[component]
fn Rows(rows: Vec<GridRow>, actions: Actions, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <p class="detail panel">{tr!(i18n, import.none)}</p> }.into_any();
    }
    let back = here();
    let shown: Vec<String> = rows.iter().map(|r| r.reel_number.clone()).collect();
    let shown_inputs = move || {
        shown
            .iter()
            .map(|reel| view! { <input type="hidden" name="shown[]" value=reel.clone() /> })
            .collect_view()
    };
    // Keyed by reel and state: a new page (or a bulk change) gets new boxes.
    // Patched in place, a box would keep the `checked` the user gave it, whatever
    // reel it then stood for. (Erased to `AnyView`: the table's full type is too
    // deep for the compiler.)
    let body = {
        let back = back.clone();
        view! {
            <For
                each=move || rows.clone()
                key=|row| (row.reel_number.clone(), row.selected)
                children=move |row| view! { <Row row actions locale back=back.clone() /> }
            />
        }
        .into_any()
    };
    view! {
        <ActionForm action=actions.select attr:class="grid-form">
            <input type="hidden" name="back" value=back.clone() />
            {shown_inputs()}
            <table class="grid" role="table">
                <thead>
                    <tr role="row">
                        <th scope="col" role="columnheader" class="pick">
                            <span class="visually-hidden">{tr!(i18n, import.pick)}</span>
                        </th>
                        {GridColumn::ALL
                            .into_iter()
                            .map(|column| view! { <ColumnHead column /> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
            <div class="actions">
                <button type="submit" name="all" value="page" class="button">
                    {tr!(i18n, import.select_page)}
                </button>
                // Without the wasm, ticks are saved with this; with it, at once.
                <noscript>
                    <button type="submit" class="button">{tr!(i18n, import.save)}</button>
                </noscript>
            </div>
        </ActionForm>
    }
    .into_any()
}

/// A column's header: a link that sorts by it (again: the other way round).
#[component]
fn ColumnHead(column: GridColumn) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let sorted = move || {
        let q = query.read();
        let by = q.get("sort").unwrap_or_default();
        let by_this = by == column.as_str() || (by.is_empty() && column == GridColumn::ReelNumber);
        by_this.then(|| q.get("dir").as_deref() == Some("desc"))
    };
    let href = move || {
        let dir = if sorted() == Some(false) {
            "desc"
        } else {
            "asc"
        };
        grid_href(query.get(), |q| {
            q.replace("sort", column.as_str().to_owned());
            q.replace("dir", dir.to_owned());
        })
    };
    let aria_sort = move || match sorted() {
        Some(true) => "descending",
        Some(false) => "ascending",
        None => "none",
    };
    view! {
        <th scope="col" role="columnheader" aria-sort=aria_sort>
            <a href=href>{move || labels::field(i18n.get_locale(), column.field())}</a>
        </th>
    }
}

/// One reel.
#[component]
fn Row(row: GridRow, actions: Actions, locale: Locale, back: String) -> impl IntoView {
    let reel = row.reel_number.clone();
    let label = reel.clone();
    let value = reel.clone();
    let data_reel = reel.clone();
    let shown = reel.clone();
    let problem = row.problem.clone();
    let rejected = problem.is_some();
    let on_change = {
        let reel = reel.clone();
        move |ev: leptos::ev::Event| {
            let checked = event_target_checked(&ev);
            actions.select.dispatch(Select {
                shown: Some(vec![reel.clone()]),
                checked: checked.then(|| vec![reel.clone()]),
                all: None,
                back: back.clone(),
            });
        }
    };
    let cells = GridColumn::ALL[1..]
        .iter()
        .map(|column| {
            let column = *column;
            let value = row.cell(column).map(|v| shown_value(locale, column, v));
            view! {
                <td role="cell" data-column=column.as_str() data-label=labels::field(locale, column.field())>
                    <bdi>{value}</bdi>
                </td>
            }
        })
        .collect_view();
    view! {
        <tr role="row" data-reel=data_reel class:rejected=rejected class:selected=row.selected>
            <td role="cell" class="pick">
                <input
                    type="checkbox"
                    name="checked[]"
                    value=value
                    checked=row.selected
                    disabled=rejected
                    aria-label=label
                    on:change=on_change
                />
            </td>
            <th scope="row" role="rowheader" class="reel">
                <bdi>{shown}</bdi>
                {row.comments.map(|c| view! { <span class="detail comments" dir="auto">{c}</span> })}
                {problem.map(|reason| view! {
                    <span class="reason">
                        <span class="badge badge--warn">{td_string!(locale, import.rejected).to_string()}</span>
                        " "
                        {reasons::reason(locale, &reason)}
                    </span>
                })}
            </th>
            {cells}
        </tr>
    }
}

/// A cell's value as the grid shows it: numbers in the page's digits, the
/// receive date in the page's calendar (the time of day left out: the filters
/// go by the day), other values as the warehouse holds them.
fn shown_value(locale: Locale, column: GridColumn, value: &str) -> String {
    let day = (column == GridColumn::Received)
        .then(|| iso_day(value))
        .flatten();
    match (column, day) {
        (_, Some(day)) => fmt::calendar_date(locale, day),
        (c, None) if c.is_numeric() || c == GridColumn::Received => fmt::digits(locale, value),
        _ => value.to_owned(),
    }
}

/// The day a value starting `YYYY-MM-DD` names (as the warehouse writes its
/// times). Split by hand: chrono's parser would grow the wasm for one format.
fn iso_day(value: &str) -> Option<chrono::NaiveDate> {
    let day = value.get(..10)?;
    let mut parts = day.split('-').map(|part| part.parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// "Previous" and "Next", by key: each keeps the filters and the sort.
#[component]
fn Pager(next: Option<GridKey>, previous: Option<GridKey>) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let link = move |key: GridKey, forwards: bool| {
        let (reel, value) = if forwards {
            ("after", "after_value")
        } else {
            ("before", "before_value")
        };
        grid_href(query.get_untracked(), |q| {
            q.replace(reel, key.reel_number);
            if let Some(v) = key.value {
                q.replace(value, v);
            }
        })
    };
    let label = move |l: Locale| td_string!(l, import.pages).to_string();
    view! {
        <nav class="pager" aria-label=move || label(i18n.get_locale())>
            {previous.map(|key| view! {
                <a href=link(key, false) class="button" rel="prev">{tr!(i18n, import.previous)}</a>
            })}
            {next.map(|key| view! {
                <a href=link(key, true) class="button" rel="next">{tr!(i18n, import.next)}</a>
            })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receive_time_is_shown_by_its_day() {
        let day = chrono::NaiveDate::from_ymd_opt(2023, 3, 21);
        assert_eq!(iso_day("2023-03-21 21:06:59.343662"), day);
        assert_eq!(iso_day("2023-03-21"), day);
        // Nowruz 1402.
        let received = "2023-03-21 21:06:59.343662";
        assert_eq!(
            shown_value(Locale::fa, GridColumn::Received, received),
            "۱۴۰۲/۰۱/۰۱"
        );
        assert_eq!(
            shown_value(Locale::en, GridColumn::Received, received),
            "2023-03-21"
        );
        assert_eq!(shown_value(Locale::fa, GridColumn::Gsm, "127"), "۱۲۷");
        assert_eq!(
            shown_value(Locale::fa, GridColumn::Grade, "Kraft 2"),
            "Kraft 2"
        );
        for not_a_day in [
            "2023-3-21 08:00",
            "2023-02-30",
            "21/03/2023",
            "",
            "۲۰۲۳-۰۳-۲۱",
        ] {
            assert_eq!(iso_day(not_a_day), None, "{not_a_day}");
        }
    }
}
