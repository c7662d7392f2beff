//! The field mappings as the mappings screen edits them: one draft per field,
//! the warehouse's columns to choose from, and why a draft can't be saved.

use serde::{Deserialize, Serialize};

use crate::{DraftPreview, ProductField, Refusal};

/// One field's mapping as a form holds it: the warehouse column, the transform
/// steps in order, and whether it is used. The engine reads it into its own
/// mapping, and refuses what does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingDraft {
    pub field: ProductField,
    #[serde(default)]
    pub column: String,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// A form's unticked switch sends nothing: off.
    #[serde(default)]
    pub active: bool,
}

/// One transform step: its name from the closed list ([`TRANSFORMS`]) and its
/// value when it takes one. A step with no name is no step (a form's blank
/// slot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    #[serde(default)]
    pub op: String,
    #[serde(default)]
    pub arg: String,
}

impl Step {
    /// Whether the step is a blank slot.
    pub fn is_blank(&self) -> bool {
        self.op.trim().is_empty()
    }

    /// The step as the command line spells it (`trim`, `date=%d/%m/%Y`).
    pub fn spec(&self) -> String {
        let op = self.op.trim();
        if takes_value(op) {
            format!("{op}={}", self.arg)
        } else {
            op.to_owned()
        }
    }

    /// The step a command-line spelling names.
    pub fn from_spec(spec: &str) -> Self {
        let (op, arg) = spec.split_once('=').unwrap_or((spec, ""));
        Self {
            op: op.to_owned(),
            arg: arg.to_owned(),
        }
    }
}

/// The transforms a mapping may use, in the order a screen offers them, and
/// whether each takes a value.
pub const TRANSFORMS: &[(&str, bool)] = &[
    ("trim", false),
    ("collapse_whitespace", false),
    ("upper", false),
    ("lower", false),
    ("replace", true),
    ("map", true),
    ("to_integer", false),
    ("decimal", true),
    ("parse_date", false),
    ("date", true),
    ("default", true),
    ("otherwise", true),
];

/// Whether the transform named `op` takes a value.
pub fn takes_value(op: &str) -> bool {
    TRANSFORMS
        .iter()
        .any(|(name, valued)| *name == op && *valued)
}

/// A column of the warehouse's `Products` table, with its declared type
/// (`INTEGER`, `varchar(50)`, or empty when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseColumn {
    pub name: String,
    pub declared: String,
}

/// Why a draft can't be saved, with the field at fault (none when the set as a
/// whole is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftRefusal {
    pub field: Option<ProductField>,
    pub refusal: Refusal,
}

/// A draft tried: why it can't be saved, or, when it can, what it would make of
/// the warehouse's rows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DraftTrial {
    Refused(Vec<DraftRefusal>),
    Tried(DraftPreview),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_spells_its_value_only_when_it_takes_one() {
        let date = Step::from_spec("date=%d/%m/%Y");
        assert_eq!(date.op, "date");
        assert_eq!(date.spec(), "date=%d/%m/%Y");
        let trim = Step {
            op: " trim ".into(),
            arg: "left over".into(),
        };
        assert_eq!(trim.spec(), "trim");
        assert_eq!(Step::from_spec("replace=a=>b").arg, "a=>b");
        assert!(Step::default().is_blank());
    }
}
