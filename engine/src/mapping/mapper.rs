//! The row mapper: mappings bound to a warehouse page's columns, reading each row
//! into a product's values or the reason it can't be one.

use std::collections::BTreeMap;

use super::transform::{
    bad_date, check_range, display_value, format_date, into_text, is_blank, parse_date, quoted,
    scalar_text, shown, to_integer,
};
use super::{
    BORN_COLUMN, FieldMapping, FieldSet, FieldType, FieldValue, LOCATION_COLUMN, Mapped,
    ProductField, Rejection, Transform, ValueProblem,
};
use crate::Refusal;
use crate::clock::WarehouseZone;
use crate::error::{Error, Result};
use crate::status::ReelStatus;
use crate::warehouse::{Cell, MAX_CELL_BYTES};

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

    /// The row's `last_date` cell as text, when mapped and set.
    pub fn last_date_of(&self, row: &[Cell]) -> Option<String> {
        scalar_text(&row[self.last_date_position()?]).map(|t| t.trim().to_owned())
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
pub(super) fn missing_required(values: &[Option<FieldValue>]) -> Option<ProductField> {
    ProductField::ALL
        .iter()
        .copied()
        .find(|f| f.is_required() && values[f.index()].is_none())
}

/// Runs one mapping on a copy of its column's value.
pub(super) fn map_step(
    (field, position, transforms): &(ProductField, usize, Vec<Transform>),
    row: &[Cell],
) -> std::result::Result<Option<FieldValue>, ValueProblem> {
    run_step(*field, transforms, row[*position].clone())
}

/// A mapping's transforms in order, then its field's type check.
pub(super) fn run_step(
    field: ProductField,
    transforms: &[Transform],
    raw: Cell,
) -> std::result::Result<Option<FieldValue>, ValueProblem> {
    let taken = transforms
        .iter()
        .try_fold(raw, |v, t| t.apply(v))
        .and_then(|v| check_type(field, v));
    match (taken, otherwise(transforms)) {
        (Err(_), Some(value)) => check_type(field, Cell::Text(value.to_owned())),
        (taken, _) => taken,
    }
}

/// What a mapping uses instead of a value it can't take, when it says.
pub(super) fn otherwise(transforms: &[Transform]) -> Option<&str> {
    transforms.iter().find_map(|t| match t {
        Transform::Otherwise { value } => Some(value.as_str()),
        _ => None,
    })
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
pub(super) fn status_spellings(mappings: &[FieldMapping]) -> BTreeMap<ReelStatus, String> {
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
pub(super) fn check_type(
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
pub(super) fn unreadable(value: &Cell) -> Option<ValueProblem> {
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
pub(super) fn check_reel_number(value: Cell) -> std::result::Result<String, ValueProblem> {
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

/// Appends a tag, the length and the bytes of a variable-length value.
pub(super) fn tagged_bytes(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(value.len() as u64).to_le_bytes());
    out.extend_from_slice(value);
}
