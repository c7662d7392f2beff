//! A reel's page's server function.

use leptos::prelude::*;
use model::ReelPage;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// A reel's page, with when each thing in its history happened, in the mill's
/// time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReelView {
    pub page: ReelPage,
    /// One for each entry of the history, in its order.
    pub moments: Vec<Moment>,
}

/// The page of the reel `reel` (its number as the warehouse spells it). Reads
/// only. Requires a super admin session.
#[server(endpoint = "reel")]
pub async fn get_reel(reel: String) -> Result<ReelView, AppError> {
    use crate::ssr::{AdminUser, moment};

    let admin = AdminUser::check().await?;
    admin
        .work(move |engine, _| {
            let page = engine.reel_page(&reel)?;
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            let moments = page.history.iter().map(|e| moment(zone, e.at)).collect();
            Ok(ReelView { page, moments })
        })
        .await
}
