//! The products list's server functions: a page of the tracked reels with the
//! reels picked, and the office's status changes (previewed, then made).

use leptos::prelude::*;
use model::{GridRow, StatusChange};
use serde::{Deserialize, Serialize};

use crate::components::grid::Grid;
use crate::error::AppError;

/// The query key of the reels picked (by a tick or a scan), repeated.
pub const PICKED: &str = "sel";

/// A page of the products list and the reels picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductsView {
    pub grid: Grid,
    /// Each reel picked, with its row (`None`: reelsync does not track it).
    pub picked: Vec<(String, Option<GridRow>)>,
}

/// A page of the products list (`query`: its address's query string, the
/// reels picked included), as many rows as the device said fit it. Requires a
/// super admin session.
#[server(endpoint = "products")]
pub async fn load_products(query: String) -> Result<ProductsView, AppError> {
    use crate::components::grid::query;
    use crate::pages::ROWS_COOKIE;
    use crate::ssr::{AdminUser, cookie, request_parts};

    let admin = AdminUser::check().await?;
    let (picked, rest) = split_picked(&query);
    let mut query = query::parse(model::GridList::Tracked, &rest)?;
    query.limit = query::page_size(cookie(&request_parts()?.headers, ROWS_COOKIE));
    let tracked = admin.tracked()?;
    admin
        .work(move |_, _| {
            let (catalogue, version) = tracked.versioned()?;
            let selection = model::GridSelection {
                matching: None,
                reels: picked.iter().cloned().collect(),
            };
            let page = catalogue.query(&query, &selection);
            let picked = picked
                .into_iter()
                .map(|reel| {
                    let row = catalogue.row(&reel);
                    (reel, row)
                })
                .collect();
            Ok(ProductsView {
                grid: Grid { page, version },
                picked,
            })
        })
        .await
}

/// What setting the office status of `reels` to `to` would do now. Reads only.
/// Requires a super admin session.
#[server(endpoint = "preview-status")]
pub async fn preview_status(to: String, reels: Vec<String>) -> Result<StatusChange, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    let to = status(&to)?;
    admin
        .work(move |engine, _| engine.preview_product_status(&reels, to))
        .await
}

/// Sets the office status of `reels` to `to`, as `reelsync product set-status`
/// does (the same rules, refusals and log), then sends a plain form back to the
/// products list at `back` with the outcome. The next sync writes the changes
/// to the warehouse. Requires a super admin session.
#[server(endpoint = "set-status")]
pub async fn set_status(
    to: String,
    reels: Vec<String>,
    back: String,
) -> Result<StatusChange, AppError> {
    use crate::ssr::{AdminUser, redirect_plain_form};

    let admin = AdminUser::check().await?;
    let status = status(&to)?;
    let shown_reels = reels.clone();
    let by = admin.actor();
    let change = admin
        .work(move |engine, _| engine.set_product_status(&reels, status, &by))
        .await?;
    tracing::info!(
        user = ?admin.user().username,
        changed = change.changed.len(),
        "office status set to {status}"
    );
    redirect_plain_form(&done_address(&back, status, &shown_reels));
    Ok(change)
}

/// A status as the page's forms spell it (`In-stock`, `Sold`, `Delivered`).
#[cfg(feature = "ssr")]
fn status(text: &str) -> Result<model::ReelStatus, AppError> {
    model::ReelStatus::from_canonical(text.trim()).ok_or_else(|| AppError::BadFilter {
        key: "to".into(),
        value: text.chars().take(40).collect(),
    })
}

/// The reels picked in `query` (blanks dropped, each once) and the rest of it.
#[cfg(feature = "ssr")]
fn split_picked(query: &str) -> (Vec<String>, String) {
    let mut picked: Vec<String> = Vec::new();
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        match key.as_ref() {
            PICKED => {
                let reel = value.trim();
                if !reel.is_empty() && !picked.iter().any(|p| p == reel) {
                    picked.push(reel.to_owned());
                }
            }
            key if super::CHANGE_KEYS.contains(&key) => {}
            _ => {
                rest.append_pair(&key, &value);
            }
        }
    }
    (picked, rest.finish())
}

/// Where a status change made from `back` (the list's address) shows its
/// outcome: the list with its filters, `done` set to the status, and the reels
/// changed.
#[cfg(feature = "ssr")]
fn done_address(back: &str, status: model::ReelStatus, reels: &[String]) -> String {
    let query = back
        .strip_prefix(crate::routes::PRODUCTS)
        .filter(|rest| rest.is_empty() || rest.starts_with('?'))
        .unwrap_or("");
    let (_, filters) = split_picked(query);
    let mut address = form_urlencoded::Serializer::new(filters);
    address.append_pair("done", status.as_str());
    for reel in reels {
        address.append_pair(PICKED, reel);
    }
    format!("{}?{}", crate::routes::PRODUCTS, address.finish())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn picked_reels_are_taken_out_of_the_filters() {
        let (picked, rest) = split_picked("?sel=R1&status=Sold&sel=+R2+&sel=R1&sel=&to=Sold&q=wet");
        assert_eq!(picked, ["R1", "R2"]);
        assert_eq!(rest, "status=Sold&q=wet");
    }

    #[test]
    fn a_change_lands_on_the_list_with_its_filters_and_the_reels_it_changed() {
        let reels = ["R 1".to_owned(), "R2".to_owned()];
        assert_eq!(
            done_address(
                "/products?warehouse=In-stock&sel=old&to=Sold",
                model::ReelStatus::Sold,
                &reels
            ),
            "/products?warehouse=In-stock&done=Sold&sel=R+1&sel=R2"
        );
        // Anywhere else is not a list of products: its query is not taken.
        assert_eq!(
            done_address(
                "https://elsewhere.example/?q=1",
                model::ReelStatus::Sold,
                &reels[1..]
            ),
            "/products?done=Sold&sel=R2"
        );
    }
}
