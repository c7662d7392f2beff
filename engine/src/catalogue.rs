//! A list of reels held in memory, so that filters, facet counts, sorts and pages
//! over 100,000 reels take milliseconds: the import grid's catalogue of every
//! importable warehouse reel (In-stock, not tracked), mapped once (the warehouse
//! file has no index but its reel numbers, and reelsync never adds one there),
//! and the products list of every reel reelsync tracks. One scan builds either,
//! and the server builds a new one when what it lists changes.
//!
//! Values are interned: a warehouse repeats its widths, grades, locations and
//! receive times thousands of times, so each reel holds small numbers into one
//! table of texts (70,000 reels take about 10 MB, not 45).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::error::Result;
use crate::mapping::{FieldValue, Mapped, Mapper, parse_date};
use crate::matching::{chosen_values, normalised, search_of};
use crate::plan::{self, ImportPolicy, Scope};
use crate::scan::{open_checked, plan_rows, row_filter, warehouse_for};
use crate::store::{self, Store};
use crate::warehouse::{self, ExternalRow, FileId};
use crate::{
    Engine, Facet, GridColumn, GridFilter, GridKey, GridList, GridPage, GridQuery, GridRow,
    GridSelection, ProductField, Reason, ReelStatus,
};

/// How many values a facet lists at most (the chosen ones always among them).
pub const FACET_VALUES: usize = 50;

/// The columns a reel holds as interned texts: [`GridColumn::ALL`] but the reel
/// number, then the comments.
const CELLS: usize = GridColumn::ALL.len();
const COMMENTS: usize = CELLS - 1;

/// A text in the catalogue's table; [`NONE`] for no value.
type Sym = u32;
const NONE: Sym = Sym::MAX;

/// The reels of a list, as it shows them and filters them.
#[derive(Debug, Clone)]
pub struct Catalogue {
    list: GridList,
    entries: Vec<Entry>,
    texts: Texts,
}

/// Texts end to end in one buffer: a warehouse's distinct texts are mostly its
/// receive times and its reel numbers, one of each a reel, and a buffer costs
/// each a number where an allocation of its own would cost it three.
#[derive(Debug, Clone, Default)]
struct Arena {
    bytes: String,
    /// Where each text ends in `bytes`; it starts where the one before ends.
    ends: Vec<usize>,
}

impl Arena {
    fn get(&self, at: Sym) -> Option<&str> {
        let at = at as usize;
        let end = *self.ends.get(at)?;
        let start = at.checked_sub(1).map_or(0, |before| self.ends[before]);
        self.bytes.get(start..end)
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, text: &str) -> Sym {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len());
        (self.ends.len() - 1) as Sym
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// The catalogue's texts: the cells' values, interned; the reel numbers (each
/// its own); and the form searches compare of the comments (a search looks at
/// reel numbers and comments only).
#[derive(Debug, Clone, Default)]
struct Texts {
    interned: Arena,
    reels: Arena,
    folded: HashMap<Sym, Box<str>>,
}

impl Texts {
    fn get(&self, sym: Sym) -> Option<&str> {
        self.interned.get(sym)
    }

    /// The form searches compare of the comment `sym`.
    fn folded(&self, sym: Sym) -> Option<&str> {
        self.folded.get(&sym).map(|f| &**f)
    }

    /// The symbols of `values` (those the catalogue holds).
    fn find(&self, values: &[String]) -> Vec<Sym> {
        let all = 0..self.interned.len() as Sym;
        values
            .iter()
            .filter_map(|v| all.clone().find(|sym| self.get(*sym) == Some(v)))
            .collect()
    }
}

/// Builds a catalogue, interning texts as reels come.
struct Builder {
    catalogue: Catalogue,
    /// The symbol of each text, by the text's hash: the texts are not copied
    /// into the index. Two texts of one hash (as good as never) share a slot
    /// in `collided`.
    index: HashMap<u64, Sym>,
    collided: HashMap<Box<str>, Sym>,
}

impl Builder {
    fn new(list: GridList) -> Self {
        Self {
            catalogue: Catalogue {
                list,
                entries: Vec::new(),
                texts: Texts::default(),
            },
            index: HashMap::new(),
            collided: HashMap::new(),
        }
    }

    /// The columns of [`GridColumn::ALL`] but the reel number, each with its
    /// place in a reel's cells, that the list shows.
    fn shown(&self) -> impl Iterator<Item = (usize, GridColumn)> + use<> {
        let list = self.catalogue.list;
        GridColumn::ALL[1..]
            .iter()
            .copied()
            .enumerate()
            .filter(move |(_, column)| list.columns().contains(column))
    }

    fn intern(&mut self, text: Option<String>) -> Sym {
        let Some(text) = text else { return NONE };
        let texts = &mut self.catalogue.texts;
        let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        match self.index.get(&hash) {
            Some(sym) if texts.get(*sym) == Some(&text) => *sym,
            Some(_) => match self.collided.get(text.as_str()) {
                Some(sym) => *sym,
                None => {
                    let sym = texts.interned.push(&text);
                    self.collided.insert(text.into(), sym);
                    sym
                }
            },
            None => {
                let sym = texts.interned.push(&text);
                self.index.insert(hash, sym);
                sym
            }
        }
    }

    /// [`Self::intern`], for a text searches look into.
    fn intern_searched(&mut self, text: Option<String>) -> Sym {
        let sym = self.intern(text);
        let texts = &mut self.catalogue.texts;
        if let Some(text) = texts.get(sym)
            && !texts.folded.contains_key(&sym)
        {
            let folded = normalised(text).into();
            texts.folded.insert(sym, folded);
        }
        sym
    }

    fn push_mapped(&mut self, reel_number: String, mapped: &Mapped) {
        let mut cells = [NONE; CELLS];
        for (i, column) in self.shown() {
            let value = column.field().and_then(|field| mapped.get(field));
            cells[i] = self.intern(value.map(FieldValue::to_text));
        }
        cells[COMMENTS] =
            self.intern_searched(mapped.get(ProductField::Comments).map(FieldValue::to_text));
        self.push(reel_number, cells, None);
    }

    fn push_rejected(
        &mut self,
        reel_number: String,
        mapper: &Mapper,
        row: &ExternalRow,
        reason: Reason,
    ) {
        let mut raw = mapper.raw_texts(&row.values);
        let mut take = |field: ProductField| raw.remove(field.as_str()).flatten();
        let mut texts = [const { None }; CELLS];
        for (i, column) in self.shown() {
            texts[i] = column.field().and_then(&mut take);
        }
        let comments = take(ProductField::Comments);
        let mut cells = texts.map(|t| self.intern(t));
        cells[COMMENTS] = self.intern_searched(comments);
        self.push(reel_number, cells, Some(Box::new(reason)));
    }

    /// A reel with the texts of the list's columns, in order, each to go to
    /// its cell in `places` (as [`Self::shown`] gives them).
    fn push_listed(
        &mut self,
        places: &[usize],
        reel_number: String,
        values: Vec<Option<String>>,
        comments: Option<String>,
    ) {
        let mut cells = [NONE; CELLS];
        for (i, value) in places.iter().zip(values) {
            cells[*i] = self.intern(value);
        }
        cells[COMMENTS] = self.intern_searched(comments);
        self.push(reel_number, cells, None);
    }

    fn push(&mut self, reel_number: String, cells: [Sym; CELLS], problem: Option<Box<Reason>>) {
        let texts = &self.catalogue.texts;
        let number = |column: GridColumn| {
            texts
                .get(cells[cell_of(column)])
                .and_then(|v| v.trim().parse().ok())
        };
        let numbers = [
            number(GridColumn::Width),
            number(GridColumn::Gsm),
            number(GridColumn::Length),
        ];
        let received = texts
            .get(cells[cell_of(GridColumn::Received)])
            .and_then(parse_date)
            .map(|at| at.date());
        let folded = normalised(&reel_number);
        // Each reel's own, so kept apart from the interned values.
        let reels = &mut self.catalogue.texts.reels;
        let reel = reels.push(&reel_number);
        let reel_folded = if folded == reel_number {
            reel
        } else {
            reels.push(&folded)
        };
        self.catalogue.entries.push(Entry {
            reel,
            reel_folded,
            cells,
            numbers,
            received,
            problem,
        });
    }

    fn finish(self) -> Catalogue {
        let mut catalogue = self.catalogue;
        // Grown by doubling; what is held from now on is what it holds.
        catalogue.entries.shrink_to_fit();
        catalogue.texts.interned.shrink_to_fit();
        catalogue.texts.reels.shrink_to_fit();
        catalogue
    }
}

/// Where `column` (not the reel number) sits in a reel's cells.
fn cell_of(column: GridColumn) -> usize {
    GridColumn::ALL
        .iter()
        .position(|c| *c == column)
        .map_or(COMMENTS, |at| at.saturating_sub(1))
}

/// One reel with what filtering and sorting compare, worked out once.
#[derive(Debug, Clone)]
struct Entry {
    /// The reel number, in the catalogue's reel numbers.
    reel: Sym,
    /// The reel number as searches compare it (`reel` when that is the same).
    reel_folded: Sym,
    /// The texts of [`GridColumn::ALL`] but the reel number, then the comments.
    cells: [Sym; CELLS],
    /// The numeric columns' values (width, gsm, length), where they are numbers.
    numbers: [Option<i64>; 3],
    received: Option<NaiveDate>,
    /// Why an import would reject it; such a reel can't be selected.
    problem: Option<Box<Reason>>,
}

impl Engine {
    /// Builds the catalogue from one scan of the warehouse file: every
    /// In-stock reel reelsync does not track, with its mapped values, or, for a
    /// row an import would reject, what of it maps and why.
    pub fn catalogue(&self) -> Result<Catalogue> {
        let store = self.read_store()?;
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let columns = mapper.columns().to_vec();
        let scope = Scope {
            import: ImportPolicy::All,
            pull: false,
            push: false,
            resolving: None,
        };
        let filter = row_filter(&scope, &mapper);
        let mut builder = Builder::new(GridList::Importable);
        for page in reader.pages(&columns, filter.as_ref()) {
            let rows = page?;
            // Kept for the rows an import would reject: they show their raw values.
            let raw: HashMap<i64, ExternalRow> = rows.iter().map(|r| (r.id, r.clone())).collect();
            let plan = plan_rows(&store, rows, &mapper, &scope)?;
            for step in plan.steps {
                match step.op {
                    plan::Op::Import { mapped, .. } => {
                        builder.push_mapped(step.reel_number, &mapped)
                    }
                    plan::Op::Reject { reason } => {
                        let row = &raw[&step.external_id];
                        builder.push_rejected(step.reel_number, &mapper, row, reason);
                    }
                    _ => {}
                }
            }
        }
        let catalogue = builder.finish();
        // Its build freed as much as the catalogue keeps.
        crate::memory::give_back_freed();
        Ok(catalogue)
    }
}

impl Engine {
    /// Builds the products list: every reel reelsync tracks, from one read of
    /// the main store (the warehouse's status as the last sync saw it).
    pub fn tracked_catalogue(&self) -> Result<Catalogue> {
        let store = self.read_store()?;
        let mut builder = Builder::new(GridList::Tracked);
        // Worked out once for the list, not for each of its reels.
        let (places, columns): (Vec<usize>, Vec<GridColumn>) = builder.shown().unzip();
        store::each_listed(&store.conn, &columns, |reel_number, values, comments| {
            builder.push_listed(&places, reel_number, values, comments)
        })
        .map_err(|e| store.err(e))?;
        Ok(builder.finish())
    }

    /// Changes whenever [`Engine::tracked_catalogue`] may build another list.
    pub fn tracked_fingerprint(&self) -> Result<String> {
        let store = self.read_store()?;
        store::tracked_fingerprint(&store.conn).map_err(|e| store.err(e))
    }
}

impl Entry {
    fn reel_number<'t>(&self, texts: &'t Texts) -> &'t str {
        texts.reels.get(self.reel).unwrap_or_default()
    }

    fn cell<'t>(&self, texts: &'t Texts, column: GridColumn) -> Option<&'t str> {
        texts.get(self.sym(column))
    }

    fn sym(&self, column: GridColumn) -> Sym {
        match GridColumn::ALL.iter().position(|c| *c == column) {
            Some(0) | None => NONE,
            Some(at) => self.cells[at - 1],
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

    /// The facet filters it fails.
    fn failed_facets(&self, filter: &Compiled) -> Vec<GridColumn> {
        filter
            .values
            .iter()
            .filter(|(column, chosen)| !chosen.contains(&self.sym(*column)))
            .map(|(column, _)| *column)
            .collect()
    }

    /// Whether it passes every part of `filter` but the facet `except`.
    fn passes(&self, texts: &Texts, filter: &Compiled, except: Option<GridColumn>) -> bool {
        filter
            .values
            .iter()
            .all(|(column, chosen)| Some(*column) == except || chosen.contains(&self.sym(*column)))
            && filter
                .from
                .is_none_or(|from| self.received.is_some_and(|r| r >= from))
            && filter
                .to
                .is_none_or(|to| self.received.is_some_and(|r| r <= to))
            && filter.search.as_deref().is_none_or(|text| {
                texts
                    .reels
                    .get(self.reel_folded)
                    .is_some_and(|reel| reel.contains(text))
                    || texts
                        .folded(self.cells[COMMENTS])
                        .is_some_and(|c| c.contains(text))
            })
    }

    /// The order of the grid: by `column` (reels without a value last), then by
    /// reel number.
    fn cmp_by(&self, other: &Self, texts: &Texts, column: GridColumn) -> Ordering {
        self.sort_value(texts, column)
            .cmp(&other.sort_value(texts, column))
            .then_with(|| self.reel_number(texts).cmp(other.reel_number(texts)))
    }

    fn sort_value<'t>(&'t self, texts: &'t Texts, column: GridColumn) -> SortValue<'t> {
        let text = match column {
            GridColumn::ReelNumber => Some(self.reel_number(texts)),
            other => self.cell(texts, other),
        };
        sort_value(column, text, self.number(column))
    }

    /// Whether "select all matching" with `filter` (compiled from the
    /// selection's) takes it.
    fn is_chosen_by(&self, texts: &Texts, filter: &Compiled, selection: &GridSelection) -> bool {
        self.problem.is_none()
            && !selection.reels.contains(self.reel_number(texts))
            && self.passes(texts, filter, None)
    }

    /// As the grid shows it (not selected).
    fn row(&self, texts: &Texts) -> GridRow {
        let text = |sym| texts.get(sym).map(str::to_owned);
        GridRow {
            reel_number: self.reel_number(texts).to_owned(),
            cells: self.cells[..COMMENTS]
                .iter()
                .map(|sym| text(*sym))
                .collect(),
            comments: text(self.cells[COMMENTS]),
            problem: self.problem.as_deref().cloned(),
            selected: false,
        }
    }

    fn key(&self, texts: &Texts, column: GridColumn) -> GridKey {
        GridKey {
            value: match column {
                GridColumn::ReelNumber => Some(self.reel_number(texts).to_owned()),
                other => self.cell(texts, other).map(str::to_owned),
            },
            reel_number: self.reel_number(texts).to_owned(),
        }
    }
}

/// A value as the grid sorts it: numbers as numbers, text as text, none last.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue<'a> {
    Number(i64),
    Text(&'a str),
    None,
}

/// Statuses sort in the order of a reel's life (a reel the warehouse lost
/// after them), numbers as numbers, other texts as texts.
fn sort_value(column: GridColumn, text: Option<&str>, number: Option<i64>) -> SortValue<'_> {
    if matches!(column, GridColumn::Status | GridColumn::Warehouse)
        && let Some(text) = text
    {
        return SortValue::Number(
            ReelStatus::from_canonical(text).map_or(ReelStatus::ALL.len() as i64, |s| s as i64),
        );
    }
    match (column.is_numeric(), number, text) {
        (true, Some(n), _) => SortValue::Number(n),
        (_, _, Some(text)) => SortValue::Text(text),
        _ => SortValue::None,
    }
}

/// A filter made ready to test many reels: chosen values as the catalogue's
/// symbols, the search normalised once.
struct Compiled {
    values: Vec<(GridColumn, Vec<Sym>)>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    search: Option<String>,
}

impl Compiled {
    fn new(filter: &GridFilter, texts: &Texts) -> Self {
        Self {
            values: chosen_values(filter)
                .map(|(column, chosen)| (column, texts.find(chosen)))
                .collect(),
            from: filter.received_from,
            to: filter.received_to,
            search: search_of(filter),
        }
    }
}

impl Catalogue {
    /// Which list it holds.
    pub fn list(&self) -> GridList {
        self.list
    }

    /// How many reels it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The reel with this number, if it is in the catalogue.
    fn entry(&self, reel_number: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.reel_number(&self.texts) == reel_number)
    }

    /// Whether an import of the reel `reel_number` would take it: it is in the
    /// catalogue, without a problem.
    pub fn is_selectable(&self, reel_number: &str) -> bool {
        self.entry(reel_number).is_some_and(|e| e.problem.is_none())
    }

    /// Where the reel `reel_number` stands in the catalogue: `None` when it is
    /// not there, `Some(None)` when it can be imported, `Some(Some(reason))` when
    /// an import would reject it.
    pub fn standing(&self, reel_number: &str) -> Option<Option<Reason>> {
        self.entry(reel_number)
            .map(|e| e.problem.as_deref().cloned())
    }

    /// The reel `reel_number` as the list shows it, if the list holds it.
    pub fn row(&self, reel_number: &str) -> Option<GridRow> {
        self.entry(reel_number).map(|e| e.row(&self.texts))
    }

    /// Whether `selection` holds the reel `reel_number`.
    pub fn is_selected(&self, selection: &GridSelection, reel_number: &str) -> bool {
        match &selection.matching {
            None => selection.reels.contains(reel_number),
            Some(filter) => {
                let filter = Compiled::new(filter, &self.texts);
                self.entry(reel_number)
                    .is_some_and(|e| e.is_chosen_by(&self.texts, &filter, selection))
            }
        }
    }

    /// How many reels `selection` holds: those picked, or those its filter lets
    /// through that can be imported, but the ones taken out.
    pub fn selected(&self, selection: &GridSelection) -> u64 {
        match &selection.matching {
            None => selection.reels.len() as u64,
            Some(filter) => {
                let filter = Compiled::new(filter, &self.texts);
                let chosen = self
                    .entries
                    .iter()
                    .filter(|e| e.is_chosen_by(&self.texts, &filter, selection))
                    .count();
                chosen as u64
            }
        }
    }

    /// One page of the grid: the reels that pass the filter, in order, after (or
    /// before) the key, each marked if `selection` holds it; how many pass and
    /// how many are selected; and every facet counted under the other filters.
    /// One pass over the reels, then a partial sort of the page.
    pub fn query(&self, query: &GridQuery, selection: &GridSelection) -> GridPage {
        let texts = &self.texts;
        let filter = Compiled::new(&query.filter, texts);
        let shown_facets = self.list.facets();
        let mut counts: Vec<HashMap<Sym, u64>> = vec![HashMap::new(); shown_facets.len()];
        let mut matching = Vec::new();
        let mut selectable = 0;
        for entry in &self.entries {
            let failed = entry.failed_facets(&filter);
            if failed.len() > 1 || !entry.passes(texts, &filter, failed.first().copied()) {
                continue;
            }
            // Counted in a facet when it passes every other filter.
            for (i, facet) in shown_facets.iter().enumerate() {
                let sym = entry.sym(*facet);
                if sym != NONE && (failed.is_empty() || failed[0] == *facet) {
                    *counts[i].entry(sym).or_default() += 1;
                }
            }
            if failed.is_empty() {
                selectable += u64::from(entry.problem.is_none());
                matching.push(entry);
            }
        }
        let total = matching.len() as u64;
        let page = page_of(matching, texts, query);
        let chosen_by = selection
            .matching
            .as_ref()
            .map(|filter| Compiled::new(filter, texts));
        let selected = |e: &Entry| match &chosen_by {
            Some(filter) => e.is_chosen_by(texts, filter, selection),
            None => selection.reels.contains(e.reel_number(texts)),
        };
        GridPage {
            rows: page
                .rows
                .iter()
                .map(|e| GridRow {
                    selected: selected(e),
                    ..e.row(texts)
                })
                .collect(),
            matching: total,
            selectable,
            selected: self.selected(selection),
            next: page.next,
            previous: page.previous,
            facets: facets(shown_facets, &query.filter, texts, counts),
        }
    }
}

/// One page of the reels that pass, and the keys of the pages around it.
struct Page<'a> {
    rows: Vec<&'a Entry>,
    next: Option<GridKey>,
    previous: Option<GridKey>,
}

/// The page after `query.after`, or before `query.before`, or the first: a
/// partial sort of the reels on the page's side of the key, never all of them.
fn page_of<'a>(mut matching: Vec<&'a Entry>, texts: &Texts, query: &GridQuery) -> Page<'a> {
    let column = query.sort.column;
    let descending = query.sort.descending;
    let in_order = |o: Ordering| if descending { o.reverse() } else { o };
    let ordered = |a: &&Entry, b: &&Entry| in_order(a.cmp_by(b, texts, column));
    // Where a reel stands to a key, in the grid's order.
    let against = |e: &Entry, key: &GridKey| {
        let number = key.value.as_deref().and_then(|v| v.parse().ok());
        in_order(
            e.sort_value(texts, column)
                .cmp(&sort_value(column, key.value.as_deref(), number))
                .then_with(|| e.reel_number(texts).cmp(key.reel_number.as_str())),
        )
    };
    let limit = query.limit.max(1) as usize;
    let all = matching.len();
    let backwards = query.after.is_none() && query.before.is_some();
    if let Some(key) = query.after.as_ref().or(query.before.as_ref()) {
        let wanted = if backwards {
            Ordering::Less
        } else {
            Ordering::Greater
        };
        matching.retain(|e| against(e, key) == wanted);
    }
    let side = matching.len();
    let beyond = side > limit;
    if beyond {
        // The `limit` nearest the key: the first ones going forwards, the last
        // ones going backwards.
        let cut = if backwards { side - limit } else { limit };
        matching.select_nth_unstable_by(cut, ordered);
        if backwards {
            matching.drain(..cut);
        } else {
            matching.truncate(limit);
        }
    }
    matching.sort_unstable_by(ordered);
    // Reels on the other side of the key, which the retain above dropped.
    let other_side = all > side;
    let (more_after, more_before) = if backwards {
        (other_side, beyond)
    } else {
        (beyond, other_side)
    };
    let key = |e: &&Entry| e.key(texts, column);
    Page {
        next: more_after.then(|| matching.last().map(key)).flatten(),
        previous: more_before.then(|| matching.first().map(key)).flatten(),
        rows: matching,
    }
}

/// Each facet's values, most frequent first (then by value), at most
/// [`FACET_VALUES`], the chosen ones kept.
fn facets(
    columns: &[GridColumn],
    filter: &GridFilter,
    texts: &Texts,
    counts: Vec<HashMap<Sym, u64>>,
) -> Vec<Facet> {
    columns
        .iter()
        .zip(counts)
        .map(|(column, counts)| {
            let chosen = filter.values.get(column);
            let is_chosen = |v: &str| chosen.is_some_and(|c| c.iter().any(|c| c == v));
            let mut values: Vec<(String, u64)> = counts
                .into_iter()
                .filter_map(|(sym, n)| Some((texts.get(sym)?.to_owned(), n)))
                .collect();
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

impl Engine {
    /// Why a reel the catalogue does not offer can't be imported: reelsync tracks
    /// it already, the warehouse file has no such reel, or it is not In-stock
    /// there. Two lookups by reel number (the warehouse's one index), not a scan.
    pub fn not_importable(&self, reel_number: &str) -> Result<Reason> {
        let store = self.read_store()?;
        let tracked = store::known_reels(&store.conn, &[reel_number]).map_err(|e| store.err(e))?;
        if !tracked.is_empty() {
            return Ok(Reason::AlreadyImported);
        }
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let key = warehouse::Cell::Text(reel_number.to_owned());
        Ok(
            match reader.cells_where(mapper.columns(), mapper.reel_column_name(), &key)? {
                None => Reason::NotFound,
                Some(cells) => Reason::NotInStock {
                    status: mapper.status_of(&cells),
                },
            },
        )
    }
}

/// Tells cheaply whether a catalogue may be out of date: SQLite's `data_version`
/// on a connection kept open to the warehouse file changes when any other
/// connection commits to it (the warehouse app selling or adding a reel), and the
/// store's [`store::catalogue_fingerprint`] when reels are imported or the
/// mappings or the warehouse path change (not when, say, a selection is saved).
///
/// The warehouse file is followed by its path, not by the file the connection was
/// opened on: a file renamed into place (a copy finished elsewhere) leaves an open
/// connection on the old, unlinked file, whose `data_version` never moves again,
/// and one removed leaves it reading what is no longer there. So each look also
/// asks the file system which file the path names now, and a connection to
/// another one, or to none, is dropped and opened again.
pub struct Changes {
    engine: Engine,
    store: Store,
    warehouse: Option<WatchedWarehouse>,
    seen: Option<Seen>,
}

/// A connection to the warehouse file kept for its `data_version`, and which file
/// it is on.
struct WatchedWarehouse {
    reader: warehouse::Reader,
    path: PathBuf,
    file: FileId,
}

/// What one look at both files saw.
#[derive(PartialEq)]
struct Seen {
    store: String,
    /// The warehouse file and its `data_version`, `None` when it can't be opened.
    warehouse: Option<(FileId, i64)>,
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
    /// own, so its going away and coming back show as changes too, and so does
    /// another file put at its path.
    pub fn changed(&mut self) -> Result<bool> {
        let store =
            store::catalogue_fingerprint(&self.store.conn).map_err(|e| self.store.err(e))?;
        if self.seen.as_ref().is_some_and(|seen| seen.store != store) {
            // The settings may name another file now.
            self.warehouse = None;
        }
        if self
            .warehouse
            .as_ref()
            .is_some_and(|w| FileId::of(&w.path) != Some(w.file))
        {
            // Another file at the path, or none.
            self.warehouse = None;
        }
        if self.warehouse.is_none() {
            self.warehouse = self.open_warehouse();
        }
        let warehouse = self
            .warehouse
            .as_ref()
            .and_then(|w| Some((w.file, w.reader.data_version().ok()?)));
        if warehouse.is_none() {
            self.warehouse = None;
        }
        let now = Seen { store, warehouse };
        let changed = self.seen.as_ref() != Some(&now);
        self.seen = Some(now);
        Ok(changed)
    }

    fn open_warehouse(&self) -> Option<WatchedWarehouse> {
        let settings = store::settings(&self.store.conn).ok()?;
        let warehouse = warehouse_for(self.engine.config(), &settings).ok()?;
        // Looked at before the file is opened: should another be renamed into
        // place between the two, the next look sees it differ.
        let file = FileId::of(warehouse.path())?;
        Some(WatchedWarehouse {
            reader: warehouse.open_read().ok()?,
            path: warehouse.path().to_owned(),
            file,
        })
    }
}
