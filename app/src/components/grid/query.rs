//! A list's address: filters, sort and page key as query parameters, read back
//! into a [`GridQuery`]. One reader for every way a query arrives (a link, a
//! reload, the filter form), and a clear refusal for anything it can't read.

use chrono::NaiveDate;
use model::{GridColumn, GridFilter, GridKey, GridList, GridQuery, GridSort};

use crate::error::AppError;

/// Reels a list page shows unless the device asked for another number.
pub const PAGE_SIZE: u32 = crate::pages::PHONE_ROWS;

/// The page sizes a device may ask for.
const PAGE_SIZES: std::ops::RangeInclusive<u32> = 10..=100;

/// The longest search text taken (a scanned code or a word of a comment).
const MAX_SEARCH: usize = 200;

/// Reads the query of an address of `list` (`width=1250&grade=Kraft&sort=gsm&dir=desc`):
/// each facet by its column's name (repeated for several values), `from` and
/// `to` (received, `YYYY-MM-DD`), `q` (search), `sort` and `dir`, and the page
/// key: `after` (a reel number) with `after_value` (its sort value) for the next
/// page, `before` and `before_value` for the previous one.
pub fn parse(list: GridList, query: &str) -> Result<GridQuery, AppError> {
    let mut filter = GridFilter::default();
    let mut sort = GridSort::default();
    let (mut after, mut after_value) = (None, None);
    let (mut before, mut before_value) = (None, None);
    for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        let bad = || AppError::BadFilter {
            key: key.to_string(),
            value: shown(&value),
        };
        let value = value.trim();
        match key.as_ref() {
            _ if value.is_empty() => {}
            "from" => filter.received_from = Some(date(value).ok_or_else(bad)?),
            "to" => filter.received_to = Some(date(value).ok_or_else(bad)?),
            "q" if value.chars().count() <= MAX_SEARCH => filter.search = Some(value.to_owned()),
            "sort" => {
                sort.column = GridColumn::parse(value)
                    .filter(|c| list.columns().contains(c))
                    .ok_or_else(bad)?
            }
            "dir" => {
                sort.descending = match value {
                    "asc" => false,
                    "desc" => true,
                    _ => return Err(bad()),
                }
            }
            "after" => after = Some(value.to_owned()),
            "after_value" => after_value = Some(value.to_owned()),
            "before" => before = Some(value.to_owned()),
            "before_value" => before_value = Some(value.to_owned()),
            facet => {
                let column = GridColumn::parse(facet)
                    .filter(|c| list.facets().contains(c))
                    .ok_or_else(bad)?;
                if column.is_numeric() && value.parse::<i64>().is_err() {
                    return Err(bad());
                }
                filter
                    .values
                    .entry(column)
                    .or_default()
                    .push(value.to_owned());
            }
        }
    }
    Ok(GridQuery {
        filter,
        sort,
        after: after.map(|reel_number| GridKey {
            value: after_value,
            reel_number,
        }),
        before: before.map(|reel_number| GridKey {
            value: before_value,
            reel_number,
        }),
        limit: PAGE_SIZE,
    })
}

/// Reels per page: as many as the device `asked` for (its rows cookie) when
/// that is a sensible number, else a phone's.
pub fn page_size(asked: Option<String>) -> u32 {
    asked
        .and_then(|rows| rows.parse().ok())
        .filter(|rows| PAGE_SIZES.contains(rows))
        .unwrap_or(PAGE_SIZE)
}

fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// A value as a refusal shows it: cut to a readable length.
fn shown(value: &str) -> String {
    value.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_filters_sort_and_key() {
        let q = parse(GridList::Importable, "?width=1250&width=1600&grade=Kraft+Liner&from=2024-03-01&q=%20wet%20&sort=gsm&dir=desc&after=R9&after_value=127").unwrap();
        assert_eq!(q.filter.values[&GridColumn::Width], ["1250", "1600"]);
        assert_eq!(q.filter.values[&GridColumn::Grade], ["Kraft Liner"]);
        assert_eq!(q.filter.received_from, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(q.filter.search.as_deref(), Some("wet"));
        assert_eq!(
            q.sort,
            GridSort {
                column: GridColumn::Gsm,
                descending: true
            }
        );
        assert_eq!(q.after.unwrap().value.as_deref(), Some("127"));
        assert_eq!(
            parse(GridList::Importable, "").unwrap(),
            GridQuery {
                limit: PAGE_SIZE,
                ..GridQuery::default()
            }
        );
        assert!(
            parse(GridList::Importable, "width=&grade=")
                .unwrap()
                .filter
                .is_empty()
        );
    }

    #[test]
    fn a_page_holds_what_the_device_asked_for_within_bounds() {
        assert_eq!(page_size(Some("50".into())), 50);
        for asked in [None, Some("0"), Some("5000"), Some("-1"), Some("lots")] {
            assert_eq!(page_size(asked.map(str::to_owned)), PAGE_SIZE, "{asked:?}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_read_naming_it() {
        for (query, key) in [
            ("sort=colour", "sort"),
            ("width=wide", "width"),
            ("from=01/03/2024", "from"),
            ("dir=up", "dir"),
            ("reel_number=R1", "reel_number"),
            ("DROP+TABLE=1", "DROP TABLE"),
            // The products list's own columns are no filter of the import grid.
            ("status=Sold", "status"),
            ("sort=warehouse", "sort"),
        ] {
            match parse(GridList::Importable, query) {
                Err(AppError::BadFilter { key: got, .. }) => assert_eq!(got, key, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
        let tracked = parse(
            GridList::Tracked,
            "status=Sold&warehouse=missing&sort=warehouse",
        )
        .unwrap();
        assert_eq!(tracked.filter.values[&GridColumn::Status], ["Sold"]);
        assert_eq!(tracked.sort.column, GridColumn::Warehouse);
        // SQL in the search box is only text to look for.
        let q = parse(GridList::Importable, "q=%27%3B+DROP+TABLE+products%3B--").unwrap();
        assert_eq!(
            q.filter.search.as_deref(),
            Some("'; DROP TABLE products;--")
        );
    }
}
