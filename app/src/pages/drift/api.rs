//! The drift report's server function.

use leptos::prelude::*;
use model::{Drift, DriftKind};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Entries a page of the report lists.
pub const DRIFT_PER_PAGE: usize = 100;

/// The drift report as the page shows it: how many reels of each kind differ,
/// and a page of those of the kind chosen (or of every kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftView {
    /// How many tracked reels were compared.
    pub checked: u64,
    /// Every kind, with how many reels differ so (none left out for being zero).
    pub counts: Vec<(DriftKind, u64)>,
    /// How many reels differ in all.
    pub total: u64,
    /// A page of the differing reels of the kind chosen.
    pub entries: Vec<Drift>,
    /// Where the next page starts, when there is one.
    pub next: Option<u64>,
}

impl DriftView {
    /// The page of `report` that starts at entry `from` of those of `kind`.
    pub fn page(report: model::DriftReport, kind: Option<DriftKind>, from: u64) -> Self {
        let total = report.drift.len() as u64;
        let mut of_kind = report
            .drift
            .into_iter()
            .filter(|drift| kind.is_none_or(|kind| drift.kind == kind))
            .skip(usize::try_from(from).unwrap_or(usize::MAX));
        let entries: Vec<Drift> = of_kind.by_ref().take(DRIFT_PER_PAGE).collect();
        let next = of_kind.next().map(|_| from + entries.len() as u64);
        Self {
            checked: report.checked,
            counts: report.counts.into_iter().collect(),
            total,
            entries,
            next,
        }
    }
}

/// Compares every tracked reel with its warehouse row now, and answers a page
/// of those that differ, of `kind` (spelled as the engine spells it; empty for
/// every kind), from entry `from` on. Reads only. Requires a super admin session.
#[server(endpoint = "drift")]
pub async fn get_drift(kind: Option<String>, from: Option<u64>) -> Result<DriftView, AppError> {
    use crate::ssr::{AdminUser, choice};

    let admin = AdminUser::check().await?;
    let kind = choice(kind.as_deref(), DriftKind::parse)?;
    admin
        .work(move |engine, _user| Ok(DriftView::page(engine.drift()?, kind, from.unwrap_or(0))))
        .await
}

#[cfg(test)]
mod tests {
    use model::DriftReport;

    use super::*;

    fn report(kinds: &[DriftKind]) -> DriftReport {
        let mut report = DriftReport {
            checked: 500,
            ..DriftReport::default()
        };
        for (n, kind) in kinds.iter().enumerate() {
            report.push(Drift {
                reel_number: format!("R{n}"),
                kind: *kind,
                office: Some("Sold".into()),
                warehouse: Some("In-stock".into()),
            });
        }
        report
    }

    #[test]
    fn a_page_lists_the_kind_chosen_and_counts_every_kind() {
        let kinds = [DriftKind::Missing, DriftKind::Status, DriftKind::Missing];
        let view = DriftView::page(report(&kinds), Some(DriftKind::Missing), 0);
        assert_eq!(view.total, 3);
        assert_eq!(view.checked, 500);
        let reels: Vec<_> = view
            .entries
            .iter()
            .map(|d| d.reel_number.as_str())
            .collect();
        assert_eq!(reels, ["R0", "R2"]);
        assert_eq!(view.counts.len(), DriftKind::ALL.len());
        assert!(view.counts.contains(&(DriftKind::Copy, 0)));
        assert!(view.counts.contains(&(DriftKind::Missing, 2)));
        assert_eq!(view.next, None);
    }

    #[test]
    fn a_long_report_is_paged() {
        let kinds = vec![DriftKind::Fields; DRIFT_PER_PAGE + 5];
        let first = DriftView::page(report(&kinds), None, 0);
        assert_eq!(first.entries.len(), DRIFT_PER_PAGE);
        assert_eq!(first.next, Some(DRIFT_PER_PAGE as u64));
        let second = DriftView::page(report(&kinds), None, DRIFT_PER_PAGE as u64);
        assert_eq!(second.entries.len(), 5);
        assert_eq!(second.entries[0].reel_number, format!("R{DRIFT_PER_PAGE}"));
        assert_eq!(second.next, None);
        assert!(
            DriftView::page(report(&kinds), None, u64::MAX)
                .entries
                .is_empty()
        );
    }
}
