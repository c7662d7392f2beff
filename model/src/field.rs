//! The fields of a product and what their values must be.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Refusal;

/// What kind of value a product field holds; imports and refreshes check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Integer,
    /// A naive local time as the warehouse app writes it.
    DateTime,
    Status,
}

macro_rules! product_fields {
    ($($variant:ident => $name:literal, $ty:ident, $required:literal, $range:expr;)*) => {
        /// A field of a product in the main store. Every column of the warehouse's
        /// `Products` table has one, so no warehouse data is dropped.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ProductField { $($variant,)* }

        impl ProductField {
            /// Every field, in the main store's column order.
            pub const ALL: &'static [ProductField] = &[$(Self::$variant,)*];

            /// The field's name: its column in the main store and its default
            /// warehouse column.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The type its values must have.
            pub fn field_type(self) -> FieldType {
                match self { $(Self::$variant => FieldType::$ty,)* }
            }

            /// Whether a reel without it is rejected.
            pub fn is_required(self) -> bool {
                match self { $(Self::$variant => $required,)* }
            }

            /// The accepted range of an integer field.
            pub fn range(self) -> Option<(i64, i64)> {
                match self { $(Self::$variant => $range,)* }
            }
        }
    };
}

product_fields! {
    ReelNumber => "reel_number", Text, true, None;
    Width => "width", Integer, true, Some((1, 10_000));
    Gsm => "gsm", Integer, true, Some((1, 2_000));
    Length => "length", Integer, true, Some((1, 1_000_000));
    Grade => "grade", Text, true, None;
    Breaks => "breaks", Integer, true, Some((0, 10_000));
    Comments => "comments", Text, false, None;
    QrCode => "qr_code", Text, false, None;
    ProfileName => "profile_name", Text, false, None;
    Location => "location", Text, true, None;
    Status => "status", Status, true, None;
    ReceiveDate => "receive_date", DateTime, false, None;
    LastDate => "last_date", DateTime, false, None;
    Username => "username", Text, false, None;
    Logs => "logs", Text, false, None;
    Date => "date", DateTime, false, None;
    ShipmentId => "shipment_id", Integer, false, Some((0, i64::MAX));
}

impl ProductField {
    /// The warehouse column a fresh store maps to this field.
    pub fn default_column(self) -> &'static str {
        match self {
            Self::ShipmentId => "shipment_id_id",
            other => other.as_str(),
        }
    }

    /// The field's position in [`ProductField::ALL`] (and in the engine's
    /// mapped values).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ProductField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProductField {
    type Err = Refusal;

    fn from_str(s: &str) -> Result<Self, Refusal> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Refusal::UnknownField { name: s.to_owned() })
    }
}
