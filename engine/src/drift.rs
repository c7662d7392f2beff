//! The drift report: every tracked reel compared with the warehouse by its reel
//! number, read-only (short read transactions on both files; nothing created).

use std::collections::{HashMap, HashSet};

use crate::error::Result;
use crate::mapping::{Mapper, display_value};
use crate::plan::{self, Tracked};
use crate::scan::open_checked;
use crate::store::{self, Store};
use crate::warehouse::{Cell, ExternalRow, Reader};
use crate::{Drift, DriftKind, DriftReport, Engine};

impl Engine {
    /// Compares every tracked reel with the warehouse row carrying its number:
    /// one [`Drift`] per reel that differs (see [`DriftKind`] for which is told
    /// when several apply), nothing synced, nothing written anywhere.
    pub fn drift(&self) -> Result<DriftReport> {
        let store = self.read_store()?;
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let err = store.err_fn();
        let mut report = DriftReport::default();
        let mut seen = HashSet::new();
        // The raw status of each reel in step so far, for the forklift's copies.
        let mut in_step: HashMap<String, String> = HashMap::new();
        let known = store::known_numbers(&store.conn).map_err(&err)?;
        for page in reader.pages(mapper.columns(), None) {
            let rows = page?;
            let reels: Vec<Option<String>> =
                rows.iter().map(|r| mapper.reel_of(&r.values)).collect();
            let maybe_tracked = reels
                .iter()
                .flatten()
                .map(String::as_str)
                .filter(|reel| known.may_hold(reel));
            let tracked = store::tracked_by_reels(&store.conn, maybe_tracked).map_err(&err)?;
            for (row, reel) in rows.iter().zip(&reels) {
                let Some(t) = reel.as_ref().and_then(|r| tracked.get(r)) else {
                    continue;
                };
                if !seen.insert(t.product_id) {
                    continue;
                }
                report.checked += 1;
                match compare(&store, &mapper, row, t)? {
                    Some(drift) => report.push(drift),
                    None => {
                        if let Cell::Text(raw) = mapper.raw_reel(&row.values) {
                            let status = display_value(mapper.raw_status(&row.values));
                            in_step.insert(raw.clone(), status);
                        }
                    }
                }
            }
        }
        let unseen: Vec<i64> = store::tracked_ids(&store.conn)
            .map_err(&err)?
            .into_iter()
            .filter(|id| !seen.contains(id))
            .collect();
        for t in store::tracked_by_ids(&store.conn, &unseen).map_err(&err)? {
            report.checked += 1;
            report.push(Drift {
                reel_number: t.reel_number,
                kind: DriftKind::Missing,
                office: Some(t.office.as_str().to_owned()),
                warehouse: None,
            });
        }
        for drift in copies_apart(&reader, &in_step)? {
            report.push(drift);
        }
        Ok(report)
    }
}

/// How `t` differs from its warehouse `row`, if it does.
fn compare(
    store: &Store,
    mapper: &Mapper,
    row: &ExternalRow,
    t: &Tracked,
) -> Result<Option<Drift>> {
    let drift = |kind, office: Option<String>, warehouse: Option<String>| {
        Some(Drift {
            reel_number: t.reel_number.clone(),
            kind,
            office,
            warehouse,
        })
    };
    let born = mapper.born_of(&row.values);
    if plan::born_apart(born.as_deref(), t.born.as_deref()) {
        return Ok(drift(DriftKind::Identity, t.born.clone(), born));
    }
    let office = Some(t.office.as_str().to_owned());
    match mapper.status_of(&row.values) {
        None => {
            let raw = display_value(mapper.raw_status(&row.values));
            return Ok(drift(DriftKind::Status, office, Some(raw)));
        }
        Some(warehouse) if warehouse != t.office && warehouse != t.base => {
            return Ok(drift(
                DriftKind::Status,
                office,
                Some(warehouse.as_str().to_owned()),
            ));
        }
        Some(warehouse) if warehouse != t.office => {
            return Ok(drift(
                DriftKind::Unexported,
                office,
                Some(warehouse.as_str().to_owned()),
            ));
        }
        Some(_) => {}
    }
    if mapper.source_hash(&row.values) == t.field_hash {
        return Ok(None);
    }
    let (office, warehouse) = match mapper.map(&row.values) {
        Ok(mapped) => {
            let current =
                store::product_values(&store.conn, t.product_id).map_err(store.err_fn())?;
            let changes = current.map_or_else(Vec::new, |c| plan::diff(&c, &mapped));
            // A new hash alone (the mappings changed) is no difference anyone sees.
            if changes.is_empty() {
                return Ok(None);
            }
            let side = |value: fn(&crate::Change) -> Option<&String>| {
                changes
                    .iter()
                    .map(|c| format!("{}={}", c.field, value(c).map_or("", String::as_str)))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            (
                Some(side(|c| c.old.as_ref())),
                Some(side(|c| c.new.as_ref())),
            )
        }
        Err(_) => (None, Some("does not map".to_owned())),
    };
    Ok(drift(DriftKind::Fields, office, warehouse))
}

/// The reels in step in `Products` (`in_step`: raw reel number → raw status)
/// whose forklift copies all hold another status: rows in the `Anbar_` tables
/// carry their number, and none holds what `Products` holds.
fn copies_apart(reader: &Reader, in_step: &HashMap<String, String>) -> Result<Vec<Drift>> {
    let mut copies: HashMap<&str, (bool, Vec<String>)> = HashMap::new();
    for table in reader.copy_tables()? {
        reader.each_copy(&table, |copy| {
            let (Cell::Text(reel), status) = (copy.reel, copy.status) else {
                return;
            };
            let Some((key, products)) = in_step.get_key_value(&reel) else {
                return;
            };
            let status = display_value(&status);
            let entry = copies.entry(key.as_str()).or_default();
            entry.0 |= status == *products;
            entry.1.push(format!("{}: {status}", table.name));
        })?;
    }
    let mut apart: Vec<Drift> = copies
        .into_iter()
        .filter(|(_, (agrees, _))| !agrees)
        .map(|(reel, (_, statuses))| Drift {
            reel_number: reel.to_owned(),
            kind: DriftKind::Copy,
            office: in_step.get(reel).cloned(),
            warehouse: Some(statuses.join("; ")),
        })
        .collect();
    apart.sort_by(|a, b| a.reel_number.cmp(&b.reel_number));
    Ok(apart)
}
