//! One reel's page: the office's record beside the warehouse's row now (and the
//! forklift's copies), then its history, newest first. Reads only: short read
//! transactions on both files, found by the reel number (the index each has).

use crate::error::Result;
use crate::mapping::FieldValue;
use crate::plan::LinkState;
use crate::scan::open_checked;
use crate::store::{self, Store};
use crate::warehouse::{Cell, Reader};
use crate::{
    CopyRecord, Engine, Error, OfficeRecord, ProductField, ReelChange, ReelEvent, ReelPage,
    WarehouseRecord,
};

impl Engine {
    /// The page of the reel `reel_number`. A warehouse file that can't be read
    /// leaves the office's side and the history, and says why; a reel neither
    /// side nor any run knows is [`Error::NotFound`].
    pub fn reel_page(&self, reel_number: &str) -> Result<ReelPage> {
        let store = self.read_store()?;
        let err = store.err_fn();
        let office = office_record(&store, reel_number)?;
        let mut history: Vec<ReelEvent> = store::items_of_reel(&store.conn, reel_number)
            .map_err(&err)?
            .into_iter()
            .map(|item| ReelEvent {
                at: item.at,
                who: item.who,
                what: ReelChange::Run {
                    run_id: item.run_id,
                    kind: item.kind,
                    action: item.action,
                    reason: item.reason,
                },
            })
            .collect();
        let set = store::status_changes_of(&store.conn, reel_number).map_err(&err)?;
        history.extend(set.into_iter().map(|change| ReelEvent {
            at: change.at,
            who: change.who,
            what: ReelChange::OfficeStatus {
                from: change.from,
                to: change.to,
            },
        }));
        let conflicts = store::conflicts_of_reel(&store.conn, reel_number).map_err(&err)?;
        history.extend(conflicts.iter().filter_map(|conflict| {
            let resolved = conflict.resolved.as_ref()?;
            Some(ReelEvent {
                at: resolved.at,
                who: resolved.by.clone(),
                what: ReelChange::ConflictEnded {
                    conflict_id: conflict.id,
                    how: resolved.how,
                    run_id: resolved.run_id,
                },
            })
        }));
        // Newest first; a run's item and the change it followed keep their order.
        history.sort_by_key(|event| std::cmp::Reverse(event.at));
        let (warehouse, warehouse_problem) = match self.warehouse_record(&store, reel_number) {
            Ok(record) => (record, None),
            Err(Error::Warehouse(e)) => (None, Some(e.problem())),
            Err(e) => return Err(e),
        };
        if office.is_none() && warehouse.is_none() && history.is_empty() {
            return Err(Error::NotFound {
                what: "reel",
                key: reel_number.to_owned(),
            });
        }
        Ok(ReelPage {
            reel_number: reel_number.to_owned(),
            office,
            warehouse,
            warehouse_problem,
            history,
            conflicts,
        })
    }

    /// The warehouse's row carrying `reel_number` and its forklift copies.
    fn warehouse_record(
        &self,
        store: &Store,
        reel_number: &str,
    ) -> Result<Option<WarehouseRecord>> {
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let key = Cell::Text(reel_number.to_owned());
        let Some(cells) = reader.cells_where(mapper.columns(), mapper.reel_column_name(), &key)?
        else {
            return Ok(None);
        };
        let mut raw = mapper.raw_texts(&cells);
        let values: Vec<(ProductField, Option<String>)> = ProductField::ALL
            .iter()
            .filter_map(|field| Some((*field, raw.remove(field.as_str())?)))
            .collect();
        let location = values
            .iter()
            .find(|(field, _)| *field == ProductField::Location)
            .and_then(|(_, value)| value.clone());
        Ok(Some(WarehouseRecord {
            copies: copies_of(&reader, reel_number, location.as_deref())?,
            values,
        }))
    }
}

/// The office's record of `reel_number`, if reelsync tracks it.
fn office_record(store: &Store, reel_number: &str) -> Result<Option<OfficeRecord>> {
    let err = store.err_fn();
    let tracked = store::tracked_by_reels(&store.conn, [reel_number]).map_err(&err)?;
    let Some(t) = tracked.get(reel_number) else {
        return Ok(None);
    };
    let fields = store::product_values(&store.conn, t.product_id)
        .map_err(&err)?
        .unwrap_or_default();
    let values = ProductField::ALL
        .iter()
        .zip(fields)
        .map(|(field, value)| (*field, value.as_ref().map(FieldValue::to_text)))
        .collect();
    Ok(Some(OfficeRecord {
        status: t.office,
        base: t.base,
        missing: t.state == LinkState::Missing,
        values,
    }))
}

/// The `Anbar_` rows carrying `reel_number`: those of the table its `location`
/// names when that table has any (where the forklift keeps the reel now), else
/// those of every table. The tables have no index on the reel number, so each
/// table looked at is read whole: one, not ten, on most reels' pages.
fn copies_of(
    reader: &Reader,
    reel_number: &str,
    location: Option<&str>,
) -> Result<Vec<CopyRecord>> {
    let text = |cell: &Cell| (*cell != Cell::Null).then(|| crate::mapping::display_value(cell));
    let record = |row: crate::warehouse::CopyRow| CopyRecord {
        status: text(&row.status),
        last_date: text(&row.last_date),
        table: row.table,
    };
    let tables = reader.copy_tables()?;
    if let Some(home) = tables.iter().find(|t| Some(t.name.as_str()) == location) {
        let rows = reader.copies_of_reel(home, reel_number)?;
        if !rows.is_empty() {
            return Ok(rows.into_iter().map(record).collect());
        }
    }
    let mut copies = Vec::new();
    for table in &tables {
        copies.extend(
            reader
                .copies_of_reel(table, reel_number)?
                .into_iter()
                .map(record),
        );
    }
    Ok(copies)
}
