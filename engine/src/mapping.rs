//! Field mappings: which warehouse column feeds which product field, through which
//! transforms, and how a warehouse row becomes a product's values.

use std::collections::BTreeMap;
use std::fmt;

use std::sync::LazyLock;

use chrono::NaiveDateTime;
use chrono::format::{Item, Parsed, StrftimeItems};
use serde::{Deserialize, Serialize};

use crate::Refusal;
use crate::clock::WarehouseZone;
use crate::error::{Error, Result};
use crate::status::ReelStatus;
use crate::warehouse::{Cell, MAX_CELL_BYTES};
pub use model::{FieldType, ProductField, RowProblem as Rejection, ValueProblem};

/// One step of a mapping's transform, from a closed list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Transform {
    /// Strips blanks at both ends.
    Trim,
    Upper,
    Lower,
    /// Reads text such as `" 1200 "` or `"1200.0"` as an integer.
    ToInteger,
    /// Reads any of the warehouse app's date formats and writes `YYYY-MM-DD HH:MM:SS`.
    ParseDate,
    /// Replaces values found in `map` (e.g. a status vocabulary); others pass through.
    ValueMap {
        map: BTreeMap<String, String>,
    },
    /// Uses `value` when the column is NULL or blank.
    Default {
        value: String,
    },
}

impl Transform {
    /// The transform's name, as accepted on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Trim => "trim",
            Self::Upper => "upper",
            Self::Lower => "lower",
            Self::ToInteger => "to_integer",
            Self::ParseDate => "parse_date",
            Self::ValueMap { .. } => "value_map",
            Self::Default { .. } => "default",
        }
    }

    /// Parses the command-line spelling: `trim`, `upper`, `lower`, `to_integer`,
    /// `parse_date`, `default=VALUE`, `map=FROM:TO,FROM:TO`.
    pub fn parse(spec: &str) -> Result<Self> {
        let (name, arg) = match spec.split_once('=') {
            Some((name, arg)) => (name.trim(), Some(arg)),
            None => (spec.trim(), None),
        };
        match (name, arg) {
            ("trim", None) => Ok(Self::Trim),
            ("upper", None) => Ok(Self::Upper),
            ("lower", None) => Ok(Self::Lower),
            ("to_integer", None) => Ok(Self::ToInteger),
            ("parse_date", None) => Ok(Self::ParseDate),
            ("default", Some(value)) => Ok(Self::Default {
                value: value.to_owned(),
            }),
            ("map", Some(pairs)) => parse_value_map(pairs),
            _ => Err(Refusal::UnknownTransform {
                spec: spec.to_owned(),
            }
            .into()),
        }
    }

    /// Applies the transform. Cells that are not readable text (binary data, bytes
    /// that are not UTF-8, oversized values) pass through untouched, for the
    /// field's type check to reject with what they hold.
    fn apply(&self, value: Cell) -> std::result::Result<Cell, ValueProblem> {
        Ok(match (self, value) {
            (Self::Trim, Cell::Text(s)) => Cell::Text(trimmed(s)),
            (Self::Upper, Cell::Text(s)) => Cell::Text(s.to_uppercase()),
            (Self::Lower, Cell::Text(s)) => Cell::Text(s.to_lowercase()),
            (Self::ToInteger, v) => to_integer(v)?,
            (Self::ParseDate, Cell::Text(s)) => {
                Cell::Text(format_date(parse_date(&s).ok_or_else(|| bad_date(&s))?))
            }
            (Self::ValueMap { map }, v) => match scalar_text(&v).and_then(|k| map.get(&k)) {
                Some(to) => Cell::Text(to.clone()),
                None => v,
            },
            (Self::Default { value }, v) if is_blank(&v) => Cell::Text(value.clone()),
            (_, v) => v,
        })
    }
}

fn parse_value_map(pairs: &str) -> Result<Transform> {
    let map = pairs
        .split(',')
        .map(|pair| {
            pair.split_once(':')
                .map(|(from, to)| (from.to_owned(), to.to_owned()))
                .ok_or_else(|| {
                    Error::from(Refusal::ValueMapEntry {
                        entry: pair.to_owned(),
                    })
                })
        })
        .collect::<Result<BTreeMap<_, _>>>()?;
    Ok(Transform::ValueMap { map })
}

impl fmt::Display for Transform {
    /// The command-line spelling that [`Transform::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ValueMap { map } => {
                let pairs: Vec<String> = map
                    .iter()
                    .map(|(from, to)| format!("{from}:{to}"))
                    .collect();
                write!(f, "map={}", pairs.join(","))
            }
            Self::Default { value } => write!(f, "default={value}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A warehouse column feeding a product field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMapping {
    pub field: ProductField,
    /// A column of the warehouse's `Products` table.
    pub column: String,
    /// Applied in order; empty for a direct mapping.
    pub transforms: Vec<Transform>,
    /// Inactive mappings are kept but not used.
    pub active: bool,
}

impl FieldMapping {
    /// The identity mapping of `field` from its default column.
    pub fn identity(field: ProductField) -> Self {
        Self {
            field,
            column: field.default_column().to_owned(),
            transforms: Vec::new(),
            active: true,
        }
    }

    /// `direct` or `transform`.
    pub fn kind(&self) -> &'static str {
        if self.transforms.is_empty() {
            "direct"
        } else {
            "transform"
        }
    }
}

/// The mappings a fresh store starts with: every field from its same-named column.
pub fn default_mappings() -> Vec<FieldMapping> {
    ProductField::ALL
        .iter()
        .copied()
        .map(FieldMapping::identity)
        .collect()
}

/// Checks a set of mappings on its own and against the warehouse columns.
///
/// The reel number and status must be mapped and active (the sync keys on them);
/// each field is fed by at most one mapping; every column must exist.
pub fn validate(mappings: &[FieldMapping], columns: &[String]) -> Result<()> {
    for required in [ProductField::ReelNumber, ProductField::Status] {
        if !mappings.iter().any(|m| m.active && m.field == required) {
            return Err(Refusal::FieldNotMapped { field: required }.into());
        }
    }
    for (i, m) in mappings.iter().enumerate() {
        if mappings[..i].iter().any(|other| other.field == m.field) {
            return Err(Refusal::FieldMappedTwice { field: m.field }.into());
        }
    }
    let missing = missing_columns(mappings, columns);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::NoSuchColumns { columns: missing }.into())
    }
}

/// Active mappings' columns that `columns` lacks.
pub fn missing_columns(mappings: &[FieldMapping], columns: &[String]) -> Vec<String> {
    let mut missing: Vec<String> = mappings
        .iter()
        .filter(|m| m.active && !columns.iter().any(|c| c == &m.column))
        .map(|m| m.column.clone())
        .collect();
    missing.dedup();
    missing
}

/// A product field's value after mapping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Int(i64),
    Text(String),
}

impl FieldValue {
    /// As text, borrowed where it is text.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Int(i) => i.to_string().into(),
            Self::Text(s) => s.as_str().into(),
        }
    }

    /// As text, for change lists and messages.
    pub fn to_text(&self) -> String {
        self.as_text().into_owned()
    }
}

impl rusqlite::ToSql for FieldValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Int(i) => i.to_sql(),
            Self::Text(s) => s.to_sql(),
        }
    }
}

/// A warehouse row's values for every product field (`None` where unmapped or NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub values: Vec<Option<FieldValue>>,
    /// [`Mapper::source_hash`] of the row these values came from.
    pub source_hash: i64,
    /// The fields an active mapping feeds; a refresh leaves the others as they are.
    pub fields: FieldSet,
}

/// A set of product fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldSet(u32);

impl FieldSet {
    pub fn insert(&mut self, field: ProductField) {
        self.0 |= 1 << field.index();
    }

    pub fn contains(self, field: ProductField) -> bool {
        self.0 & (1 << field.index()) != 0
    }
}

impl FromIterator<ProductField> for FieldSet {
    fn from_iter<I: IntoIterator<Item = ProductField>>(fields: I) -> Self {
        let mut set = Self::default();
        for field in fields {
            set.insert(field);
        }
        set
    }
}

impl Mapped {
    /// The value of `field`.
    pub fn get(&self, field: ProductField) -> Option<&FieldValue> {
        self.values[field.index()].as_ref()
    }

    /// The status (always present in a valid row).
    pub fn status(&self) -> Option<ReelStatus> {
        match self.get(ProductField::Status) {
            Some(FieldValue::Text(s)) => s.parse().ok(),
            _ => None,
        }
    }
}

/// The warehouse app's column holding a row's creation time (set once, by the
/// app, as the reel is entered; nothing in the app rewrites it).
pub const BORN_COLUMN: &str = "date";

/// The warehouse app's column holding where a reel is: an `Anbar_` table's name
/// while in stock.
pub const LOCATION_COLUMN: &str = "location";

/// Mappings bound to the positions of their columns in a warehouse page.
#[derive(Debug, Clone)]
pub struct Mapper {
    /// (field, position in the selected columns, transforms), active mappings only.
    steps: Vec<(ProductField, usize, Vec<Transform>)>,
    /// The warehouse columns to select, in order, without duplicates.
    columns: Vec<String>,
    /// Position of the raw reel-number column (compare-and-set writes key on it).
    reel_column: usize,
    /// Position of the raw status column (compare-and-set compares it).
    status_column: usize,
    /// The warehouse spelling of each status, for writing back through a value map.
    status_out: BTreeMap<ReelStatus, String>,
    /// Positions of the columns that feed fields other than the status.
    hashed: Vec<usize>,
    /// For each step, whether it is the last to read its column (and so may move
    /// the value out of the row).
    last_use: Vec<bool>,
    /// Identifies the mappings themselves, so that changing a mapping refreshes
    /// every reel.
    fingerprint: u64,
    /// The fields the steps feed.
    fields: FieldSet,
    /// The zone the warehouse's dates are in.
    zone: WarehouseZone,
    /// Position of the row's creation time (the warehouse's `date` column), when
    /// the table has one: a reel found under its number but created at another
    /// time is another row of that reel (entered again, or another file).
    born_column: Option<usize>,
    /// Position of the row's location, mapped or not: it names the `Anbar_` table
    /// holding the forklift's copy of the reel.
    location_column: Option<usize>,
}

impl Mapper {
    /// Binds validated `mappings`.
    pub fn new(mappings: &[FieldMapping]) -> Result<Self> {
        let mut columns: Vec<String> = Vec::new();
        let mut position = |column: &str| match columns.iter().position(|c| c == column) {
            Some(i) => i,
            None => {
                columns.push(column.to_owned());
                columns.len() - 1
            }
        };
        let steps: Vec<_> = mappings
            .iter()
            .filter(|m| m.active)
            .map(|m| (m.field, position(&m.column), m.transforms.clone()))
            .collect();
        let column_of = |field| {
            steps
                .iter()
                .find(|(f, _, _)| *f == field)
                .map(|(_, i, _)| *i)
                .ok_or_else(|| Error::from(Refusal::FieldNotMapped { field }))
        };
        let reel_column = column_of(ProductField::ReelNumber)?;
        let status_column = column_of(ProductField::Status)?;
        let status_out = status_spellings(mappings);
        let mut hashed: Vec<usize> = steps
            .iter()
            .filter(|(f, _, _)| *f != ProductField::Status)
            .map(|(_, i, _)| *i)
            .collect();
        hashed.sort_unstable();
        hashed.dedup();
        let last_use = (0..steps.len())
            .map(|i| steps[i + 1..].iter().all(|(_, p, _)| *p != steps[i].1))
            .collect();
        let fingerprint =
            serde_json::to_vec(&mappings.iter().filter(|m| m.active).collect::<Vec<_>>())
                .map(|bytes| xxhash_rust::xxh3::xxh3_64(&bytes))
                .map_err(|e| Error::Internal(e.to_string()))?;
        let fields = steps.iter().map(|(f, _, _)| *f).collect();
        Ok(Self {
            steps,
            columns,
            reel_column,
            status_column,
            status_out,
            hashed,
            last_use,
            fingerprint,
            fields,
            zone: WarehouseZone::Host,
            born_column: None,
            location_column: None,
        })
    }

    /// The same mappings, also reading the rows' creation time and location from
    /// the warehouse's own `date` and `location` columns, for those of them in
    /// `table_columns` (the `Products` columns the file has).
    pub fn with_identity_columns(mut self, table_columns: &[String]) -> Self {
        let mut extra = |name: &str| {
            table_columns.iter().any(|c| c == name).then(|| {
                self.columns
                    .iter()
                    .position(|c| c == name)
                    .unwrap_or_else(|| {
                        self.columns.push(name.to_owned());
                        self.columns.len() - 1
                    })
            })
        };
        let born_column = extra(BORN_COLUMN);
        let location_column = extra(LOCATION_COLUMN);
        Self {
            born_column,
            location_column,
            ..self
        }
    }

    /// When the row was created (its `date` cell, as text), when known.
    pub fn born_of(&self, row: &[Cell]) -> Option<String> {
        scalar_text(&row[self.born_column?])
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// The row's location (its `location` cell, as text), when known.
    pub fn location_of(&self, row: &[Cell]) -> Option<String> {
        scalar_text(&row[self.location_column?]).map(|t| t.trim().to_owned())
    }

    /// The warehouse column holding rows' creation times, when the mapper reads it.
    pub fn born_column_name(&self) -> Option<&str> {
        self.born_column.map(|i| self.columns[i].as_str())
    }

    /// The same mappings, writing dates in the warehouse's `zone`.
    pub fn in_zone(self, zone: WarehouseZone) -> Self {
        Self { zone, ..self }
    }

    /// `at` as the warehouse app writes a date: its local time, naive.
    pub fn warehouse_time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        format_date(self.zone.local(at))
    }

    /// A stable hash of a row's raw values in every column that feeds a field other
    /// than the status (the status merge owns that), and of the mappings: a refresh
    /// is due exactly when it changes. Hashing raw values lets an unchanged reel be
    /// recognised without mapping it.
    pub fn source_hash(&self, row: &[Cell]) -> i64 {
        // One-shot hashing of the bytes laid end to end gives the same digest as
        // feeding them one by one, at a fraction of the cost of ~60 small updates.
        let mut bytes = Vec::with_capacity(512);
        bytes.extend_from_slice(&self.fingerprint.to_le_bytes());
        for value in self.hashed.iter().map(|i| &row[*i]) {
            match value {
                Cell::Null => bytes.push(0),
                Cell::Integer(i) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&i.to_le_bytes());
                }
                Cell::Real(r) => {
                    bytes.push(2);
                    bytes.extend_from_slice(&r.to_le_bytes());
                }
                Cell::Text(s) => tagged_bytes(&mut bytes, 3, s.as_bytes()),
                Cell::Blob(b) => tagged_bytes(&mut bytes, 4, b),
                Cell::InvalidText(b) => tagged_bytes(&mut bytes, 5, b),
                Cell::Oversized { bytes: len, digest } => {
                    bytes.push(6);
                    bytes.extend_from_slice(&(*len as u64).to_le_bytes());
                    bytes.extend_from_slice(&digest.to_le_bytes());
                }
            }
        }
        // SQLite integers are signed; the bits are what matter.
        xxhash_rust::xxh3::xxh3_64(&bytes) as i64
    }

    /// The position of the column feeding `last_date`, when it is mapped.
    pub fn last_date_position(&self) -> Option<usize> {
        self.steps
            .iter()
            .find(|(f, _, _)| *f == ProductField::LastDate)
            .map(|(_, i, _)| *i)
    }

    /// A row's raw values by the field each column feeds, as text: how a row that
    /// does not map still shows.
    pub fn raw_texts(&self, row: &[Cell]) -> std::collections::HashMap<String, Option<String>> {
        self.steps
            .iter()
            .map(|(field, position, _)| {
                let value = &row[*position];
                let text = (*value != Cell::Null).then(|| display_value(value));
                (field.as_str().to_owned(), text)
            })
            .collect()
    }

    /// A filter that reads only the rows whose status is `In-stock`, when the status
    /// is mapped directly (through transforms, the raw spelling is not known).
    pub fn in_stock_filter(&self) -> Option<crate::warehouse::RowFilter> {
        let (_, position, transforms) = self
            .steps
            .iter()
            .find(|(f, _, _)| *f == ProductField::Status)?;
        transforms.is_empty().then(|| crate::warehouse::RowFilter {
            column: self.columns[*position].clone(),
            value: ReelStatus::InStock.as_str().to_owned(),
        })
    }

    /// The position of the reel-number column.
    pub fn reel_position(&self) -> usize {
        self.reel_column
    }

    /// The position of the status column.
    pub fn status_position(&self) -> usize {
        self.status_column
    }

    /// The warehouse columns a page must select, in this order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The warehouse column holding the reel number.
    pub fn reel_column_name(&self) -> &str {
        &self.columns[self.reel_column]
    }

    /// The warehouse column holding the status.
    pub fn status_column_name(&self) -> &str {
        &self.columns[self.status_column]
    }

    /// The warehouse column holding `last_date`, when it is mapped: an export
    /// writes it with the status.
    pub fn last_date_column_name(&self) -> Option<&str> {
        self.last_date_position().map(|i| self.columns[i].as_str())
    }

    /// Whether the reel number is mapped directly: then a row's raw reel-number text
    /// is its reel number.
    pub fn reel_is_direct(&self) -> bool {
        self.steps
            .iter()
            .any(|(f, _, t)| *f == ProductField::ReelNumber && t.is_empty())
    }

    /// The raw reel number of a warehouse row, as the compare-and-set matches it.
    pub fn raw_reel<'r>(&self, row: &'r [Cell]) -> &'r Cell {
        &row[self.reel_column]
    }

    /// The raw status of a warehouse row, as the compare-and-set compares it.
    pub fn raw_status<'r>(&self, row: &'r [Cell]) -> &'r Cell {
        &row[self.status_column]
    }

    /// How the warehouse spells `status` (the inverse of a status value map).
    pub fn warehouse_status(&self, status: ReelStatus) -> &str {
        self.status_out
            .get(&status)
            .map_or(status.as_str(), String::as_str)
    }

    /// The reel number of a row, through its mapping, even when other fields don't
    /// map; when it doesn't map itself, the raw text or integer, trimmed, as a
    /// request may name it. `None` when the cell holds no such value.
    pub fn reel_of(&self, row: &[Cell]) -> Option<String> {
        match self.map_field(ProductField::ReelNumber, row) {
            Some(Ok(Some(FieldValue::Text(reel)))) => Some(reel),
            Some(Ok(Some(value))) => Some(value.to_text()),
            _ => scalar_text(self.raw_reel(row))
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty() && t.len() <= MAX_REEL_NUMBER),
        }
    }

    /// What a row is called in logs: its reel number, or `#<warehouse id>` when
    /// its reel-number cell can't be read as one.
    pub fn reel_label(&self, row: &crate::warehouse::ExternalRow) -> String {
        self.reel_of(&row.values)
            .unwrap_or_else(|| format!("#{}", row.id))
    }

    /// The reel number and status of a tracked reel's row, when a compare-and-set
    /// write can key on them: both map, through their mappings, to a valid value.
    /// Otherwise why not, naming the column.
    pub fn sync_key(&self, row: &[Cell]) -> std::result::Result<ReelStatus, Rejection> {
        let mapped = |field| match self.map_field(field, row) {
            Some(Ok(Some(value))) => Ok(value),
            Some(Ok(None)) | None => Err(self.rejection(field, ValueProblem::Missing)),
            Some(Err(reason)) => Err(self.rejection(field, reason)),
        };
        mapped(ProductField::ReelNumber)?;
        // A mapped status has passed its type check: it is a canonical one.
        match mapped(ProductField::Status)? {
            FieldValue::Text(status) => status.parse().ok(),
            FieldValue::Int(_) => None,
        }
        .ok_or_else(|| self.rejection(ProductField::Status, ValueProblem::NotStatus))
    }

    /// Why an export can't overwrite this row's `last_date`, if it can't: a cell too
    /// large to keep can't be kept as the write's before-image.
    pub fn last_date_problem(&self, row: &[Cell]) -> Option<Rejection> {
        let cell = &row[self.last_date_position()?];
        match cell {
            Cell::Oversized { .. } => {
                Some(self.rejection(ProductField::LastDate, unreadable(cell)?))
            }
            _ => None,
        }
    }

    /// The status of a row, through its mapping, even when other fields don't map.
    pub fn status_of(&self, row: &[Cell]) -> Option<ReelStatus> {
        match self.map_field(ProductField::Status, row) {
            Some(Ok(Some(FieldValue::Text(s)))) => s.parse().ok(),
            _ => None,
        }
    }

    fn map_field(
        &self,
        field: ProductField,
        row: &[Cell],
    ) -> Option<std::result::Result<Option<FieldValue>, ValueProblem>> {
        let step = self.steps.iter().find(|(f, _, _)| *f == field)?;
        Some(map_step(step, row))
    }

    /// Maps and checks one warehouse row (`row` holds [`Self::columns`] in order).
    /// A row that breaks a rule comes back as its reason.
    pub fn map(&self, row: &[Cell]) -> std::result::Result<Mapped, Rejection> {
        self.map_owned(row.to_vec())
    }

    /// [`Self::map`], moving the row's values instead of copying them (a column
    /// that feeds several fields is copied for all but the last).
    pub fn map_owned(&self, mut row: Vec<Cell>) -> std::result::Result<Mapped, Rejection> {
        let source_hash = self.source_hash(&row);
        let mut values = vec![None; ProductField::ALL.len()];
        for (step, last_use) in self.steps.iter().zip(&self.last_use) {
            let (field, position, transforms) = step;
            let raw = if *last_use {
                std::mem::replace(&mut row[*position], Cell::Null)
            } else {
                row[*position].clone()
            };
            values[field.index()] = run_step(*field, transforms, raw)
                .map_err(|reason| self.rejection(*field, reason))?;
        }
        if let Some(field) = missing_required(&values) {
            return Err(self.rejection(field, ValueProblem::Missing));
        }
        Ok(Mapped {
            values,
            source_hash,
            fields: self.fields,
        })
    }
}

/// The first required field without a value.
fn missing_required(values: &[Option<FieldValue>]) -> Option<ProductField> {
    ProductField::ALL
        .iter()
        .copied()
        .find(|f| f.is_required() && values[f.index()].is_none())
}

/// Runs one mapping on a copy of its column's value.
fn map_step(
    (field, position, transforms): &(ProductField, usize, Vec<Transform>),
    row: &[Cell],
) -> std::result::Result<Option<FieldValue>, ValueProblem> {
    run_step(*field, transforms, row[*position].clone())
}

/// A mapping's transforms in order, then its field's type check.
fn run_step(
    field: ProductField,
    transforms: &[Transform],
    raw: Cell,
) -> std::result::Result<Option<FieldValue>, ValueProblem> {
    transforms
        .iter()
        .try_fold(raw, |v, t| t.apply(v))
        .and_then(|v| check_type(field, v))
}

impl Mapper {
    fn rejection(&self, field: ProductField, problem: ValueProblem) -> Rejection {
        let column = self
            .steps
            .iter()
            .find(|(f, _, _)| *f == field)
            .map_or_else(|| field.default_column(), |(_, i, _)| &self.columns[*i]);
        Rejection {
            field,
            column: column.to_owned(),
            problem,
        }
    }
}

/// Inverts the status mapping's value maps so an exported status is written in the
/// warehouse's own vocabulary.
fn status_spellings(mappings: &[FieldMapping]) -> BTreeMap<ReelStatus, String> {
    let mut out = BTreeMap::new();
    let status_mapping = mappings
        .iter()
        .find(|m| m.active && m.field == ProductField::Status);
    for transform in status_mapping.into_iter().flat_map(|m| &m.transforms) {
        if let Transform::ValueMap { map } = transform {
            for (from, to) in map {
                if let Ok(status) = to.parse::<ReelStatus>() {
                    out.entry(status).or_insert_with(|| from.clone());
                }
            }
        }
    }
    out
}

/// Checks a mapped value against its field's type and range; NULL and blank text
/// become `None`. A cell that can't be read as a value (binary data, bytes that
/// are not UTF-8, more than [`MAX_CELL_BYTES`]) is refused whatever the field: a
/// value is taken faithfully or not at all, never replaced by a guess.
fn check_type(
    field: ProductField,
    value: Cell,
) -> std::result::Result<Option<FieldValue>, ValueProblem> {
    if let Some(reason) = unreadable(&value) {
        return Err(reason);
    }
    if is_blank(&value) {
        return Ok(None);
    }
    let checked = match field.field_type() {
        FieldType::Text if field == ProductField::ReelNumber => {
            FieldValue::Text(check_reel_number(value)?)
        }
        FieldType::Text => FieldValue::Text(into_text(value)),
        FieldType::Integer => match to_integer(value)? {
            Cell::Integer(i) => FieldValue::Int(check_range(field, i)?),
            other => {
                return Err(ValueProblem::NotWholeNumber {
                    value: shown(&other),
                });
            }
        },
        FieldType::DateTime => {
            let text = into_text(value);
            parse_date(&text).ok_or_else(|| bad_date(&text))?;
            FieldValue::Text(text)
        }
        FieldType::Status => {
            // Exactly as the warehouse app writes it: other spellings need a value
            // map, so that what counts as In-stock is never a guess.
            let text = into_text(value);
            let status =
                ReelStatus::from_canonical(&text).ok_or_else(|| ValueProblem::UnknownStatus {
                    value: quoted(&text),
                })?;
            FieldValue::Text(status.as_str().to_owned())
        }
    };
    Ok(Some(checked))
}

/// Why a cell can't be read as any value, if it can't.
fn unreadable(value: &Cell) -> Option<ValueProblem> {
    match value {
        Cell::InvalidText(bytes) => Some(ValueProblem::InvalidUtf8 {
            at: std::str::from_utf8(bytes)
                .err()
                .map_or(0, |e| e.valid_up_to()),
            len: bytes.len(),
        }),
        Cell::Blob(bytes) => Some(ValueProblem::Binary { bytes: bytes.len() }),
        Cell::Oversized { bytes, .. } => Some(ValueProblem::Oversized {
            bytes: *bytes,
            max: MAX_CELL_BYTES,
        }),
        _ => None,
    }
}

/// The longest reel number reelsync takes (the warehouse column is a varchar(255)).
pub const MAX_REEL_NUMBER: usize = 255;

/// The one rule for reel numbers, everywhere: text (or a whole number, read as its
/// digits) of at most [`MAX_REEL_NUMBER`] bytes, without blanks at its ends or
/// control characters. A reel number is the key that compare-and-set writes match
/// and that people type, scan and pass on the command line (which trims its
/// arguments), so one that breaks the rule is rejected rather than altered; a
/// `trim` transform on the reel-number mapping takes such reels on purpose.
fn check_reel_number(value: Cell) -> std::result::Result<String, ValueProblem> {
    let text = match value {
        Cell::Text(text) => text,
        Cell::Integer(i) => i.to_string(),
        other => {
            return Err(ValueProblem::NotText {
                value: shown(&other),
            });
        }
    };
    if text.trim().len() != text.len() {
        Err(ValueProblem::BlanksAtEnds {
            value: quoted(&text),
        })
    } else if text.chars().any(char::is_control) {
        Err(ValueProblem::ControlCharacters {
            value: quoted(&text),
        })
    } else if text.len() > MAX_REEL_NUMBER {
        Err(ValueProblem::TooLong {
            max: MAX_REEL_NUMBER,
        })
    } else {
        Ok(text)
    }
}

/// `text` without surrounding whitespace, keeping its buffer when it has none (the
/// usual case, for every text field of every imported reel).
fn trimmed(text: String) -> String {
    match text.trim() {
        t if t.len() == text.len() => text,
        t => t.to_owned(),
    }
}

/// A readable cell as owned text, moving a string rather than copying it.
fn into_text(value: Cell) -> String {
    match value {
        Cell::Text(s) => s,
        other => display_value(&other),
    }
}

/// The text a scalar cell reads as (numbers as their digits); `None` for cells
/// that hold no readable value.
fn scalar_text(value: &Cell) -> Option<String> {
    match value {
        Cell::Text(s) => Some(s.clone()),
        Cell::Integer(_) | Cell::Real(_) => Some(display_value(value)),
        _ => None,
    }
}

fn check_range(field: ProductField, value: i64) -> std::result::Result<i64, ValueProblem> {
    match field.range() {
        Some((low, high)) if !(low..=high).contains(&value) => {
            Err(ValueProblem::OutOfRange { value, low, high })
        }
        _ => Ok(value),
    }
}

/// Reads whole numbers however the warehouse holds them: integers, whole reals,
/// and text such as `" 1500 "`, `"1500.0"` or `"۱۵۰۰"` (Persian and Arabic-Indic
/// digits are the same numbers).
fn to_integer(value: Cell) -> std::result::Result<Cell, ValueProblem> {
    match value {
        Cell::Integer(_) | Cell::Null => Ok(value),
        Cell::Real(r) if r.fract() == 0.0 && r.abs() < 9.0e15 => Ok(Cell::Integer(r as i64)),
        Cell::Text(ref s) => {
            let t = ascii_digits(s.trim());
            if t.is_empty() {
                return Ok(Cell::Null);
            }
            t.parse::<i64>()
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|r| r.fract() == 0.0 && r.abs() < 9.0e15)
                        .map(|r| r as i64)
                })
                .map(Cell::Integer)
                .ok_or_else(|| ValueProblem::NotWholeNumber { value: quoted(s) })
        }
        other => Err(ValueProblem::NotWholeNumber {
            value: shown(&other),
        }),
    }
}

/// `text` with Persian (U+06F0–U+06F9) and Arabic-Indic (U+0660–U+0669) digits
/// written as ASCII digits; other characters as they are.
pub(crate) fn ascii_digits(text: &str) -> std::borrow::Cow<'_, str> {
    let digit = |c: char| match c {
        '\u{06F0}'..='\u{06F9}' => Some(c as u32 - 0x06F0),
        '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
        _ => None,
    };
    if text.is_ascii() {
        return text.into();
    }
    text.chars()
        .map(|c| digit(c).map_or(c, |d| char::from(b'0' + d as u8)))
        .collect::<String>()
        .into()
}

fn is_blank(value: &Cell) -> bool {
    match value {
        Cell::Null => true,
        Cell::Text(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A warehouse value as text, the way it reads in messages and change lists. Cells
/// that are not readable values show what they hold (`<4 bytes>`, or text with
/// its invalid bytes replaced), for display only: they never become data.
pub fn display_value(value: &Cell) -> String {
    match value {
        Cell::Null => String::new(),
        Cell::Integer(i) => i.to_string(),
        Cell::Real(r) => r.to_string(),
        Cell::Text(s) => s.clone(),
        Cell::InvalidText(b) => String::from_utf8_lossy(b).into_owned(),
        Cell::Blob(b) => format!("<{} bytes>", b.len()),
        Cell::Oversized { bytes, .. } => format!("<{bytes} bytes>"),
    }
}

/// A value for a message: text quoted and cut to a readable length.
fn shown(value: &Cell) -> String {
    match value {
        Cell::Text(s) => quoted(s),
        other => display_value(other),
    }
}

/// `text` quoted for a message, cut after 60 characters so a huge cell never
/// makes a huge reason.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// The warehouse app's formats, compiled once: parsing a format string per value
/// would cost more than the dates themselves on a 100k-reel scan. In order:
/// seconds (with an optional fraction) and minutes, each with a space or a `T`,
/// then a bare date.
static DATE_FORMATS: LazyLock<[Vec<Item<'static>>; 5]> = LazyLock::new(|| {
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d",
    ]
    .map(|f| StrftimeItems::new(f).collect())
});

/// Reads the warehouse app's naive local times (`YYYY-MM-DD HH:MM[:SS[.ffffff]]`,
/// also with a `T`, or a bare date at midnight).
pub fn parse_date(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    // The shape picks the one format that can match.
    let format = match (text.len(), text.as_bytes().get(10)) {
        (19.., Some(b' ')) => 0,
        (19.., Some(b'T')) => 1,
        (16, Some(b' ')) => 2,
        (16, Some(b'T')) => 3,
        (10, None) => 4,
        _ => return None,
    };
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, DATE_FORMATS[format].iter()).ok()?;
    let date = parsed.to_naive_date().ok()?;
    match parsed.to_naive_time() {
        Ok(time) => Some(date.and_time(time)),
        Err(_) if format == 4 => date.and_hms_opt(0, 0, 0),
        Err(_) => None,
    }
}

/// Appends a tag, the length and the bytes of a variable-length value.
fn tagged_bytes(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(value.len() as u64).to_le_bytes());
    out.extend_from_slice(value);
}

/// Writes a time the way the warehouse app does.
pub fn format_date(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn bad_date(text: &str) -> ValueProblem {
    ValueProblem::NotDate {
        value: quoted(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        ProductField::ALL
            .iter()
            .map(|f| f.default_column().to_owned())
            .collect()
    }

    fn good_row() -> Vec<Cell> {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        mapper
            .columns()
            .iter()
            .map(|c| match c.as_str() {
                "reel_number" => Cell::Text("R-1".into()),
                "width" => Cell::Integer(1200),
                "gsm" => Cell::Integer(120),
                "length" => Cell::Integer(8000),
                "grade" => Cell::Text("Kraft Liner".into()),
                "breaks" => Cell::Integer(0),
                "location" => Cell::Text("Anbar_Akhal".into()),
                "status" => Cell::Text("In-stock".into()),
                "receive_date" => Cell::Text("2024-05-01 10:00".into()),
                "date" => Cell::Text("2024-05-01 09:58:12.123456".into()),
                _ => Cell::Null,
            })
            .collect()
    }

    fn set(row: &mut [Cell], column: &str, value: Cell) {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let i = mapper.columns().iter().position(|c| c == column).unwrap();
        row[i] = value;
    }

    #[test]
    fn defaults_map_every_field_from_its_column_and_validate() {
        let mappings = default_mappings();
        assert_eq!(mappings.len(), ProductField::ALL.len());
        assert!(mappings.iter().all(|m| m.active && m.kind() == "direct"));
        validate(&mappings, &columns()).unwrap();
    }

    #[test]
    fn validation_names_the_missing_column() {
        let mut cols = columns();
        cols.retain(|c| c != "gsm");
        let err = validate(&default_mappings(), &cols).unwrap_err();
        assert!(err.to_string().contains("gsm"), "{err}");
    }

    #[test]
    fn validation_requires_reel_number_and_status() {
        let mut mappings = default_mappings();
        mappings.retain(|m| m.field != ProductField::Status);
        assert!(validate(&mappings, &columns()).is_err());
    }

    #[test]
    fn validation_refuses_a_field_mapped_twice() {
        let mut mappings = default_mappings();
        mappings.push(FieldMapping::identity(ProductField::Grade));
        assert!(validate(&mappings, &columns()).is_err());
    }

    #[test]
    fn a_good_row_maps_with_types() {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let mapped = mapper.map(&good_row()).unwrap();
        assert_eq!(
            mapped.get(ProductField::ReelNumber),
            Some(&FieldValue::Text("R-1".into()))
        );
        assert_eq!(
            mapped.get(ProductField::Width),
            Some(&FieldValue::Int(1200))
        );
        assert_eq!(mapped.status(), Some(ReelStatus::InStock));
        assert_eq!(mapped.get(ProductField::Comments), None);
    }

    #[test]
    fn bad_rows_are_rejected_with_the_field_and_reason() {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let cases = [
            (
                "width",
                Cell::Text("wide".into()),
                "width is not a whole number",
            ),
            ("width", Cell::Integer(0), "width 0 is out of range"),
            ("gsm", Cell::Null, "gsm is missing"),
            (
                "reel_number",
                Cell::Text("  ".into()),
                "reel_number is missing",
            ),
            (
                "status",
                Cell::Text("Lost".into()),
                "status \"Lost\" is not",
            ),
            (
                "receive_date",
                Cell::Text("yesterday".into()),
                "receive_date \"yesterday\"",
            ),
        ];
        for (column, value, expected) in cases {
            let mut row = good_row();
            set(&mut row, column, value);
            let rejection = mapper.map(&row).unwrap_err();
            assert!(
                rejection.to_string().starts_with(expected),
                "{column}: {rejection}"
            );
        }
    }

    #[test]
    fn integers_stored_as_text_or_whole_reals_are_accepted() {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let mut row = good_row();
        set(&mut row, "width", Cell::Text(" 1500 ".into()));
        set(&mut row, "gsm", Cell::Real(90.0));
        let mapped = mapper.map(&row).unwrap();
        assert_eq!(
            mapped.get(ProductField::Width),
            Some(&FieldValue::Int(1500))
        );
        assert_eq!(mapped.get(ProductField::Gsm), Some(&FieldValue::Int(90)));
    }

    #[test]
    fn transforms_apply_in_order() {
        let mut mappings = default_mappings();
        let grade = mappings
            .iter_mut()
            .find(|m| m.field == ProductField::Grade)
            .unwrap();
        grade.transforms = vec![Transform::Trim, Transform::Upper];
        let comments = mappings
            .iter_mut()
            .find(|m| m.field == ProductField::Comments)
            .unwrap();
        comments.transforms = vec![Transform::parse("default=none").unwrap()];
        let receive = mappings
            .iter_mut()
            .find(|m| m.field == ProductField::ReceiveDate)
            .unwrap();
        receive.transforms = vec![Transform::ParseDate];
        let mapper = Mapper::new(&mappings).unwrap();
        let mut row = good_row();
        set(&mut row, "grade", Cell::Text("  kraft ".into()));
        let mapped = mapper.map(&row).unwrap();
        assert_eq!(
            mapped.get(ProductField::Grade),
            Some(&FieldValue::Text("KRAFT".into()))
        );
        assert_eq!(
            mapped.get(ProductField::Comments),
            Some(&FieldValue::Text("none".into()))
        );
        assert_eq!(
            mapped.get(ProductField::ReceiveDate),
            Some(&FieldValue::Text("2024-05-01 10:00:00".into()))
        );
    }

    #[test]
    fn statuses_must_be_spelled_as_the_warehouse_app_does_unless_mapped() {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let mut row = good_row();
        set(&mut row, "status", Cell::Text("in-stock".into()));
        assert!(mapper.map(&row).is_err());
        assert_eq!(mapper.status_of(&row), None);
        let mut mappings = default_mappings();
        mappings[ProductField::Status.index()].transforms =
            vec![Transform::parse("map=in-stock:In-stock").unwrap()];
        let mapper = Mapper::new(&mappings).unwrap();
        assert_eq!(mapper.status_of(&row), Some(ReelStatus::InStock));
        assert_eq!(
            mapper.in_stock_filter(),
            None,
            "a mapped status cannot be filtered as stored"
        );
    }

    #[test]
    fn a_status_vocabulary_maps_in_and_back_out() {
        let mut mappings = default_mappings();
        let status = mappings
            .iter_mut()
            .find(|m| m.field == ProductField::Status)
            .unwrap();
        status.transforms = vec![Transform::parse("map=Mojood:In-stock,Forookhte:Sold").unwrap()];
        let mapper = Mapper::new(&mappings).unwrap();
        let mut row = good_row();
        set(&mut row, "status", Cell::Text("Forookhte".into()));
        assert_eq!(mapper.map(&row).unwrap().status(), Some(ReelStatus::Sold));
        assert_eq!(mapper.warehouse_status(ReelStatus::Sold), "Forookhte");
        assert_eq!(mapper.warehouse_status(ReelStatus::Delivered), "Delivered");
    }

    #[test]
    fn hash_ignores_status_and_sees_every_other_field_and_the_mappings() {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let base = mapper.source_hash(&good_row());
        assert_eq!(mapper.map(&good_row()).unwrap().source_hash, base);
        let mut sold = good_row();
        set(&mut sold, "status", Cell::Text("Sold".into()));
        assert_eq!(mapper.source_hash(&sold), base);
        let mut moved = good_row();
        set(&mut moved, "location", Cell::Text("Anbar_PAK".into()));
        assert_ne!(mapper.source_hash(&moved), base);
        let mut mappings = default_mappings();
        mappings[ProductField::Grade.index()].transforms = vec![Transform::Upper];
        assert_ne!(
            Mapper::new(&mappings).unwrap().source_hash(&good_row()),
            base
        );
    }

    #[test]
    fn transforms_print_as_they_parse() {
        for spec in [
            "trim",
            "upper",
            "lower",
            "to_integer",
            "parse_date",
            "default=n/a",
            "map=A:In-stock,B:Sold",
        ] {
            assert_eq!(Transform::parse(spec).unwrap().to_string(), spec);
        }
    }

    #[test]
    fn transform_specs_parse_or_explain() {
        assert_eq!(Transform::parse("trim").unwrap(), Transform::Trim);
        assert!(
            matches!(Transform::parse("map=a:b,c:d").unwrap(), Transform::ValueMap { map } if map.len() == 2)
        );
        assert!(Transform::parse("reverse").is_err());
        assert!(Transform::parse("map=ab").is_err());
    }

    #[test]
    fn dates_in_every_warehouse_format_parse() {
        for text in [
            "2024-05-01T10:00",
            "2024-05-01T10:00:05.5",
            "2024-05-01 10:00",
            "2024-05-01 10:00:05",
            "2024-05-01 10:00:05.123456",
            "2024-05-01",
        ] {
            assert!(parse_date(text).is_some(), "{text}");
        }
        for bad in [
            "01/05/2024",
            "2024-05-01 25:00",
            "2024-13-01",
            "2024-05-01 10:00:xx",
            "",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert_eq!(
            parse_date("2024-05-01 10:00").unwrap(),
            parse_date("2024-05-01T10:00:00").unwrap()
        );
    }

    /// Stored field hashes must stay valid from one version to the next: a changed
    /// digest would make the next sync rewrite every tracked reel.
    #[test]
    fn the_field_hash_is_stable_across_versions() {
        let mapper = Mapper::new(&default_mappings()).unwrap();
        let mut row = good_row();
        set(&mut row, "comments", Cell::Null);
        set(&mut row, "breaks", Cell::Integer(2));
        assert_eq!(mapper.source_hash(&row), 833_049_633_876_326_372);
    }
}
