//! A list's filters: each facet with the values present under the other
//! filters and their counts, the receive dates, the search, and the sort.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use model::{Facet, GridColumn, GridList};

use super::{Grid, iso_day};
use crate::components::{Field, FilterForm, SetFilter, set_filters};
use crate::error::AppError;
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;

/// The filters `query` sets on `list`, as the chips show them.
pub fn set_grid_filters(list: GridList, locale: Locale, query: &ParamsMap) -> Vec<SetFilter> {
    let facets = list
        .facets()
        .iter()
        .map(|column| (column.as_str(), labels::column(locale, *column)));
    let rest = [
        ("from", td_string!(locale, import.received).to_string()),
        ("to", td_string!(locale, import.until).to_string()),
        ("q", td_string!(locale, import.search).to_string()),
    ];
    // Numbers in the page's digits and days in its calendar, as the rows show them.
    let numeric = |key: &str| GridColumn::parse(key).is_some_and(GridColumn::is_numeric);
    set_filters(query, facets.chain(rest), |key, value| {
        let day = matches!(key, "from" | "to")
            .then(|| iso_day(&value))
            .flatten();
        match day {
            Some(day) => fmt::calendar_date(locale, day),
            None if numeric(key) => fmt::digits(locale, &value),
            None if matches!(key, "status" | "warehouse") => labels::status_text(locale, &value),
            None => value,
        }
    })
}

/// The filters' form of `list`, at `path`. The facets' values come with each
/// page of the list (their counts depend on the other filters); the form itself
/// stays, so a sheet it is in stays open while a filter applies.
#[component]
pub fn GridFilters(
    list: GridList,
    path: &'static str,
    page: Resource<Result<Grid, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let current = move |key: &'static str| move || query.read().get(key).unwrap_or_default();
    let sort = move || current("sort")();
    let facets = move || {
        let locale = i18n.get_locale();
        Suspend::new(async move {
            page.await.ok().map(|grid| {
                grid.page
                    .facets
                    .into_iter()
                    .map(|facet| view! { <FacetChoice facet locale /> })
                    .collect_view()
            })
        })
    };
    view! {
        <FilterForm
            action=path.to_owned()
            submit=Signal::derive(tr!(i18n, import.show))
            clear=path.to_owned()
            class="grid-filters"
        >
            <Transition>{facets}</Transition>
            <Field id="grid-from" label=Signal::derive(tr!(i18n, import.received))>
                <input id="grid-from" type="date" name="from" value=current("from") prop:value=current("from") />
            </Field>
            <Field id="grid-to" label=Signal::derive(tr!(i18n, import.until))>
                <input id="grid-to" type="date" name="to" value=current("to") prop:value=current("to") />
            </Field>
            <Field id="grid-q" label=Signal::derive(tr!(i18n, import.search))>
                <input
                    id="grid-q"
                    type="search"
                    name="q"
                    value=current("q")
                    prop:value=current("q")
                    dir="auto"
                    autocomplete="off"
                    placeholder=move || td_string!(i18n.get_locale(), import.search_hint).to_string()
                />
            </Field>
            <Field id="grid-sort" label=Signal::derive(tr!(i18n, import.sort))>
                <select id="grid-sort" name="sort">
                    {list
                        .columns()
                        .iter()
                        .map(|column| {
                            let column = *column;
                            let spelling = column.as_str();
                            let chosen = move || {
                                let sort = sort();
                                sort == spelling || (sort.is_empty() && column == GridColumn::ReelNumber)
                            };
                            view! {
                                <option value=spelling selected=chosen>
                                    {move || labels::column(i18n.get_locale(), column)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </Field>
            <Field id="grid-dir" label=Signal::derive(tr!(i18n, import.order))>
                <select id="grid-dir" name="dir">
                    <option value="asc" selected=move || current("dir")() != "desc">{tr!(i18n, import.ascending)}</option>
                    <option value="desc" selected=move || current("dir")() == "desc">{tr!(i18n, import.descending)}</option>
                </select>
            </Field>
        </FilterForm>
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
            <label for=id.clone()>{labels::column(locale, facet.column)}</label>
            <select id=id name=key>
                <option value="" selected=chosen.is_empty()>{td_string!(locale, import.any).to_string()}</option>
                {facet
                    .values
                    .into_iter()
                    .map(|(value, count)| {
                        let is_chosen = chosen == value;
                        let shown = super::shown_value(locale, facet.column, &value);
                        let words = format!("{shown} ({})", fmt::number(locale, count));
                        view! { <option value=value selected=is_chosen>{words}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chips_show_numbers_and_days_in_the_page_digits() {
        let mut query = ParamsMap::new();
        query.replace("width", "810".to_owned());
        query.replace("grade", "Kraft 2".to_owned());
        query.replace("from", "2023-03-21".to_owned());
        query.replace("q", "  ".to_owned());
        let set = set_grid_filters(GridList::Importable, Locale::fa, &query);
        let shown: Vec<(&str, &str)> = set.iter().map(|f| (f.key, f.value.as_str())).collect();
        assert_eq!(
            shown,
            [
                ("width", "۸۱۰"),
                ("grade", "Kraft 2"),
                ("from", "۱۴۰۲/۰۱/۰۱")
            ]
        );
        let english = set_grid_filters(GridList::Importable, Locale::en, &query);
        assert_eq!(
            (english[0].value.as_str(), english[2].value.as_str()),
            ("810", "2023-03-21")
        );
    }
}
