//! The transforms a mapping runs on a warehouse value, and the readers of values
//! they and the mapper share (whole numbers, dates, text for messages).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use chrono::format::{Item, Parsed, StrftimeItems};
use serde::{Deserialize, Serialize};

use super::{ProductField, ValueProblem};
use crate::Refusal;
use crate::error::{Error, Result};
use crate::warehouse::Cell;

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
    pub(super) fn apply(&self, value: Cell) -> std::result::Result<Cell, ValueProblem> {
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

pub(super) fn parse_value_map(pairs: &str) -> Result<Transform> {
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

/// `text` without surrounding whitespace, keeping its buffer when it has none (the
/// usual case, for every text field of every imported reel).
pub(super) fn trimmed(text: String) -> String {
    match text.trim() {
        t if t.len() == text.len() => text,
        t => t.to_owned(),
    }
}

/// A readable cell as owned text, moving a string rather than copying it.
pub(super) fn into_text(value: Cell) -> String {
    match value {
        Cell::Text(s) => s,
        other => display_value(&other),
    }
}

/// The text a scalar cell reads as (numbers as their digits); `None` for cells
/// that hold no readable value.
pub(super) fn scalar_text(value: &Cell) -> Option<String> {
    match value {
        Cell::Text(s) => Some(s.clone()),
        Cell::Integer(_) | Cell::Real(_) => Some(display_value(value)),
        _ => None,
    }
}

pub(super) fn check_range(
    field: ProductField,
    value: i64,
) -> std::result::Result<i64, ValueProblem> {
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
pub(super) fn to_integer(value: Cell) -> std::result::Result<Cell, ValueProblem> {
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

pub(super) fn is_blank(value: &Cell) -> bool {
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
pub(super) fn shown(value: &Cell) -> String {
    match value {
        Cell::Text(s) => quoted(s),
        other => display_value(other),
    }
}

/// `text` quoted for a message, cut after 60 characters so a huge cell never
/// makes a huge reason.
pub(super) fn quoted(text: &str) -> String {
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
pub(super) static DATE_FORMATS: LazyLock<[Vec<Item<'static>>; 5]> = LazyLock::new(|| {
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

/// Writes a time the way the warehouse app does.
pub fn format_date(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(super) fn bad_date(text: &str) -> ValueProblem {
    ValueProblem::NotDate {
        value: quoted(text),
    }
}
