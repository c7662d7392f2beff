//! Each user's selection in the import grid, kept in the store so it survives
//! paging, sorting, filtering, a reload and a restart of the server.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::{Engine, GridSelection, SelectionChange};

impl Engine {
    /// What the user `user_id` has selected (nothing, at first).
    pub fn selection(&self, user_id: i64) -> Result<GridSelection> {
        let store = self.read_store()?;
        read(&store.conn, user_id).map_err(|e| store.err(e))
    }

    /// Applies `change` to the user's selection and saves it. Only reels the
    /// catalogue offers without a problem can be chosen; taking one out always
    /// works.
    pub fn change_selection(
        &self,
        user_id: i64,
        change: &SelectionChange,
        catalogue: &Catalogue,
    ) -> Result<GridSelection> {
        self.update_selection(user_id, |selection| apply(selection, change, catalogue))
    }

    /// Empties the user's selection (no catalogue needed: nothing is chosen).
    pub fn clear_selection(&self, user_id: i64) -> Result<()> {
        self.update_selection(user_id, |selection| *selection = GridSelection::default())
            .map(drop)
    }

    fn update_selection(
        &self,
        user_id: i64,
        change: impl FnOnce(&mut GridSelection),
    ) -> Result<GridSelection> {
        let mut store = self.store()?;
        let err = store.err_fn();
        // Immediate: a deferred transaction that reads, then writes after a
        // run has committed, fails at once (a stale snapshot) instead of waiting
        // its turn behind the run.
        let tx = store
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        let mut selection = read(&tx, user_id).map_err(&err)?;
        change(&mut selection);
        write(&tx, user_id, &selection).map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(selection)
    }
}

fn apply(selection: &mut GridSelection, change: &SelectionChange, catalogue: &Catalogue) {
    match change {
        SelectionChange::Set { shown, checked } => {
            for reel in shown {
                let chosen = checked.contains(reel) && catalogue.is_selectable(reel);
                // With "all matching", the reels kept are those taken out of it.
                let keep = chosen != selection.matching.is_some();
                if keep {
                    selection.reels.insert(reel.clone());
                } else {
                    selection.reels.remove(reel);
                }
            }
        }
        SelectionChange::AllMatching(filter) => {
            *selection = GridSelection {
                matching: Some(filter.clone()),
                reels: Default::default(),
            };
        }
        SelectionChange::Clear => *selection = GridSelection::default(),
    }
}

fn read(conn: &rusqlite::Connection, user_id: i64) -> rusqlite::Result<GridSelection> {
    let row = conn
        .prepare_cached("SELECT matching, reels FROM import_selections WHERE user_id = ?1")?
        .query_row([user_id], |row| {
            Ok((row.get::<_, Option<String>>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?;
    let Some((matching, reels)) = row else {
        return Ok(GridSelection::default());
    };
    let json = |column, e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    };
    Ok(GridSelection {
        matching: matching
            .map(|m| serde_json::from_str(&m).map_err(|e| json(0, e)))
            .transpose()?,
        reels: serde_json::from_str(&reels).map_err(|e| json(1, e))?,
    })
}

fn write(
    conn: &rusqlite::Connection,
    user_id: i64,
    selection: &GridSelection,
) -> rusqlite::Result<()> {
    let json = |e| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    let matching = selection
        .matching
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(json)?;
    let reels = serde_json::to_string(&selection.reels).map_err(json)?;
    conn.prepare_cached(
        "INSERT INTO import_selections (user_id, matching, reels, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET
             matching = excluded.matching, reels = excluded.reels, updated_at = excluded.updated_at",
    )?
    .execute(params![user_id, matching, reels, Utc::now()])
    .map(drop)
}
