//! The three states of a paper reel and their order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a reel stands. The order is the order of its life: a reel is received
/// (`In-stock`), loaded on a truck (`Sold`), then its sales order is made (`Delivered`).
/// The status merge relies on this order to let the further-ahead side win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReelStatus {
    /// In a warehouse (`Anbar_*`), available for sale.
    #[serde(rename = "In-stock")]
    InStock,
    /// Sold: on a truck (warehouse side) or sold by the office.
    #[serde(rename = "Sold")]
    Sold,
    /// Delivered to the customer.
    #[serde(rename = "Delivered")]
    Delivered,
}

impl ReelStatus {
    /// Every status, in order.
    pub const ALL: [ReelStatus; 3] = [Self::InStock, Self::Sold, Self::Delivered];

    /// The status spelled exactly as both databases hold it, and nothing else.
    pub fn from_canonical(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The spelling both databases use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStock => "In-stock",
            Self::Sold => "Sold",
            Self::Delivered => "Delivered",
        }
    }
}

impl ReelStatus {
    /// Whether the office may set a reel at `self` to `to`. The warehouse
    /// delivers a reel once its sales order is made, and no one takes that back
    /// from the office: a Delivered reel stays Delivered. Every other move is the
    /// office's to make (a sale, a delivery, a cancelled sale).
    pub fn office_may_set(self, to: ReelStatus) -> Result<(), crate::Refusal> {
        match (self, to) {
            (Self::Delivered, Self::InStock | Self::Sold) => {
                Err(crate::Refusal::DeliveredStaysDelivered { to })
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for ReelStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status that is not one of `In-stock`, `Sold`, `Delivered`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}: expected In-stock, Sold or Delivered")]
pub struct UnknownStatus(pub String);

impl FromStr for ReelStatus {
    type Err = UnknownStatus;

    /// Accepts the canonical spelling, ignoring case and surrounding blanks, and
    /// `in_stock`/`instock` as spelled on command lines.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The canonical spelling is what both databases hold; it needs no folding.
        if let Some(status) = Self::from_canonical(s) {
            return Ok(status);
        }
        let folded: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "instock" => Ok(Self::InStock),
            "sold" => Ok(Self::Sold),
            "delivered" => Ok(Self::Delivered),
            _ => Err(UnknownStatus(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_follows_a_reels_life() {
        assert!(ReelStatus::InStock < ReelStatus::Sold);
        assert!(ReelStatus::Sold < ReelStatus::Delivered);
    }

    #[test]
    fn parses_canonical_and_command_line_spellings() {
        assert_eq!("In-stock".parse(), Ok(ReelStatus::InStock));
        assert_eq!(" in_stock ".parse(), Ok(ReelStatus::InStock));
        assert_eq!("SOLD".parse(), Ok(ReelStatus::Sold));
        assert_eq!("Delivered".parse(), Ok(ReelStatus::Delivered));
        assert!("Lost".parse::<ReelStatus>().is_err());
        assert!("".parse::<ReelStatus>().is_err());
    }

    #[test]
    fn round_trips_through_its_spelling() {
        for s in ReelStatus::ALL {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
    }
}

/// What an office status change did to each reel it named (or, previewed,
/// would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// Reels whose status changed.
    pub changed: Vec<String>,
    /// Reels that already had the status.
    pub unchanged: Vec<String>,
    /// Reel numbers reelsync does not track.
    pub not_found: Vec<String>,
    /// Reels the office's rules keep as they are, each with why.
    #[serde(default)]
    pub refused: Vec<RefusedReel>,
}

/// A reel a status change left as it was, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedReel {
    pub reel_number: String,
    pub refusal: crate::Refusal,
}
