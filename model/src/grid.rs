//! The import grid's vocabulary: which importable reels to list (a filter the
//! engine also resolves at run time for "select all matching"), in which order,
//! one page at a time, with each facet's values and counts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::field::ProductField;
use crate::reason::Reason;

/// Which reels an import takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Every importable reel.
    All,
    /// These reel numbers; any that is not importable is rejected with its reason.
    Reels(Vec<String>),
    /// The importable reels the grid's filter lets through when the run reads
    /// them, but these reel numbers: "select all matching" as a few bytes, not a
    /// list of 70,000 reels.
    Matching {
        filter: GridFilter,
        except: Vec<String>,
    },
}

/// A column of a list: what it shows, sorts by and (for facets) filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridColumn {
    ReelNumber,
    Width,
    Gsm,
    Length,
    Grade,
    Location,
    Profile,
    Received,
    /// The office's status of a tracked reel.
    Status,
    /// The warehouse's status of a tracked reel as the last sync saw it, or
    /// `missing` when that sync did not find the reel.
    Warehouse,
}

impl GridColumn {
    /// Every column a list can show; a row's cells follow this order.
    pub const ALL: [GridColumn; 10] = [
        Self::ReelNumber,
        Self::Width,
        Self::Gsm,
        Self::Length,
        Self::Grade,
        Self::Location,
        Self::Profile,
        Self::Received,
        Self::Status,
        Self::Warehouse,
    ];

    /// The spelling in addresses (`?sort=width`, `?grade=A`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReelNumber => "reel_number",
            Self::Width => "width",
            Self::Gsm => "gsm",
            Self::Length => "length",
            Self::Grade => "grade",
            Self::Location => "location",
            Self::Profile => "profile",
            Self::Received => "received",
            Self::Status => "status",
            Self::Warehouse => "warehouse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The product field the column shows; none for the warehouse's status,
    /// which is not one of the office's fields.
    pub fn field(self) -> Option<ProductField> {
        Some(match self {
            Self::ReelNumber => ProductField::ReelNumber,
            Self::Width => ProductField::Width,
            Self::Gsm => ProductField::Gsm,
            Self::Length => ProductField::Length,
            Self::Grade => ProductField::Grade,
            Self::Location => ProductField::Location,
            Self::Profile => ProductField::ProfileName,
            Self::Received => ProductField::ReceiveDate,
            Self::Status => ProductField::Status,
            Self::Warehouse => return None,
        })
    }

    /// Whether its values are whole numbers (sorted and chosen as numbers).
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Width | Self::Gsm | Self::Length)
    }
}

/// A list of reels served the grid's way: the import grid's importable reels,
/// or the reels reelsync tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GridList {
    Importable,
    Tracked,
}

impl GridList {
    /// The columns it shows, in order; the reel number first.
    pub fn columns(self) -> &'static [GridColumn] {
        use GridColumn::*;
        match self {
            Self::Importable => &[
                ReelNumber, Width, Gsm, Length, Grade, Location, Profile, Received,
            ],
            Self::Tracked => &[
                ReelNumber, Status, Warehouse, Width, Gsm, Length, Grade, Location, Profile,
                Received,
            ],
        }
    }

    /// The columns it filters by their values, each with its counts.
    pub fn facets(self) -> &'static [GridColumn] {
        use GridColumn::*;
        match self {
            Self::Importable => &[Width, Gsm, Grade, Location, Profile],
            Self::Tracked => &[Status, Warehouse, Width, Gsm, Grade, Location, Profile],
        }
    }
}

/// Which importable reels the grid lists. Empty, it lists them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GridFilter {
    /// Per facet, the values chosen: a reel passes with any one of them.
    pub values: BTreeMap<GridColumn, Vec<String>>,
    /// Received on or after this day.
    pub received_from: Option<NaiveDate>,
    /// Received on or before this day.
    pub received_to: Option<NaiveDate>,
    /// Text the reel number or the comments hold (any case; Persian digits read
    /// as digits).
    pub search: Option<String>,
}

impl GridFilter {
    /// Whether it lets every reel through.
    pub fn is_empty(&self) -> bool {
        self.values.values().all(Vec::is_empty)
            && self.received_from.is_none()
            && self.received_to.is_none()
            && self.search.is_none()
    }
}

/// The grid's order: by a column, then by reel number (both the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GridSort {
    pub column: GridColumn,
    pub descending: bool,
}

impl Default for GridSort {
    fn default() -> Self {
        Self {
            column: GridColumn::ReelNumber,
            descending: false,
        }
    }
}

/// Where a page starts: after the reel with this sort value and reel number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GridKey {
    /// The sort column's value of the last reel of the previous page (`None`:
    /// it had none; reels without a value come last).
    pub value: Option<String>,
    pub reel_number: String,
}

/// One request of the grid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridQuery {
    pub filter: GridFilter,
    pub sort: GridSort,
    /// The page after this key; the first page when neither this nor `before`.
    pub after: Option<GridKey>,
    /// The page before this key (going back: "Previous").
    pub before: Option<GridKey>,
    /// Reels per page.
    pub limit: u32,
}

/// One importable reel as the grid shows it: its values as the mappings give
/// them, or, for a reel an import would reject, what maps of its raw values and
/// the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRow {
    pub reel_number: String,
    /// The values of [`GridColumn::ALL`] but the reel number, in that order.
    pub cells: Vec<Option<String>>,
    /// The comments, shown under the row.
    pub comments: Option<String>,
    /// Why an import would reject it; such a reel can't be selected.
    pub problem: Option<Reason>,
    /// Whether the user has it selected.
    pub selected: bool,
}

impl GridRow {
    /// The value shown in `column`.
    pub fn cell(&self, column: GridColumn) -> Option<&str> {
        match column {
            GridColumn::ReelNumber => Some(&self.reel_number),
            other => {
                let at = GridColumn::ALL.iter().position(|c| *c == other)? - 1;
                self.cells.get(at)?.as_deref()
            }
        }
    }
}

/// A facet: the values its column holds among the reels the other filters let
/// through, most frequent first, each with how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    pub column: GridColumn,
    pub values: Vec<(String, u64)>,
}

/// A page of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridPage {
    pub rows: Vec<GridRow>,
    /// How many reels pass the filter (on every page, not just this one).
    pub matching: u64,
    /// How many of them can be imported (the others would be rejected).
    pub selectable: u64,
    /// How many reels the user has selected, on every page.
    pub selected: u64,
    /// Where the next page starts, when there is one.
    pub next: Option<GridKey>,
    /// Where the previous page ends, when there is one.
    pub previous: Option<GridKey>,
    /// Every facet, counted under the other filters.
    pub facets: Vec<Facet>,
}

/// What a user has chosen in the grid, kept between requests (paging, sorting,
/// filtering, a reload): reels picked one by one, or everything a filter lets
/// through but some reels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridSelection {
    /// "Select all matching": the filter; `None` while reels are picked one by one.
    pub matching: Option<GridFilter>,
    /// The reels picked, or, with `matching`, the reels taken out of it.
    pub reels: BTreeSet<String>,
}

impl GridSelection {
    /// Whether nothing is chosen.
    pub fn is_empty(&self) -> bool {
        self.matching.is_none() && self.reels.is_empty()
    }

    /// The import that takes what is chosen.
    pub fn to_selection(&self) -> Selection {
        let reels = self.reels.iter().cloned().collect();
        match &self.matching {
            Some(filter) => Selection::Matching {
                filter: filter.clone(),
                except: reels,
            },
            None => Selection::Reels(reels),
        }
    }
}

/// A change to a user's selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectionChange {
    /// Of the reels `shown` (a page, or one scanned reel), those in `checked` are
    /// chosen and the others not.
    Set {
        shown: Vec<String>,
        checked: Vec<String>,
    },
    /// Everything the filter lets through.
    AllMatching(GridFilter),
    /// Nothing.
    Clear,
}
