//! Reading the warehouse against the main store, for runs and for the looks
//! that plan without writing (the import grid, the overview, the drift report):
//! the warehouse file opened and checked against the mappings, and pages of its
//! rows planned against the tracked reels whose numbers they carry.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::Connection;

use crate::error::{Error, Result, WarehouseError};
use crate::mapping::{self, Mapper};
use crate::plan::{self, Identity, KnownNumbers, LinksByRow, PageInput, PagePlan, Scope, Tracked};
use crate::settings::SyncSettings;
use crate::store::{self, Store};
use crate::warehouse::{self, Reader, Warehouse};
use crate::{Config, Engine, WarehouseZone};

impl Engine {
    /// The warehouse file this engine uses: the configured one, else the stored
    /// setting.
    pub(crate) fn warehouse_with(
        &self,
        settings: &SyncSettings,
    ) -> Result<Warehouse, WarehouseError> {
        warehouse_for(&self.config, settings)
    }
}

pub(crate) fn warehouse_for(
    config: &Config,
    settings: &SyncSettings,
) -> Result<Warehouse, WarehouseError> {
    let path = config
        .external
        .clone()
        .or_else(|| settings.external_path.as_ref().map(PathBuf::from))
        .ok_or(WarehouseError::NotConfigured)?;
    Ok(Warehouse::new(path, config.busy_timeout))
}

/// Opens the warehouse file read-only and binds the stored mappings to its columns.
pub(crate) fn open_checked(
    config: &Config,
    conn: &Connection,
) -> Result<(Warehouse, Reader, Mapper, SyncSettings)> {
    let settings = store::settings(conn).map_err(|e| store_err(config, e))?;
    let mappings = store::mappings(conn).map_err(|e| store_err(config, e))?;
    let warehouse = warehouse_for(config, &settings)?;
    let reader = warehouse.open_read()?;
    let columns = reader.product_columns()?;
    let missing = mapping::missing_columns(&mappings, &columns);
    if !missing.is_empty() {
        return Err(WarehouseError::MissingColumns {
            table: warehouse::PRODUCTS_TABLE.to_owned(),
            columns: missing,
        }
        .into());
    }
    let zone = WarehouseZone::of(&settings)?;
    let mapper = Mapper::new(&mappings)?
        .in_zone(zone)
        .with_identity_columns(&columns);
    Ok((warehouse, reader, mapper, settings))
}

/// The warehouse rows a scope needs: only `In-stock` ones when nothing else can
/// matter to it (and the status column can be matched as stored).
pub(crate) fn row_filter(scope: &Scope, mapper: &Mapper) -> Option<warehouse::RowFilter> {
    scope
        .only_in_stock_matters()
        .then(|| mapper.in_stock_filter())
        .flatten()
}

/// Plans warehouse `rows` against the tracked reels they carry the numbers of,
/// adding to what `identity` knows.
pub(crate) fn plan_page_of(
    conn: &Connection,
    rows: Vec<warehouse::ExternalRow>,
    mapper: &Mapper,
    scope: &Scope,
    identity: &mut Identity,
) -> rusqlite::Result<PagePlan> {
    let reels: Vec<Option<String>> = rows.iter().map(|r| mapper.reel_of(&r.values)).collect();
    let (tracked, hinted) = tracked_on_page(conn, &rows, &reels, identity.known.as_ref())?;
    let reborn = plan::reborn_rows(&rows, &reels, &tracked, mapper);
    let reborn: Vec<&str> = reborn.iter().map(String::as_str).collect();
    let row_writes = store::writes_to_rows(conn, &reborn)?;
    Ok(plan::plan_page(
        PageInput {
            rows,
            reels,
            tracked: &tracked,
            hinted: &hinted,
            row_writes: &row_writes,
            mapper,
            scope,
        },
        identity,
    ))
}

/// The tracked reels among a page's reel numbers (by number), and those last
/// found on one of its rows that carries no tracked number (by row id).
///
/// Nearly every reel is still on the row it was last found on: the links whose
/// hint falls in the page's id range (one walk along their index) settle those
/// at once, and only the numbers left over that may be `known` are looked up one
/// by one.
fn tracked_on_page(
    conn: &Connection,
    rows: &[warehouse::ExternalRow],
    reels: &[Option<String>],
    known: Option<&KnownNumbers>,
) -> rusqlite::Result<(HashMap<String, Tracked>, LinksByRow)> {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(Default::default());
    };
    let mut by_hint = store::tracked_in_range(conn, first.id - 1, last.id)?;
    let mut tracked = HashMap::with_capacity(by_hint.len());
    let mut left = Vec::new();
    for (row, reel) in rows.iter().zip(reels) {
        let Some(reel) = reel else { continue };
        // The link still on its row; the others stay: the row carries another
        // number, so their reels may be under a corrected label.
        let on_row = by_hint.get_mut(&row.id).and_then(|links| {
            let at = links.iter().position(|t| t.reel_number == *reel)?;
            Some(links.swap_remove(at))
        });
        match on_row {
            Some(t) => {
                tracked.insert(reel.clone(), t);
            }
            None => left.push(reel.as_str()),
        }
    }
    left.retain(|reel| known.is_none_or(|known| known.may_hold(reel)));
    tracked.extend(store::tracked_by_reels(conn, left)?);
    // A reel found under its number elsewhere is not this row's.
    let hinted = by_hint
        .into_iter()
        .filter_map(|(id, mut links)| {
            links.retain(|t| !tracked.contains_key(&t.reel_number));
            (!links.is_empty()).then_some((id, links))
        })
        .collect();
    Ok((tracked, hinted))
}

/// [`plan_page_of`] on a store connection, for a look that plans pages one by
/// one (no reel is looked for past them), with its errors in context.
pub(crate) fn plan_rows(
    store: &Store,
    rows: Vec<warehouse::ExternalRow>,
    mapper: &Mapper,
    scope: &Scope,
) -> Result<PagePlan> {
    plan_page_of(&store.conn, rows, mapper, scope, &mut Identity::default())
        .map_err(|e| store.err(e))
}

/// Plans the tracked reels no page showed under their numbers.
pub(crate) fn plan_unseen_of(
    conn: &Connection,
    identity: &mut Identity,
    mapper: &Mapper,
    scope: &Scope,
) -> rusqlite::Result<PagePlan> {
    let unseen: Vec<i64> = store::tracked_ids(conn)?
        .into_iter()
        .filter(|id| !identity.seen.contains(id))
        .collect();
    let unseen = store::tracked_by_ids(conn, &unseen)?;
    Ok(plan::plan_unseen(unseen, identity, mapper, scope))
}

/// Gives a main-store error its context.
pub(crate) fn db<T>(config: &Config, result: rusqlite::Result<T>) -> Result<T> {
    result.map_err(|e| store_err(config, e))
}

pub(crate) fn store_err(config: &Config, source: rusqlite::Error) -> Error {
    Error::store(config.data_dir.join(store::STORE_FILE), source)
}
