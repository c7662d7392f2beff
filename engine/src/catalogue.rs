//! The import grid's catalogue: every importable warehouse reel (In-stock, not
//! tracked), mapped once and held in memory, so that filters, facet counts, sorts
//! and pages over 70,000 reels take milliseconds. The warehouse file has no index
//! but its reel numbers, and reelsync never adds one there; one scan builds the
//! catalogue, and the server builds a new one when either file changes.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::error::Result;
use crate::mapping::{FieldValue, Mapped, Mapper, ascii_digits, parse_date};
use crate::plan::{self, ImportPolicy, Scope};
use crate::store::{self, Store};
use crate::sync::{open_checked, plan_rows, row_filter, warehouse_for};
use crate::warehouse::{self, ExternalRow};
use crate::{Engine, Facet, GridColumn, GridFilter, GridKey, GridPage, GridQuery, GridRow};

/// How many values a facet lists at most (the chosen ones always among them).
pub const FACET_VALUES: usize = 50;

/// Every importable reel, as the grid shows it and filters it.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    entries: Vec<Entry>,
}

/// One reel with what filtering and sorting compare, worked out once.
#[derive(Debug, Clone)]
struct Entry {
    row: GridRow,
    /// The numeric columns' values (width, gsm, length), where they are numbers.
    numbers: [Option<i64>; 3],
    received: Option<NaiveDate>,
    /// The reel number and comments, lower case, digits as ASCII: what a
    /// search looks in.
    haystack: String,
}

impl Engine {
    /// Builds the catalogue from one scan of the warehouse file: every
    /// In-stock reel reelsync does not track, with its mapped values, or, for a
    /// row an import would reject, what of it maps and why.
    pub fn catalogue(&self) -> Result<Catalogue> {
        let store = Store::open_read_only(self.data_dir())?;
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let columns = mapper.columns().to_vec();
        let scope = Scope {
            import: ImportPolicy::All,
            pull: false,
            push: false,
        };
        let filter = row_filter(&scope, &mapper);
        let mut entries = Vec::new();
        let mut last = 0;
        for page in reader.pages(&columns, filter.as_ref()) {
            let rows = page?;
            let up_to = rows.last().map_or(last, |r| r.id);
            let raw: HashMap<i64, ExternalRow> = rows.iter().map(|r| (r.id, r.clone())).collect();
            let plan = plan_rows(&store, rows, last, up_to, &mapper, &scope)?;
            for step in plan.steps {
                let entry = match step.op {
                    plan::Op::Import { mapped } => Entry::of_mapped(step.reel_number, &mapped),
                    plan::Op::Reject { reason } => {
                        let row = &raw[&step.external_id];
                        Entry::of_rejected(step.reel_number, &mapper, row, reason)
                    }
                    _ => continue,
                };
                entries.push(entry);
            }
            last = up_to;
        }
        Ok(Catalogue { entries })
    }
}

/// Tells cheaply whether a catalogue may be out of date: SQLite's `data_version`,
/// on a connection kept open to each file, changes when any other connection
/// commits to it (the warehouse app selling or adding a reel, a run of reelsync
/// from any process, a new warehouse path in the settings).
pub struct Changes {
    engine: Engine,
    store: Store,
    warehouse: Option<warehouse::Reader>,
    seen: Option<(i64, i64)>,
}

impl Engine {
    /// A watch on both files, for [`Changes::changed`].
    pub fn changes(&self) -> Result<Changes> {
        Ok(Changes {
            engine: self.clone(),
            store: Store::open_read_only(self.data_dir())?,
            warehouse: None,
            seen: None,
        })
    }
}

impl Changes {
    /// Whether either file has changed since the last call (`true` the first
    /// time). A warehouse file that can't be opened counts as a version of its
    /// own, so its coming back shows as a change too.
    pub fn changed(&mut self) -> Result<bool> {
        let store = self
            .store
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0))
            .map_err(|e| self.store.err(e))?;
        if self.seen.is_some_and(|(seen, _)| seen != store) {
            // The settings may name another file now.
            self.warehouse = None;
        }
        if self.warehouse.is_none() {
            self.warehouse = self.open_warehouse();
        }
        let warehouse = match &self.warehouse {
            Some(reader) => reader.data_version().unwrap_or(-1),
            None => -1,
        };
        if warehouse == -1 {
            self.warehouse = None;
        }
        let now = (store, warehouse);
        Ok(self.seen.replace(now) != Some(now))
    }

    fn open_warehouse(&self) -> Option<warehouse::Reader> {
        let settings = store::settings(&self.store.conn).ok()?;
        warehouse_for(self.engine.config(), &settings)
            .ok()?
            .open_read()
            .ok()
    }
}

impl Entry {
    fn of_mapped(reel_number: String, mapped: &Mapped) -> Self {
        let cells = GridColumn::ALL[1..]
            .iter()
            .map(|c| mapped.get(c.field()).map(FieldValue::to_text))
            .collect();
        let comments = mapped
            .get(crate::ProductField::Comments)
            .map(FieldValue::to_text);
        Self::new(GridRow {
            reel_number,
            cells,
            comments,
            problem: None,
        })
    }

    fn of_rejected(
        reel_number: String,
        mapper: &Mapper,
        row: &ExternalRow,
        reason: crate::Reason,
    ) -> Self {
        let mut raw = mapper.raw_texts(&row.values);
        let mut take = |field: crate::ProductField| raw.remove(field.as_str()).flatten();
        let cells = GridColumn::ALL[1..]
            .iter()
            .map(|c| take(c.field()))
            .collect();
        let comments = take(crate::ProductField::Comments);
        Self::new(GridRow {
            reel_number,
            cells,
            comments,
            problem: Some(reason),
        })
    }

    fn new(row: GridRow) -> Self {
        let number = |column| row.cell(column).and_then(|v| v.trim().parse().ok());
        let numbers = [
            number(GridColumn::Width),
            number(GridColumn::Gsm),
            number(GridColumn::Length),
        ];
        let received = row
            .cell(GridColumn::Received)
            .and_then(parse_date)
            .map(|at| at.date());
        let mut haystack = normalised(&row.reel_number);
        if let Some(comments) = &row.comments {
            haystack.push('\n');
            haystack.push_str(&normalised(comments));
        }
        Self {
            row,
            numbers,
            received,
            haystack,
        }
    }

    fn number(&self, column: GridColumn) -> Option<i64> {
        match column {
            GridColumn::Width => self.numbers[0],
            GridColumn::Gsm => self.numbers[1],
            GridColumn::Length => self.numbers[2],
            _ => None,
        }
    }

    /// Whether it passes every part of `filter` but the facet `except`.
    fn passes(&self, filter: &Compiled<'_>, except: Option<GridColumn>) -> bool {
        filter.values.iter().all(|(column, chosen)| {
            Some(*column) == except || self.row.cell(*column).is_some_and(|v| chosen.contains(&v))
        }) && filter
            .from
            .is_none_or(|from| self.received.is_some_and(|r| r >= from))
            && filter
                .to
                .is_none_or(|to| self.received.is_some_and(|r| r <= to))
            && filter
                .search
                .as_deref()
                .is_none_or(|text| self.haystack.contains(text))
    }

    /// The order of the grid: by `column` (reels without a value last), then by
    /// reel number.
    fn cmp_by(&self, other: &Self, column: GridColumn) -> Ordering {
        self.sort_value(column)
            .cmp(&other.sort_value(column))
            .then_with(|| self.row.reel_number.cmp(&other.row.reel_number))
    }

    fn sort_value(&self, column: GridColumn) -> SortValue<'_> {
        sort_value(column, self.row.cell(column), self.number(column))
    }
}

/// A value as the grid sorts it: numbers as numbers, text as text, none last.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue<'a> {
    Number(i64),
    Text(&'a str),
    None,
}

fn sort_value(column: GridColumn, text: Option<&str>, number: Option<i64>) -> SortValue<'_> {
    match (column.is_numeric(), number, text) {
        (true, Some(n), _) => SortValue::Number(n),
        (_, _, Some(text)) => SortValue::Text(text),
        _ => SortValue::None,
    }
}

/// A filter made ready to test many reels: searches normalised once.
struct Compiled<'a> {
    values: Vec<(GridColumn, Vec<&'a str>)>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    search: Option<String>,
}

impl<'a> Compiled<'a> {
    fn new(filter: &'a GridFilter) -> Self {
        Self {
            values: filter
                .values
                .iter()
                .filter(|(_, chosen)| !chosen.is_empty())
                .map(|(column, chosen)| (*column, chosen.iter().map(String::as_str).collect()))
                .collect(),
            from: filter.received_from,
            to: filter.received_to,
            search: filter
                .search
                .as_deref()
                .map(normalised)
                .filter(|s| !s.is_empty()),
        }
    }
}

/// Text as searches compare it: lower case, Persian and Arabic-Indic digits as
/// ASCII, blanks at the ends gone.
fn normalised(text: &str) -> String {
    ascii_digits(text.trim()).to_lowercase()
}

impl Catalogue {
    /// How many reels it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The reel with this number, if it is in the catalogue.
    pub fn reel(&self, reel_number: &str) -> Option<&GridRow> {
        self.entries
            .iter()
            .find(|e| e.row.reel_number == reel_number)
            .map(|e| &e.row)
    }

    /// The reel numbers of the importable reels that pass `filter`.
    pub fn matching(&self, filter: &GridFilter) -> Vec<String> {
        let compiled = Compiled::new(filter);
        self.entries
            .iter()
            .filter(|e| e.row.problem.is_none() && e.passes(&compiled, None))
            .map(|e| e.row.reel_number.clone())
            .collect()
    }

    /// One page of the grid: the reels that pass the filter, in order, after the
    /// key; how many pass; and every facet counted under the other filters. One
    /// pass over the reels, then a partial sort of the page.
    pub fn query(&self, query: &GridQuery) -> GridPage {
        let filter = Compiled::new(&query.filter);
        let column = query.sort.column;
        let mut counts: Vec<HashMap<&str, u64>> = vec![HashMap::new(); GridColumn::FACETS.len()];
        let mut matching = Vec::new();
        let mut selectable = 0;
        for entry in &self.entries {
            let failed: Vec<GridColumn> = filter
                .values
                .iter()
                .filter(|(column, chosen)| {
                    !entry.row.cell(*column).is_some_and(|v| chosen.contains(&v))
                })
                .map(|(column, _)| *column)
                .collect();
            let rest = entry.passes(&filter, failed.first().copied());
            if !rest || failed.len() > 1 {
                continue;
            }
            for (i, facet) in GridColumn::FACETS.iter().enumerate() {
                if failed.is_empty() || failed[0] == *facet {
                    if let Some(value) = entry.row.cell(*facet) {
                        *counts[i].entry(value).or_default() += 1;
                    }
                }
            }
            if failed.is_empty() {
                selectable += u64::from(entry.row.problem.is_none());
                matching.push(entry);
            }
        }
        let total = matching.len() as u64;
        let descending = query.sort.descending;
        let ordered = |a: &Entry, b: &Entry| {
            let o = a.cmp_by(b, column);
            if descending { o.reverse() } else { o }
        };
        if let Some(key) = &query.after {
            let number = key.value.as_deref().and_then(|v| v.parse().ok());
            let key_value = sort_value(column, key.value.as_deref(), number);
            matching.retain(|e| {
                let o = e
                    .sort_value(column)
                    .cmp(&key_value)
                    .then_with(|| e.row.reel_number.as_str().cmp(&key.reel_number));
                let o = if descending { o.reverse() } else { o };
                o == Ordering::Greater
            });
        }
        let limit = (query.limit.max(1) as usize).min(matching.len());
        if limit < matching.len() {
            matching.select_nth_unstable_by(limit, |a, b| ordered(a, b));
            matching.truncate(limit + 1);
        }
        matching.sort_unstable_by(|a, b| ordered(a, b));
        let more = matching.len() > limit;
        matching.truncate(limit);
        let next = more.then(|| matching.last()).flatten().map(|e| GridKey {
            value: e.row.cell(column).map(str::to_owned),
            reel_number: e.row.reel_number.clone(),
        });
        GridPage {
            rows: matching.into_iter().map(|e| e.row.clone()).collect(),
            matching: total,
            selectable,
            next,
            facets: facets(&query.filter, counts),
        }
    }
}

/// Each facet's values, most frequent first (then by value), at most
/// [`FACET_VALUES`], the chosen ones kept.
fn facets(filter: &GridFilter, counts: Vec<HashMap<&str, u64>>) -> Vec<Facet> {
    GridColumn::FACETS
        .iter()
        .zip(counts)
        .map(|(column, counts)| {
            let chosen = filter.values.get(column);
            let is_chosen = |v: &str| chosen.is_some_and(|c| c.iter().any(|c| c == v));
            let mut values: Vec<(String, u64)> =
                counts.into_iter().map(|(v, n)| (v.to_owned(), n)).collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut kept = 0;
            values.retain(|(v, _)| {
                kept += 1;
                kept <= FACET_VALUES || is_chosen(v)
            });
            Facet {
                column: *column,
                values,
            }
        })
        .collect()
}

/// "Select all matching" as an import applies it: the importable reels the
/// grid's filter lets through, tested on each reel as the run maps it (the same
/// test the grid makes), but the reels excluded by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    filter: GridFilter,
    except: HashSet<String>,
}

impl Matching {
    pub fn new(filter: &GridFilter, except: &[String]) -> Self {
        Self {
            filter: filter.clone(),
            except: except.iter().map(|r| r.trim().to_owned()).collect(),
        }
    }

    /// Whether the import takes the reel `reel_number`, mapped as `mapped`.
    pub fn takes(&self, reel_number: &str, mapped: &Mapped) -> bool {
        !self.except.contains(reel_number)
            && Entry::of_mapped(reel_number.to_owned(), mapped)
                .passes(&Compiled::new(&self.filter), None)
    }
}
