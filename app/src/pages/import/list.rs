//! The grid's rows: a table on a tablet, compact cards on a phone, each reel
//! with its box; and the headers that sort by a column.

use leptos::prelude::*;
use model::{GridList, GridRow};

use super::{Actions, GRID_FORM, Select, address, here};
use crate::components::grid::{ColumnHead, shown_value};
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::reasons;

/// The rows: a table on a tablet, cards on a phone (the same table, laid out by
/// the style sheet, its roles kept). Each row's box is labelled with its reel
/// number; a reel an import would reject shows why, and its box is disabled.
#[component]
pub fn Rows(rows: Vec<GridRow>, actions: Actions, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let back = here(&leptos_router::hooks::use_location().search.get_untracked());
    if rows.is_empty() {
        // The form is there all the same: the import button sends it.
        return view! {
            <ActionForm action=actions.select attr:id=GRID_FORM>
                <input type="hidden" name="back" value=back />
                <p class="detail panel">{tr!(i18n, import.none)}</p>
            </ActionForm>
        }
        .into_any();
    }
    save_early_ticks(&rows, actions);
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
        <ActionForm action=actions.select attr:id=GRID_FORM attr:class="grid-form">
            <input type="hidden" name="back" value=back.clone() />
            {shown_inputs()}
            <table class="grid" role="table">
                <thead>
                    <tr role="row">
                        <th scope="col" role="columnheader" class="pick">
                            <span class="visually-hidden">{tr!(i18n, import.pick)}</span>
                        </th>
                        {GridList::Importable
                            .columns()
                            .iter()
                            .map(|column| view! { <ColumnHead address=address() column=*column /> })
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

/// Saves the ticks made before the wasm ran: the boxes hydrate as the user left
/// them, but nobody told the server. Also after a client-side render, when the
/// boxes show what the server has and there is nothing to save.
fn save_early_ticks(rows: &[GridRow], actions: Actions) {
    #[cfg(feature = "hydrate")]
    {
        let saved: std::collections::HashSet<String> = rows
            .iter()
            .filter(|row| row.selected)
            .map(|row| row.reel_number.clone())
            .collect();
        Effect::new(move || {
            let Some(ticks) = crate::components::form_fields_as::<super::Select>(super::GRID_FORM)
            else {
                return;
            };
            let ticked: std::collections::HashSet<String> =
                ticks.checked.iter().flatten().cloned().collect();
            if ticked != saved {
                actions.select.dispatch(ticks);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (rows, actions);
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
    let cells = GridList::Importable.columns()[1..]
        .iter()
        .map(|column| {
            let column = *column;
            let value = row.cell(column).map(|v| shown_value(locale, column, v));
            view! {
                <td role="cell" data-column=column.as_str() data-label=labels::column(locale, column)>
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
