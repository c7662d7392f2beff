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
use crate::error::Result;
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
    /// Reads a date written as `format` (strftime: `%d/%m/%Y`, `%Y/%m/%d %H:%M`, …)
    /// and writes `YYYY-MM-DD HH:MM:SS`.
    DateAs {
        format: String,
    },
    /// Reads a decimal number written with `decimal` as its mark and
    /// `thousands` (when set) between digit groups, and writes it plainly
    /// (`1234.5`).
    Decimal {
        decimal: char,
        thousands: Option<char>,
    },
    /// Replaces every match of `pattern` with `with` (`$1` names a group).
    Replace {
        pattern: Pattern,
        with: String,
    },
    /// Makes every run of whitespace one space, and trims the ends.
    CollapseWhitespace,
    /// When the mapping can't take the value (a transform or the field's type
    /// refuses it), uses `value` instead of rejecting the reel. Checked against
    /// the field's type when the mappings are saved.
    Otherwise {
        value: String,
    },
}

/// The longest date format a mapping takes, in bytes.
pub const MAX_DATE_FORMAT: usize = 64;
/// The longest pattern a mapping takes, in bytes.
pub const MAX_PATTERN: usize = 256;
/// The most memory a compiled pattern may take: a pattern is linear in time
/// whatever it says, and this keeps it small in space too.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

/// A regular expression as a mapping keeps it: its text (what is stored and
/// compared), compiled once when read, within reelsync's limits. Matching is
/// linear in the value's length (the `regex` crate has no backtracking).
#[derive(Clone, Debug)]
pub struct Pattern {
    source: String,
    regex: regex::Regex,
}

impl Pattern {
    /// Compiles `source`, refused when it is too long, does not compile, or
    /// compiles too large.
    pub fn new(source: &str) -> Result<Self, Refusal> {
        let refuse = |why: String| Refusal::BadPattern {
            pattern: source.chars().take(80).collect(),
            why,
            max: MAX_PATTERN,
        };
        if source.is_empty() || source.len() > MAX_PATTERN {
            return Err(refuse(String::new()));
        }
        let regex = regex::RegexBuilder::new(source)
            .size_limit(PATTERN_SIZE_LIMIT)
            .dfa_size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|e| refuse(e.to_string()))?;
        Ok(Self {
            source: source.to_owned(),
            regex,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Pattern::new(&source).map_err(serde::de::Error::custom)
    }
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
            Self::DateAs { .. } => "date",
            Self::Decimal { .. } => "decimal",
            Self::Replace { .. } => "replace",
            Self::CollapseWhitespace => "collapse_whitespace",
            Self::Otherwise { .. } => "otherwise",
        }
    }

    /// Parses the command-line spelling: `trim`, `upper`, `lower`, `to_integer`,
    /// `parse_date`, `collapse_whitespace`, `default=VALUE`, `map=FROM:TO,FROM:TO`,
    /// `date=FORMAT` (`date=%d/%m/%Y`), `decimal=MARK[GROUP]` (`decimal=,.`: a
    /// comma marks the decimals, dots group the thousands) and
    /// `replace=PATTERN=>WITH`, and `otherwise=VALUE` (what a value the mapping
    /// can't take becomes, instead of a rejected reel). Each is checked as it
    /// would be when saved.
    pub fn parse(spec: &str) -> Result<Self, Refusal> {
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
            ("collapse_whitespace", None) => Ok(Self::CollapseWhitespace),
            ("otherwise", Some(value)) => Ok(Self::Otherwise {
                value: value.to_owned(),
            }),
            ("date", Some(format)) => date_as(format),
            ("decimal", Some(marks)) => {
                let mut marks = marks.chars();
                decimal(marks.next().unwrap_or('.'), marks.next(), marks.next())
            }
            ("replace", Some(rule)) => {
                let (pattern, with) = rule.split_once("=>").unwrap_or((rule, ""));
                Ok(Self::Replace {
                    pattern: Pattern::new(pattern)?,
                    with: with.to_owned(),
                })
            }
            _ => Err(Refusal::UnknownTransform {
                spec: spec.to_owned(),
            }),
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
            (Self::DateAs { format }, Cell::Text(s)) if !s.trim().is_empty() => {
                Cell::Text(format_date(parse_date_as(&s, format).ok_or_else(|| {
                    ValueProblem::NotDateAs {
                        value: quoted(&s),
                        format: format.clone(),
                    }
                })?))
            }
            (Self::Decimal { decimal, thousands }, Cell::Text(s)) if !s.trim().is_empty() => {
                Cell::Text(
                    plain_decimal(&s, *decimal, *thousands)
                        .ok_or_else(|| ValueProblem::NotDecimal { value: quoted(&s) })?,
                )
            }
            (Self::Replace { pattern, with }, Cell::Text(s)) => {
                Cell::Text(pattern.regex.replace_all(&s, with.as_str()).into_owned())
            }
            (Self::CollapseWhitespace, Cell::Text(s)) => {
                Cell::Text(s.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            (_, v) => v,
        })
    }
}

/// A date transform for `format`, refused unless it is a strftime format with a
/// year, a month and a day, and not too long.
fn date_as(format: &str) -> Result<Transform, Refusal> {
    let refuse = || Refusal::BadDateFormat {
        format: format.chars().take(80).collect(),
        max: MAX_DATE_FORMAT,
    };
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    let has = |spec: &[chrono::format::Numeric]| {
        items
            .iter()
            .any(|item| matches!(item, Item::Numeric(n, _) if spec.contains(n)))
    };
    use chrono::format::Numeric::{Day, Month, Year, YearMod100};
    if format.len() > MAX_DATE_FORMAT
        || items.iter().any(|item| matches!(item, Item::Error))
        || !has(&[Year, YearMod100])
        || !has(&[Month])
        || !has(&[Day])
    {
        return Err(refuse());
    }
    Ok(Transform::DateAs {
        format: format.to_owned(),
    })
}

/// A decimal transform, refused when its marks can't be told apart from each
/// other or from digits (or a third one is given).
fn decimal(
    decimal: char,
    thousands: Option<char>,
    extra: Option<char>,
) -> Result<Transform, Refusal> {
    let digit_like = |c: char| c.is_numeric() || c == '-' || c == '+';
    if extra.is_some()
        || digit_like(decimal)
        || thousands.is_some_and(|t| t == decimal || digit_like(t))
    {
        return Err(Refusal::BadSeparators {
            decimal: decimal.to_string(),
            thousands: thousands.map(String::from).unwrap_or_default(),
        });
    }
    Ok(Transform::Decimal { decimal, thousands })
}

/// Reads `text` as a date written as `format` (a bare date is at midnight).
fn parse_date_as(text: &str, format: &str) -> Option<NaiveDateTime> {
    let text = ascii_digits(text.trim());
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, &text, StrftimeItems::new(format)).ok()?;
    let date = parsed.to_naive_date().ok()?;
    Some(match parsed.to_naive_time() {
        Ok(time) => date.and_time(time),
        Err(_) => date.and_hms_opt(0, 0, 0)?,
    })
}

/// `text`, a number written with `decimal` as its mark and `thousands` between
/// digit groups (any digits: ASCII, Persian, Arabic-Indic), as plain ASCII
/// (`-1234.5`); `None` when it is not such a number.
fn plain_decimal(text: &str, decimal: char, thousands: Option<char>) -> Option<String> {
    let text = ascii_digits(text.trim());
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(&text)),
    };
    let (whole, fraction) = match body.split_once(decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    let whole: String = match thousands {
        // Groups of three after the first, or none at all.
        Some(t) if whole.contains(t) => {
            let groups: Vec<&str> = whole.split(t).collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
                return None;
            }
            groups.concat()
        }
        _ => whole.to_owned(),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(&whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    Some(match fraction {
        Some(fraction) => format!("{sign}{whole}.{fraction}"),
        None => format!("{sign}{whole}"),
    })
}

pub(super) fn parse_value_map(pairs: &str) -> Result<Transform, Refusal> {
    let map = pairs
        .split(',')
        .map(|pair| {
            pair.split_once(':')
                .map(|(from, to)| (from.to_owned(), to.to_owned()))
                .ok_or_else(|| Refusal::ValueMapEntry {
                    entry: pair.to_owned(),
                })
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
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
            Self::DateAs { format } => write!(f, "date={format}"),
            Self::Decimal { decimal, thousands } => write!(
                f,
                "decimal={decimal}{}",
                thousands.map(String::from).unwrap_or_default()
            ),
            Self::Replace { pattern, with } => write!(f, "replace={}=>{with}", pattern.as_str()),
            Self::Otherwise { value } => write!(f, "otherwise={value}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    fn apply(spec: &str, value: &str) -> std::result::Result<Cell, ValueProblem> {
        Transform::parse(spec).unwrap().apply(text(value))
    }

    fn refused(spec: &str) -> Refusal {
        Transform::parse(spec).unwrap_err()
    }

    #[test]
    fn a_date_is_read_in_the_format_given() {
        assert_eq!(
            apply("date=%d/%m/%Y", "21/03/2023"),
            Ok(text("2023-03-21 00:00:00"))
        );
        assert_eq!(
            apply("date=%Y/%m/%d %H:%M", " ۱۴۰۲/۰۱/۰۱ 08:30 "),
            Ok(text("1402-01-01 08:30:00")),
            "Persian digits read as the same numbers"
        );
        assert_eq!(
            apply("date=%d/%m/%Y", "2023-03-21"),
            Err(ValueProblem::NotDateAs {
                value: "\"2023-03-21\"".into(),
                format: "%d/%m/%Y".into()
            })
        );
        assert_eq!(
            apply("date=%d/%m/%Y", "31/02/2023").ok(),
            None,
            "no such day"
        );
        // A blank cell is left for the field's own check (or a default).
        assert_eq!(apply("date=%d/%m/%Y", " "), Ok(text(" ")));
    }

    #[test]
    fn a_date_format_needs_a_year_a_month_and_a_day() {
        for bad in ["date=%d/%m", "date=%q/%m/%Y", "date=hello"] {
            assert!(
                matches!(refused(bad), Refusal::BadDateFormat { .. }),
                "{bad}"
            );
        }
        let long = format!("date=%d/%m/%Y{}", " ".repeat(MAX_DATE_FORMAT));
        assert!(matches!(refused(&long), Refusal::BadDateFormat { .. }));
    }

    #[test]
    fn a_decimal_is_read_with_its_marks() {
        assert_eq!(apply("decimal=,.", "1.234,5"), Ok(text("1234.5")));
        assert_eq!(apply("decimal=,.", "-12,25"), Ok(text("-12.25")));
        assert_eq!(apply("decimal=.", "1250"), Ok(text("1250")));
        assert_eq!(apply("decimal=/٬", "۱٬۲۵۰/۵"), Ok(text("1250.5")));
        for bad in ["1.23,5", "12,", "1,2,3", "abc", "1..000"] {
            assert_eq!(
                apply("decimal=,.", bad),
                Err(ValueProblem::NotDecimal {
                    value: format!("{bad:?}")
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn decimal_marks_must_be_told_apart() {
        for bad in ["decimal=,,", "decimal=1", "decimal=.-", "decimal=,. "] {
            assert!(
                matches!(refused(bad), Refusal::BadSeparators { .. }),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_pattern_replaces_every_match_in_linear_time() {
        assert_eq!(
            apply(r"replace=^R-(\d+)$=>R$1", "R-0042"),
            Ok(text("R0042"))
        );
        assert_eq!(apply(r"replace=\s*kg$=>", "1250 kg"), Ok(text("1250")));
        // A pattern that backtracks exponentially elsewhere is instant here.
        let evil = format!("{}!", "a".repeat(50_000));
        assert_eq!(
            apply("replace=(a+)+$=>x", &evil),
            Ok(text(&format!("{}!", "a".repeat(50_000))))
        );
        assert!(matches!(
            refused("replace=(=>x"),
            Refusal::BadPattern { .. }
        ));
        let long = format!("replace={}=>x", "a".repeat(MAX_PATTERN + 1));
        assert!(matches!(refused(&long), Refusal::BadPattern { .. }));
        assert!(matches!(
            refused(r"replace=\w{1000}{1000}=>x"),
            Refusal::BadPattern { .. }
        ));
    }

    #[test]
    fn whitespace_collapses() {
        assert_eq!(
            apply("collapse_whitespace", "  Kraft \t  Liner\n"),
            Ok(text("Kraft Liner"))
        );
    }

    #[test]
    fn every_transform_is_spelled_as_it_is_read_and_stored() {
        for spec in [
            "date=%d/%m/%Y",
            "decimal=,.",
            "decimal=.",
            r"replace=^R-(\d+)$=>R$1",
            "collapse_whitespace",
            "otherwise=0",
        ] {
            let transform = Transform::parse(spec).unwrap();
            assert_eq!(transform.to_string(), spec);
            let stored = serde_json::to_string(&transform).unwrap();
            assert_eq!(
                serde_json::from_str::<Transform>(&stored).unwrap(),
                transform
            );
        }
        // A stored pattern that no longer compiles is not read as a transform.
        let broken = r#"{"op":"replace","pattern":"(","with":""}"#;
        assert!(serde_json::from_str::<Transform>(broken).is_err());
    }
}
