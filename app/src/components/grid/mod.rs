//! What every list served the grid's way shares (the import grid, the
//! products list): a page with its catalogue's version, the address it is read
//! from, its filters, its pager, and how its cells are shown.

mod filters;
#[cfg(feature = "ssr")]
pub mod query;

pub use filters::{GridFilters, set_grid_filters};

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::{GridColumn, GridKey};

use super::{ListAddress, PageLink, Pager};
use crate::fmt;
use crate::i18n::Locale;
use crate::labels;
use crate::language::use_i18n;

/// A page of a list, and the version of the catalogue it was drawn from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    pub page: model::GridPage,
    /// Out of date once the list's catalogue answers another.
    pub version: u64,
}

/// "Previous" and "Next", by key: each keeps the filters and the sort.
#[component]
pub fn GridPager(
    address: ListAddress,
    next: Option<GridKey>,
    previous: Option<GridKey>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let link = move |key: GridKey, forwards: bool, words: Signal<String>| {
        let (reel, value) = if forwards {
            ("after", "after_value")
        } else {
            ("before", "before_value")
        };
        let href = address.href(query.get_untracked(), |q| {
            q.replace(reel, key.reel_number);
            if let Some(v) = key.value {
                q.replace(value, v);
            }
        });
        PageLink { href, words }
    };
    view! {
        <Pager
            label=Signal::derive(tr!(i18n, import.pages))
            previous=previous.map(|key| link(key, false, Signal::derive(tr!(i18n, import.previous))))
            next=next.map(|key| link(key, true, Signal::derive(tr!(i18n, import.next))))
        />
    }
}

/// A column's header: a link that sorts by it (again: the other way round).
#[component]
pub fn ColumnHead(address: ListAddress, column: GridColumn) -> impl IntoView {
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
        address.href(query.get(), |q| {
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
            <a href=href>{move || labels::column(i18n.get_locale(), column)}</a>
        </th>
    }
}

/// A cell's value as a list shows it: numbers in the page's digits, the
/// receive date in the page's calendar (the time of day left out: the filters
/// go by the day), statuses in words, other values as the warehouse holds them.
pub fn shown_value(locale: Locale, column: GridColumn, value: &str) -> String {
    let day = (column == GridColumn::Received)
        .then(|| iso_day(value))
        .flatten();
    match (column, day) {
        (_, Some(day)) => fmt::calendar_date(locale, day),
        (c, None) if c.is_numeric() || c == GridColumn::Received => fmt::digits(locale, value),
        (GridColumn::Status | GridColumn::Warehouse, None) => {
            crate::labels::status_text(locale, value)
        }
        _ => value.to_owned(),
    }
}

/// The day a value starting `YYYY-MM-DD` names (as the warehouse writes its
/// times). Split by hand: chrono's parser would grow the wasm for one format.
pub fn iso_day(value: &str) -> Option<chrono::NaiveDate> {
    let day = value.get(..10)?;
    let mut parts = day.split('-').map(|part| part.parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// A time as the warehouse writes it (`YYYY-MM-DD hh:mm:ss…`): the day in the
/// page's calendar, the time of day to the minute, in the page's digits; any
/// other text as it is, in the page's digits.
pub fn warehouse_time(locale: Locale, value: &str) -> String {
    match iso_day(value) {
        Some(day) => {
            let time = value.get(11..16).unwrap_or_default();
            fmt::digits(
                locale,
                &format!("{} {time}", fmt::calendar_date(locale, day)),
            )
            .trim_end()
            .to_owned()
        }
        None => fmt::digits(locale, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warehouse_time_shows_in_the_pages_calendar_and_digits() {
        assert_eq!(
            warehouse_time(Locale::en, "2023-03-21 21:06:59.343"),
            "2023-03-21 21:06"
        );
        assert_eq!(
            warehouse_time(Locale::fa, "2023-03-21 21:06:59"),
            "۱۴۰۲/۰۱/۰۱ ۲۱:۰۶"
        );
        assert_eq!(warehouse_time(Locale::fa, "2023-03-21"), "۱۴۰۲/۰۱/۰۱");
        assert_eq!(warehouse_time(Locale::fa, "21/03/2023"), "۲۱/۰۳/۲۰۲۳");
    }

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
        assert_eq!(
            shown_value(Locale::en, GridColumn::Status, "In-stock"),
            "In stock"
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
