//! Whether the file at the warehouse path is still the warehouse reelsync has
//! been syncing. A wrong file copied over it, or another warehouse's, must not
//! be taken in wholesale as thousands of warehouse decisions: a run first looks
//! up a sample of tracked reels by number and compares the mapped columns' types
//! with those it last saw, and refuses the file, before it writes anything, when
//! most of the reels are not there (or were created at other times) or a mapped
//! column is gone or retyped. The refusal holds every later run and pauses the
//! schedule until an admin accepts the file ([`Engine::accept_warehouse`]).

use std::collections::BTreeMap;

use rusqlite::Connection;

use crate::error::{Result, WarehouseError};
use crate::mapping::Mapper;
use crate::plan::born_apart;
use crate::store;
use crate::warehouse::{Cell, Reader};
use crate::{Engine, WarehouseProblem};
use model::ColumnChange;

/// How many tracked reels a run looks up by number: enough that "most are not
/// there" is not chance, few enough to take milliseconds (each is one probe of
/// the warehouse's unique reel-number index).
const SAMPLE: u32 = 200;

/// Below this many tracked reels, missing ones are only counted, never taken as
/// a sign of another file: a small store loses most of its reels to a few
/// ordinary deletions.
const MIN_SAMPLE: u64 = 5;

/// The mapped columns and their declared types, as the store keeps them.
type Columns = BTreeMap<String, String>;

/// Refuses the warehouse `reader` reads when it is held, or is now found not to
/// be the one synced so far; on a real run (`record`) a new refusal is saved, so
/// it holds every later run, and a file found to be the same has its columns
/// saved as the ones to compare with next time.
pub(crate) fn check_same_warehouse(
    conn: &Connection,
    reader: &Reader,
    mapper: &Mapper,
    file: &str,
    record: bool,
) -> Result<(), CheckError> {
    let settings = store::settings(conn)?;
    if let Some(problem) = settings.warehouse_hold {
        return Err(CheckError::Held(problem));
    }
    let (saved, accepted) = store::warehouse_identity(conn)?;
    let columns = mapped_columns(reader, mapper)?;
    let changed = if accepted {
        Vec::new()
    } else {
        column_changes(saved.as_ref(), &columns)
    };
    let (checked, missing, reborn) = if accepted {
        (0, 0, 0)
    } else {
        look_up_sample(conn, reader, mapper)?
    };
    let most_gone = checked >= MIN_SAMPLE && (missing + reborn) * 2 > checked;
    if most_gone || !changed.is_empty() {
        let problem = WarehouseProblem::NotTheSame {
            file: file.to_owned(),
            checked,
            missing,
            reborn,
            columns: changed,
        };
        if record {
            store::set_warehouse_hold(conn, Some(&problem))?;
        }
        return Err(CheckError::Held(problem));
    }
    // Columns no longer read keep their type, to be compared if read again.
    let mut known = if accepted {
        Columns::new()
    } else {
        saved.clone().unwrap_or_default()
    };
    known.extend(columns);
    if record && (accepted || saved.as_ref() != Some(&known)) {
        store::save_warehouse_identity(conn, &known)?;
    }
    Ok(())
}

/// Holds runs on mapped `columns` the file at the warehouse path lacks, when
/// an earlier run saw them there: a column that vanishes is another file, or the
/// warehouse app changed under reelsync. `None` (nothing held) when they were
/// never seen: then the mappings are wrong, which the error says as it is.
pub(crate) fn hold_for_gone_columns(
    conn: &Connection,
    file: &str,
    columns: &[String],
) -> rusqlite::Result<Option<WarehouseProblem>> {
    let (saved, _) = store::warehouse_identity(conn)?;
    let Some(saved) = saved else {
        return Ok(None);
    };
    let gone: Vec<ColumnChange> = columns
        .iter()
        .filter_map(|c| {
            saved.get(c).map(|was| ColumnChange {
                column: c.clone(),
                was: was.clone(),
                now: None,
            })
        })
        .collect();
    if gone.is_empty() {
        return Ok(None);
    }
    let problem = WarehouseProblem::NotTheSame {
        file: file.to_owned(),
        checked: 0,
        missing: 0,
        reborn: 0,
        columns: gone,
    };
    store::set_warehouse_hold(conn, Some(&problem))?;
    Ok(Some(problem))
}

/// Why a check refused the file, or could not look.
#[derive(Debug)]
pub(crate) enum CheckError {
    Held(WarehouseProblem),
    Warehouse(WarehouseError),
    Store(rusqlite::Error),
}

impl From<WarehouseError> for CheckError {
    fn from(e: WarehouseError) -> Self {
        Self::Warehouse(e)
    }
}

impl From<rusqlite::Error> for CheckError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e)
    }
}

/// The declared type of each column the mapper reads.
fn mapped_columns(reader: &Reader, mapper: &Mapper) -> Result<Columns, WarehouseError> {
    let types: BTreeMap<String, String> = reader.product_column_types()?.into_iter().collect();
    Ok(mapper
        .columns()
        .iter()
        .filter_map(|c| types.get(c).map(|t| (c.clone(), t.clone())))
        .collect())
}

/// The columns read now that `saved` knew with another declared type (SQLite's
/// type names compare case-blind). A column gone from the file fails the run
/// before this ([`hold_for_gone_columns`]); one no longer read (its mapping
/// switched off) is no longer compared. Nothing saved yet: nothing to compare.
fn column_changes(saved: Option<&Columns>, now: &Columns) -> Vec<ColumnChange> {
    let Some(saved) = saved else {
        return Vec::new();
    };
    now.iter()
        .filter_map(|(column, ty)| {
            let was = saved.get(column)?;
            (!ty.eq_ignore_ascii_case(was)).then(|| ColumnChange {
                column: column.clone(),
                was: was.clone(),
                now: Some(ty.clone()),
            })
        })
        .collect()
}

/// Looks up a random sample of the tracked reels not already missing by number:
/// how many were checked, how many the file lacks, and how many it has under a
/// row created at another time. A reel not under its number but on its last
/// row, created when it was, is there (its label was corrected).
fn look_up_sample(
    conn: &Connection,
    reader: &Reader,
    mapper: &Mapper,
) -> Result<(u64, u64, u64), CheckError> {
    let sample = store::sample_tracked(conn, SAMPLE)?;
    // Without a creation-time column the row's id is read, only to tell whether
    // there is one; its creation time is then unknown.
    let has_born = mapper.born_column_name().is_some();
    let column = vec![mapper.born_column_name().unwrap_or("id").to_owned()];
    let born_of = |cells: Option<Vec<Cell>>| {
        cells.map(|cells| match cells.first() {
            Some(Cell::Text(t)) if has_born => Some(t.trim().to_owned()),
            _ => None,
        })
    };
    let (mut missing, mut reborn) = (0, 0);
    for (reel, born, last_row) in &sample {
        let key = Cell::Text(reel.clone());
        match born_of(reader.cells_where(&column, mapper.reel_column_name(), &key)?) {
            Some(now) if born_apart(born.as_deref(), now.as_deref()) => reborn += 1,
            Some(_) => {}
            None => {
                let on_last_row =
                    born_of(reader.cells_where(&column, "id", &Cell::Integer(*last_row))?);
                if born.is_none() || on_last_row != Some(born.clone()) {
                    missing += 1;
                }
            }
        }
    }
    Ok((sample.len() as u64, missing, reborn))
}

impl Engine {
    /// Accepts the file now at the warehouse path as the warehouse to sync: lifts
    /// the hold a run put on it, and lets the next run take it as it is (its
    /// columns and reels from then on are the ones compared). Logged as `by`.
    pub fn accept_warehouse(&self, by: &crate::Actor) -> Result<Option<WarehouseProblem>> {
        let mut store = self.store()?;
        let err = store.err_fn();
        let tx = store.conn.transaction().map_err(&err)?;
        let held = store::settings(&tx).map_err(&err)?.warehouse_hold;
        store::accept_warehouse(&tx)
            .and_then(|()| {
                store::log_activity(
                    &tx,
                    by,
                    "warehouse.accept",
                    "warehouse file",
                    held.as_ref().map(ToString::to_string).as_deref(),
                )
            })
            .and_then(|()| tx.commit())
            .map_err(&err)?;
        Ok(held)
    }
}
