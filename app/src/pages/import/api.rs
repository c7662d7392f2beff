//! The import grid's server functions: a page of the grid, changes to the
//! user's selection, and the import of it. Each change comes back to the grid's
//! address it was made on (`back`), so the grid works as plain forms too.

use leptos::prelude::*;

use crate::error::AppError;

pub use crate::components::grid::Grid;

/// A page of the grid (`query`: its address's query string, as the address bar
/// has it), with the user's selection marked, as many rows as the device said
/// fit it (its rows cookie). Requires a super admin session.
#[server(endpoint = "grid")]
pub async fn load_grid(query: String) -> Result<Grid, AppError> {
    use crate::components::grid::query;
    use crate::ssr::{AdminUser, cookie, request_parts};

    let admin = AdminUser::check().await?;
    let mut query = query::parse(model::GridList::Importable, &query)?;
    query.limit = query::page_size(cookie(&request_parts()?.headers, super::ROWS_COOKIE));
    let catalogue = admin.grid()?;
    admin
        .work(move |engine, user| {
            let selection = engine.selection(user.id)?;
            let (catalogue, version) = catalogue.versioned()?;
            Ok(Grid {
                page: catalogue.query(&query, &selection),
                version,
            })
        })
        .await
}

/// The version of the grid's catalogue now, rebuilt first when the warehouse or
/// the store changed: an open grid asks every few seconds, and reloads when it
/// moved. While a run goes, the version it had: a run changes the store page by
/// page, and the grid waits for its end rather than be rebuilt at each commit.
/// Requires a super admin session.
#[server(endpoint = "grid-version")]
pub async fn grid_version() -> Result<u64, AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let catalogue = admin.grid()?;
    let runs = admin.runs()?;
    admin
        .work(move |_, _| {
            if runs.live()?.is_some() {
                return Ok(catalogue.last_version());
            }
            Ok(catalogue.versioned()?.1)
        })
        .await
}

/// Of the reels `shown` on a grid page, selects those `checked` and unselects
/// the others; with `all`, selects them all. Answers how many are selected.
#[server(endpoint = "select")]
pub async fn select(
    shown: Option<Vec<String>>,
    checked: Option<Vec<String>>,
    all: Option<String>,
    back: String,
) -> Result<u64, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    let shown = shown.unwrap_or_default();
    let checked = match all {
        Some(_) => shown.clone(),
        None => checked.unwrap_or_default(),
    };
    change(&admin, model::SelectionChange::Set { shown, checked }, back).await
}

/// Selects every reel the grid's filter (in `back`, the grid's address) lets
/// through, as a filter: the import resolves it when it runs.
#[server(endpoint = "select-matching")]
pub async fn select_matching(back: String) -> Result<u64, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    let query = back.split_once('?').map_or("", |(_, query)| query);
    let filter = crate::components::grid::query::parse(model::GridList::Importable, query)?.filter;
    change(&admin, model::SelectionChange::AllMatching(filter), back).await
}

/// Selects nothing.
#[server(endpoint = "clear-selection")]
pub async fn clear_selection(back: String) -> Result<u64, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    change(&admin, model::SelectionChange::Clear, back).await
}

/// Starts an import of the user's selection and opens its run page; the
/// selection is then cleared (the run's page tells what became of each reel).
///
/// With the grid page's reels (`shown`) and which of them are ticked
/// (`checked`), as the grid's form sends them, those ticks are saved first: a
/// tick and the import are one step, before the wasm as with it.
#[server(endpoint = "import-selected")]
pub async fn import_selected(
    shown: Option<Vec<String>>,
    checked: Option<Vec<String>>,
) -> Result<i64, AppError> {
    use crate::routes;
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let runs = admin.runs()?;
    let catalogue = admin.grid()?;
    let selection = admin
        .work(move |engine, user| match shown {
            Some(shown) => {
                let checked = checked.unwrap_or_default();
                let change = model::SelectionChange::Set { shown, checked };
                let catalogue = catalogue.current()?;
                engine.change_selection(user.id, &change, &catalogue)
            }
            None => engine.selection(user.id),
        })
        .await?;
    if selection.is_empty() {
        return Err(AppError::NothingSelected);
    }
    let user = admin.user();
    let scope = model::RunScope::Import(selection.to_selection());
    let id = runs.start(admin.run_request(scope, false)).await?;
    tracing::info!(user = ?user.username, run = id, "import of the selection started");
    admin
        .work(|engine, user| engine.clear_selection(user.id))
        .await?;
    leptos_axum::redirect(&routes::run(id));
    Ok(id)
}

/// Applies `change` to the user's selection, then sends a plain form back to the
/// grid. Answers how many reels are selected.
#[cfg(feature = "ssr")]
async fn change(
    admin: &crate::ssr::AdminUser,
    change: model::SelectionChange,
    back: String,
) -> Result<u64, AppError> {
    let back = grid_address(&back)?;
    let catalogue = admin.grid()?;
    let selected = admin
        .work(move |engine, user| {
            let catalogue = catalogue.current()?;
            let selection = engine.change_selection(user.id, &change, &catalogue)?;
            Ok(catalogue.selected(&selection))
        })
        .await?;
    crate::ssr::redirect_plain_form(&back);
    Ok(selected)
}

/// `back` when it is an address of the grid, else the grid's first page: a form
/// can't send anyone elsewhere. A `back` with a control character (a line break
/// would split the `Location` header) is no address a browser sends: unreadable.
#[cfg(feature = "ssr")]
fn grid_address(back: &str) -> Result<String, AppError> {
    if back.chars().any(char::is_control) {
        return Err(AppError::Unreadable);
    }
    let grid = crate::routes::IMPORT;
    Ok(match back.strip_prefix(grid) {
        Some(rest) if rest.is_empty() || rest.starts_with('?') => back.to_owned(),
        _ => grid.to_owned(),
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn forms_only_go_back_to_the_grid() {
        assert_eq!(
            grid_address("/import?width=1250").unwrap(),
            "/import?width=1250"
        );
        assert_eq!(grid_address("/import").unwrap(), "/import");
        for elsewhere in [
            "https://evil.example/import",
            "//evil.example",
            "/importer",
            "/runs",
        ] {
            assert_eq!(grid_address(elsewhere).unwrap(), "/import", "{elsewhere}");
        }
        for broken in ["/import?\r\nSet-Cookie: a=b", "/import\n", "/import?\u{7f}"] {
            assert_eq!(
                grid_address(broken),
                Err(AppError::Unreadable),
                "{broken:?}"
            );
        }
    }
}

/// What a scan did: the reel is selected now, or not any more.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scanned {
    pub reel_number: String,
    pub selected: bool,
    /// How many reels are selected now.
    pub count: u64,
}

/// A scanned (or typed) reel number: selects the reel, or unselects it when it
/// was selected. A reel that can't be imported is refused with why: unknown,
/// tracked already, not In-stock in the warehouse, or a row an import would reject.
#[server(endpoint = "scan")]
pub async fn scan(code: String, back: String) -> Result<Scanned, AppError> {
    use crate::ssr::{AdminUser, redirect_plain_form};

    let admin = AdminUser::check().await?;
    let back = grid_address(&back)?;
    let reel = code.trim().to_owned();
    if reel.is_empty() {
        return Err(AppError::Unreadable);
    }
    let catalogue = admin.grid()?;
    let scanned = admin
        .work(move |engine, user| {
            let catalogue = catalogue.current()?;
            match catalogue.standing(&reel) {
                Some(None) => {}
                Some(Some(reason)) => return Ok(Err(reason)),
                None => return Ok(Err(engine.not_importable(&reel)?)),
            }
            let selection = engine.selection(user.id)?;
            let was = catalogue.is_selected(&selection, &reel);
            let change = model::SelectionChange::Set {
                shown: vec![reel.clone()],
                checked: if was { Vec::new() } else { vec![reel.clone()] },
            };
            let selection = engine.change_selection(user.id, &change, &catalogue)?;
            Ok(Ok(Scanned {
                selected: !was,
                count: catalogue.selected(&selection),
                reel_number: reel,
            }))
        })
        .await?;
    let scanned = scanned.map_err(|reason| AppError::NotImportable {
        reel: code.trim().to_owned(),
        reason,
    })?;
    redirect_plain_form(&back);
    Ok(scanned)
}
