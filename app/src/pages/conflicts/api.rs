//! The conflicts inbox's server functions: the open conflicts, the preview of a
//! resolution (a dry run of it), and the resolution itself (a run).

use leptos::prelude::*;
use model::{ConflictList, Counts, Keep, LoggedItem, Shown};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// The query key of the reels picked, repeated.
pub const PICKED: &str = "sel";

/// The open conflicts matching a search, with when each office status was set
/// in the mill's time (in the list's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictsView {
    pub list: ConflictList,
    pub office_at: Vec<Moment>,
}

/// The open conflicts whose reel number holds `q` (all without it). Reads
/// only. Requires a super admin session.
#[server(endpoint = "conflicts")]
pub async fn get_conflicts(q: Option<String>) -> Result<ConflictsView, AppError> {
    use crate::ssr::{AdminUser, moment, text};

    let admin = AdminUser::check().await?;
    let search = text(q.as_deref());
    admin
        .work(move |engine, _| {
            let list = engine.conflicts(search.as_deref())?;
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            let office_at = list
                .conflicts
                .iter()
                .map(|c| moment(zone, c.office_at))
                .collect();
            Ok(ConflictsView { list, office_at })
        })
        .await
}

/// How many conflicts are open: the navigation's count. Requires a super
/// admin session.
#[server(endpoint = "open-conflicts")]
pub async fn open_conflicts() -> Result<u64, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    admin
        .work(|engine, _| Ok(engine.dashboard_knowing(Some(0))?.conflicts))
        .await
}

/// What keeping one side would do now: the reels and the warehouse statuses
/// shown (what the resolution writes against), and the dry run's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvePreview {
    pub keep: Keep,
    pub shown: Vec<Shown>,
    pub counts: Counts,
    pub items: Vec<LoggedItem>,
    /// Reels picked that have no open conflict now.
    pub not_open: Vec<String>,
    /// Reels whose row now carries another number: a person must check the
    /// label in the warehouse app; keeping a side can't settle them.
    pub check_label: Vec<String>,
}

/// What keeping `keep` would do to the reels picked (`reels`), or to every open
/// conflict matching `q` (`all`). Reads only: a dry run. Requires a super
/// admin session.
#[server(endpoint = "preview-resolve")]
pub async fn preview_resolve(
    keep: String,
    reels: Vec<String>,
    all: bool,
    q: Option<String>,
) -> Result<ResolvePreview, AppError> {
    use crate::ssr::{AdminUser, text};

    let admin = AdminUser::check().await?;
    let keep = side(&keep)?;
    let search = text(q.as_deref());
    let who = admin.user().username.clone();
    admin
        .work(move |engine, _| {
            let open = engine.conflicts(if all { search.as_deref() } else { None })?;
            let wanted = |reel: &str| all || reels.iter().any(|r| r.trim() == reel);
            let mut shown = Vec::new();
            let mut check_label = Vec::new();
            for conflict in open.conflicts.iter().filter(|c| wanted(&c.reel_number)) {
                if matches!(conflict.reason, model::Reason::RowRenamed { .. }) {
                    check_label.push(conflict.reel_number.clone());
                } else {
                    shown.push(Shown {
                        reel_number: conflict.reel_number.clone(),
                        warehouse: conflict.warehouse,
                    });
                }
            }
            let not_open = if all {
                Vec::new()
            } else {
                reels
                    .iter()
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .filter(|r| !open.conflicts.iter().any(|c| c.reel_number == *r))
                    .collect()
            };
            let (counts, items) = if shown.is_empty() {
                (Counts::default(), Vec::new())
            } else {
                let report = engine.sync(
                    &model::RunRequest::manual(resolution(keep, shown.clone()), who, true),
                    &mut (),
                )?;
                (report.counts, LoggedItem::numbered(report.items))
            };
            Ok(ResolvePreview {
                keep,
                shown,
                counts,
                items,
                not_open,
                check_label,
            })
        })
        .await
}

/// Keeps `keep` for the reels `shown` (each `STATUS:REEL`, the warehouse
/// status the person was shown, which the resolution writes against), as a
/// run of kind `resolve`, and opens its page. Refused while another run goes.
/// Requires a super admin session.
#[server(endpoint = "resolve")]
pub async fn resolve(keep: String, shown: Vec<String>) -> Result<i64, AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let keep = side(&keep)?;
    let shown = shown
        .iter()
        .map(|pair| shown_pair(pair))
        .collect::<Result<Vec<_>, _>>()?;
    if shown.is_empty() {
        return Err(AppError::NothingSelected);
    }
    let runs = admin.runs()?;
    let user = admin.user();
    let id = runs
        .start(admin.run_request(resolution(keep, shown), false))
        .await?;
    tracing::info!(user = ?user.username, run = id, keep = keep.as_str(), "resolution started");
    leptos_axum::redirect(&crate::routes::run(id));
    Ok(id)
}

/// The side a form names.
#[cfg(feature = "ssr")]
fn side(text: &str) -> Result<Keep, AppError> {
    Keep::parse(text.trim()).ok_or_else(|| AppError::BadFilter {
        key: "keep".into(),
        value: text.chars().take(40).collect(),
    })
}

/// A reel and the warehouse status shown for it, as the confirmation's form
/// spells them: `STATUS:REEL` (a status holds no colon; a reel number may).
#[cfg(feature = "ssr")]
fn shown_pair(pair: &str) -> Result<Shown, AppError> {
    let (status, reel) = pair.split_once(':').ok_or(AppError::Unreadable)?;
    let warehouse = model::ReelStatus::from_canonical(status).ok_or(AppError::Unreadable)?;
    let reel_number = reel.trim();
    if reel_number.is_empty() {
        return Err(AppError::Unreadable);
    }
    Ok(Shown {
        reel_number: reel_number.to_owned(),
        warehouse,
    })
}

/// How the confirmation's form spells a reel and the warehouse status shown.
pub fn spell_shown(shown: &Shown) -> String {
    format!("{}:{}", shown.warehouse.as_str(), shown.reel_number)
}

/// A resolution's run scope.
#[cfg(feature = "ssr")]
fn resolution(keep: Keep, reels: Vec<Shown>) -> model::RunScope {
    model::RunScope::Resolve(model::Resolve { keep, reels })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_shown_pair_reads_back_and_a_bad_one_is_unreadable() {
        let shown = Shown {
            reel_number: "A:1".into(),
            warehouse: model::ReelStatus::Sold,
        };
        assert_eq!(shown_pair(&spell_shown(&shown)).unwrap(), shown);
        assert!(matches!(shown_pair("Sold"), Err(AppError::Unreadable)));
        assert!(matches!(shown_pair("Gone:R1"), Err(AppError::Unreadable)));
        assert!(matches!(shown_pair("Sold: "), Err(AppError::Unreadable)));
    }
}
