//! A grid filter as the import grid and an import apply it: the catalogue tests
//! its interned entries, and a run tests each reel as it maps it ([`Matching`]),
//! with the same choices, dates and search.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::mapping::{FieldValue, Mapped, ascii_digits, parse_date};
use crate::{GridColumn, GridFilter, ProductField};

/// "Select all matching" as an import applies it: the importable reels the
/// grid's filter lets through, tested on each reel as the run maps it (the test
/// `Entry::passes` makes, on the mapped values themselves: a run tests every
/// in-stock row), but the reels excluded by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    /// The chosen values of each facet filtered on.
    values: Vec<(ProductField, HashSet<String>)>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// The search, [normalised].
    search: Option<String>,
    except: HashSet<String>,
}

impl Matching {
    pub fn new(filter: &GridFilter, except: &[String]) -> Self {
        Self {
            values: chosen_values(filter)
                .filter_map(|(column, chosen)| {
                    Some((column.field()?, chosen.iter().cloned().collect()))
                })
                .collect(),
            from: filter.received_from,
            to: filter.received_to,
            search: search_of(filter),
            except: except.iter().map(|r| r.trim().to_owned()).collect(),
        }
    }

    /// Whether the import takes the reel `reel_number`, mapped as `mapped`.
    pub fn takes(&self, reel_number: &str, mapped: &Mapped) -> bool {
        let text = |field| mapped.get(field).map(FieldValue::as_text);
        let received = || {
            text(ProductField::ReceiveDate)
                .and_then(|t| parse_date(&t))
                .map(|at| at.date())
        };
        !self.except.contains(reel_number)
            && self.values.iter().all(|(field, chosen)| {
                text(*field).is_some_and(|value| chosen.contains(value.as_ref()))
            })
            && (self.from.is_none() && self.to.is_none()
                || received().is_some_and(|r| {
                    self.from.is_none_or(|from| r >= from) && self.to.is_none_or(|to| r <= to)
                }))
            && self.search.as_deref().is_none_or(|search| {
                normalised(reel_number).contains(search)
                    || text(ProductField::Comments)
                        .is_some_and(|comments| normalised(&comments).contains(search))
            })
    }
}

/// The facets `filter` chooses values of (an empty choice is no filter).
pub(crate) fn chosen_values(filter: &GridFilter) -> impl Iterator<Item = (GridColumn, &[String])> {
    filter
        .values
        .iter()
        .filter(|(_, chosen)| !chosen.is_empty())
        .map(|(column, chosen)| (*column, chosen.as_slice()))
}

/// `filter`'s search as searches compare it; none when it is blank.
pub(crate) fn search_of(filter: &GridFilter) -> Option<String> {
    filter
        .search
        .as_deref()
        .map(normalised)
        .filter(|s| !s.is_empty())
}

/// Text as searches compare it: lower case, Persian and Arabic-Indic digits as
/// ASCII, blanks at the ends gone.
pub(crate) fn normalised(text: &str) -> String {
    ascii_digits(text.trim()).to_lowercase()
}
