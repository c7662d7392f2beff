//! Field mappings: which warehouse column feeds which product field, through which
//! transforms, and how a warehouse row becomes a product's values.
//!
//! The vocabulary is here (a mapping, the defaults, their checks, a mapped row's
//! values); the transforms and the value readers they share with the mapper are
//! in `transform`, the row mapper in `mapper`, both re-exported.

use serde::{Deserialize, Serialize};

use crate::Refusal;
use crate::error::Result;
use crate::status::ReelStatus;
use crate::warehouse::Cell;
pub use model::{
    DraftRefusal, FieldType, MappingDraft, ProductField, RowProblem as Rejection, Step,
    ValueProblem,
};

mod mapper;
mod transform;

pub use mapper::*;
pub use transform::*;

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

    /// The mapping a form's draft describes; its first step that does not
    /// parse refuses it, and so does a blank column.
    pub fn from_draft(draft: &MappingDraft) -> Result<Self, Refusal> {
        let column = draft.column.trim();
        if column.is_empty() {
            return Err(Refusal::NoSuchColumns {
                columns: vec![String::new()],
            });
        }
        let transforms = draft
            .steps
            .iter()
            .filter(|step| !step.is_blank())
            .map(|step| Transform::parse(&step.spec()))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            field: draft.field,
            column: column.to_owned(),
            transforms,
            active: draft.active,
        })
    }

    /// The mapping as a form's draft.
    pub fn to_draft(&self) -> MappingDraft {
        MappingDraft {
            field: self.field,
            column: self.column.clone(),
            steps: self
                .transforms
                .iter()
                .map(|t| Step::from_spec(&t.to_string()))
                .collect(),
            active: self.active,
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

/// Checks a set of mappings on its own and against the warehouse columns; the
/// first of its [`problems`] refuses it.
pub fn validate(mappings: &[FieldMapping], columns: &[String]) -> Result<()> {
    match problems(mappings, columns).into_iter().next() {
        Some(problem) => Err(problem.refusal.into()),
        None => Ok(()),
    }
}

/// Every reason a set of mappings can't be saved, with the field at fault.
///
/// The reel number and status must be mapped and active (the sync keys on them);
/// each field is fed by at most one mapping; an `otherwise` value must be one
/// its field can hold; every active mapping's column must exist.
pub fn problems(mappings: &[FieldMapping], columns: &[String]) -> Vec<DraftRefusal> {
    let mut problems = Vec::new();
    let mut refuse = |field: ProductField, refusal: Refusal| {
        problems.push(DraftRefusal {
            field: Some(field),
            refusal,
        })
    };
    for required in [ProductField::ReelNumber, ProductField::Status] {
        if !mappings.iter().any(|m| m.active && m.field == required) {
            refuse(required, Refusal::FieldNotMapped { field: required });
        }
    }
    for (i, m) in mappings.iter().enumerate() {
        if mappings[..i].iter().any(|other| other.field == m.field) {
            refuse(m.field, Refusal::FieldMappedTwice { field: m.field });
        }
    }
    for m in mappings {
        if let Some(value) = otherwise(&m.transforms)
            && check_type(m.field, Cell::Text(value.to_owned())).is_err()
        {
            let value = value.to_owned();
            refuse(
                m.field,
                Refusal::OtherwiseNotValid {
                    field: m.field,
                    value,
                },
            );
        }
    }
    for m in mappings {
        if reads_missing_column(m, columns) {
            let columns = vec![m.column.clone()];
            refuse(m.field, Refusal::NoSuchColumns { columns });
        }
    }
    problems
}

/// The mappings `drafts` describe, or why each that does not parse can't be
/// read (a step not in the closed list, a bad format or pattern, a blank
/// column).
pub fn read_drafts(drafts: &[MappingDraft]) -> Result<Vec<FieldMapping>, Vec<DraftRefusal>> {
    let mut mappings = Vec::with_capacity(drafts.len());
    let mut refused = Vec::new();
    for draft in drafts {
        match FieldMapping::from_draft(draft) {
            Ok(mapping) => mappings.push(mapping),
            Err(refusal) => refused.push(DraftRefusal {
                field: Some(draft.field),
                refusal,
            }),
        }
    }
    if refused.is_empty() {
        Ok(mappings)
    } else {
        Err(refused)
    }
}

/// Active mappings' columns that `columns` lacks.
pub fn missing_columns(mappings: &[FieldMapping], columns: &[String]) -> Vec<String> {
    let mut missing: Vec<String> = mappings
        .iter()
        .filter(|m| reads_missing_column(m, columns))
        .map(|m| m.column.clone())
        .collect();
    missing.dedup();
    missing
}

/// Whether `m` is used and reads a column `columns` lacks.
fn reads_missing_column(m: &FieldMapping, columns: &[String]) -> bool {
    m.active && !columns.contains(&m.column)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warehouse::Cell;

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
    fn a_value_the_mapping_cant_take_becomes_its_otherwise_value() {
        let mut mappings = default_mappings();
        let width = mappings
            .iter_mut()
            .find(|m| m.field == ProductField::Width)
            .unwrap();
        width.transforms = vec![Transform::parse("otherwise=1000").unwrap()];
        validate(&mappings, &columns()).unwrap();
        let mapper = Mapper::new(&mappings).unwrap();
        let mut row = good_row();
        set(&mut row, "width", Cell::Text("wide".into()));
        let mapped = mapper.map(&row).unwrap();
        assert_eq!(
            mapped.get(ProductField::Width),
            Some(&FieldValue::Int(1000))
        );
        // Without it, the reel is rejected; with a value the field can't hold,
        // the mappings are refused when saved.
        let plain = Mapper::new(&default_mappings()).unwrap();
        assert!(plain.map(&row).is_err());
        let width = mappings
            .iter_mut()
            .find(|m| m.field == ProductField::Width)
            .unwrap();
        width.transforms = vec![Transform::parse("otherwise=narrow").unwrap()];
        assert!(matches!(
            validate(&mappings, &columns()),
            Err(crate::Error::Refused(Refusal::OtherwiseNotValid { .. }))
        ));
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
