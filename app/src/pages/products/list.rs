//! The products list: the scan field, the reels picked, the rows (a table on a
//! tablet, cards on a phone), the pager, and the bar of status changes.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::{GridList, GridPage, GridRow};

use super::{CHANGE_KEYS, PICKED, PRODUCTS_FORM, ProductsView, address};
use crate::components::CameraScan;
use crate::components::grid::{ColumnHead, GridPager, shown_value};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::routes;

/// The list's form, its filters kept as hidden fields, and the scan field: a
/// scanner types a reel number and Enter, and the list comes back with the reel
/// picked. The boxes of the rows and the status buttons below belong to the
/// same form (`form=`), so ticks travel with a scan and with a change. The
/// camera's codes go the same way: into the field, and the form's address
/// opened in place (the camera stays open).
#[component]
pub fn ScanField() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let on_camera = {
        let navigate = leptos_router::hooks::use_navigate();
        Callback::new(move |code: String| {
            if let Some(address) = picked_address(input, &code) {
                navigate(&address, Default::default());
            }
        })
    };
    #[cfg(not(feature = "hydrate"))]
    let on_camera = Callback::new(|_: String| {});
    // The filters, the sort and the page, so a scan comes back to them.
    let kept = move || {
        let kept: Vec<(String, String)> = (&*query.read())
            .into_iter()
            .filter(|(key, _)| *key != PICKED && !CHANGE_KEYS.contains(&key.as_ref()))
            .map(|(key, value)| (key.to_string(), value.to_owned()))
            .collect();
        kept.into_iter()
            .map(|(key, value)| view! { <input type="hidden" name=key value=value /> })
            .collect_view()
    };
    view! {
        <form id=PRODUCTS_FORM method="get" action=routes::PRODUCTS class="panel scan">
            {kept}
            <label for="products-scan">{tr!(i18n, products.scan)}</label>
            <div class="field-with-button">
                <input
                    id="products-scan"
                    node_ref=input
                    type="text"
                    name=PICKED
                    autocomplete="off"
                    autocapitalize="characters"
                    enterkeyhint="go"
                    dir="auto"
                    data-testid="products-scan"
                />
                // The form's first button: Enter in the field picks the reel.
                <button type="submit" class="button button--primary">{tr!(i18n, products.pick)}</button>
            </div>
            <CameraScan on_code=on_camera />
        </form>
    }
}

/// The address the scan form would open with `code` in its field.
#[cfg(feature = "hydrate")]
fn picked_address(input: NodeRef<leptos::html::Input>, code: &str) -> Option<String> {
    let field = input.get_untracked()?;
    field.set_value(code);
    let data = web_sys::FormData::new_with_form(&field.form()?).ok()?;
    let query = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    Some(format!(
        "{}?{}",
        routes::PRODUCTS,
        String::from(query.to_string())
    ))
}

/// The reels picked that the page does not show, the rows, the pager and the
/// bar of status changes.
#[component]
pub fn Products(view: ProductsView) -> impl IntoView {
    let i18n = use_i18n();
    let ProductsView { grid, picked } = view;
    let GridPage {
        rows,
        matching,
        next,
        previous,
        ..
    } = grid.page;
    let done = use_query_map().read_untracked().get("done").is_some();
    let on_page: Vec<String> = rows.iter().map(|r| r.reel_number.clone()).collect();
    // After a change the list starts afresh: nothing picked.
    let picked: Vec<(String, Option<GridRow>)> = if done { Vec::new() } else { picked };
    let elsewhere: Vec<_> = picked
        .into_iter()
        .filter(|(reel, _)| !on_page.contains(reel))
        .collect();
    let locale = i18n.get_locale_untracked();
    let summary = move || {
        let locale = i18n.get_locale();
        td_string!(
            locale,
            products.matching,
            count = fmt::number(locale, matching)
        )
        .to_string()
    };
    view! {
        <div class="products">
            <p class="detail" data-testid="products-matching" data-value=matching>{summary}</p>
            {(!elsewhere.is_empty()).then(|| view! { <Picked picked=elsewhere locale /> })}
            <Rows rows done locale />
            <GridPager address=address() next previous />
            <StatusBar />
        </div>
    }
}

/// Reels picked on other pages or by a scan, each a ticked box that can be
/// unticked; a scanned number reelsync does not track says so.
#[component]
fn Picked(picked: Vec<(String, Option<GridRow>)>, locale: Locale) -> impl IntoView {
    let chips = picked
        .into_iter()
        .map(|(reel, row)| match row {
            Some(row) => {
                let (data_reel, value) = (reel.clone(), reel.clone());
                let status = row
                    .cell(model::GridColumn::Status)
                    .map(|s| labels::status_text(locale, s))
                    .unwrap_or_default();
                view! {
                    <li>
                        <label class="chip picked" data-reel=data_reel>
                            <input type="checkbox" form=PRODUCTS_FORM name=PICKED value=value checked=true />
                            <bdi>{reel}</bdi>
                            <span class="detail">{status}</span>
                        </label>
                    </li>
                }
                .into_any()
            }
            None => {
                let said = td_string!(locale, products.not_tracked, reel = fmt::isolate(&reel)).to_string();
                view! {
                    <li class="chip chip--warn" data-testid="products-unknown" data-reel=reel>{said}</li>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <section class="panel picked-list" aria-label=td_string!(locale, products.picked).to_string()>
            <h2 class="visually-hidden">{td_string!(locale, products.picked).to_string()}</h2>
            <ul class="chips">{chips}</ul>
        </section>
    }
}

/// The rows: a table on a tablet, cards on a phone (the same table, laid out by
/// the style sheet). Each box is labelled with its reel number; each reel
/// number leads to the reel's page.
#[component]
fn Rows(rows: Vec<GridRow>, done: bool, locale: Locale) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="detail panel" data-testid="products-none">{td_string!(locale, products.none).to_string()}</p> }
            .into_any();
    }
    let columns = GridList::Tracked.columns();
    let heads = columns
        .iter()
        .map(|column| view! { <ColumnHead address=address() column=*column /> })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|row| view! { <Row row done locale /> })
        .collect_view();
    view! {
        <table class="grid products-grid" role="table" data-testid="products-list">
            <thead>
                <tr role="row">
                    <th scope="col" role="columnheader" class="pick">
                        <span class="visually-hidden">{td_string!(locale, products.pick_column).to_string()}</span>
                    </th>
                    {heads}
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
    }
    .into_any()
}

/// One tracked reel.
#[component]
fn Row(row: GridRow, done: bool, locale: Locale) -> impl IntoView {
    let reel = row.reel_number.clone();
    let cells = GridList::Tracked.columns()[1..]
        .iter()
        .map(|column| {
            let column = *column;
            let value = row.cell(column).map(|v| shown_value(locale, column, v));
            let status = row
                .cell(column)
                .filter(|_| {
                    matches!(
                        column,
                        model::GridColumn::Status | model::GridColumn::Warehouse
                    )
                })
                .map(str::to_owned);
            // A card's labels are short: the table's headers say the rest.
            let label = match column {
                model::GridColumn::Status => td_string!(locale, products.office).to_string(),
                model::GridColumn::Warehouse => td_string!(locale, products.warehouse).to_string(),
                other => labels::column(locale, other),
            };
            view! {
                <td role="cell" data-column=column.as_str() data-label=label data-status=status>
                    <bdi>{value}</bdi>
                </td>
            }
        })
        .collect_view();
    let href = routes::reel(&reel);
    let (data_reel, value, label) = (reel.clone(), reel.clone(), reel.clone());
    let picked = row.selected && !done;
    view! {
        <tr role="row" data-reel=data_reel class:selected=picked>
            <td role="cell" class="pick">
                <input
                    type="checkbox"
                    form=PRODUCTS_FORM
                    name=PICKED
                    value=value
                    checked=picked
                    aria-label=label
                />
            </td>
            <th scope="row" role="rowheader" class="reel">
                <a href=href><bdi>{reel}</bdi></a>
                {row.comments.map(|c| view! { <span class="detail comments" dir="auto">{c}</span> })}
            </th>
            {cells}
        </tr>
    }
}

/// The status changes: shown once a reel is picked (by CSS, before the wasm as
/// with it), each asking for its confirmation first.
#[component]
fn StatusBar() -> impl IntoView {
    let i18n = use_i18n();
    let button = move |status: model::ReelStatus, words: Signal<String>| {
        view! {
            <button type="submit" form=PRODUCTS_FORM name="to" value=status.as_str() class="button">
                {words}
            </button>
        }
    };
    view! {
        <div class="status-bar" data-testid="status-bar">
            <p class="picked-count">{tr!(i18n, products.picked_count)}</p>
            <div class="actions">
                {button(model::ReelStatus::Sold, Signal::derive(tr!(i18n, products.mark_sold)))}
                {button(model::ReelStatus::Delivered, Signal::derive(tr!(i18n, products.mark_delivered)))}
                {button(model::ReelStatus::InStock, Signal::derive(tr!(i18n, products.back_in_stock)))}
            </div>
        </div>
    }
}
