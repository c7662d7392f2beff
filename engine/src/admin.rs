//! Changes an admin makes: settings, field mappings and office statuses.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::mapping::{self, FieldMapping, ProductField, Transform};
use crate::settings::{SettingsUpdate, SyncSettings, validate_interval};
use crate::status::ReelStatus;
use crate::store;
use crate::{Actor, Engine, WarehouseZone};
use crate::{MappingDraft, Refusal, RefusedReel, StatusChange, WarehouseColumn};

/// A change to one field's mapping; `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingUpdate {
    pub column: Option<String>,
    pub transforms: Option<Vec<Transform>>,
    pub active: Option<bool>,
}

impl Engine {
    /// The sync settings.
    pub fn settings(&self) -> Result<SyncSettings> {
        let store = self.read_store()?;
        store::settings(&store.conn).map_err(|e| store.err(e))
    }

    /// Changes the settings, validating every value first; logged as `by`.
    pub fn update_settings(&self, update: &SettingsUpdate, by: &Actor) -> Result<SyncSettings> {
        let mut store = self.store()?;
        let err = store.err_fn();
        let tx = store.conn.transaction().map_err(&err)?;
        let mut settings = store::settings(&tx).map_err(&err)?;
        if let Some(minutes) = update.interval_minutes {
            settings.interval_minutes = validate_interval(minutes)?;
        }
        if let Some(auto) = update.auto_sync {
            settings.auto_sync = auto;
        }
        if let Some(policy) = update.auto_import {
            settings.auto_import = policy;
        }
        if let Some(path) = &update.external_path {
            settings.external_path = path
                .as_ref()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty());
        }
        if let Some(keep) = update.snapshot_retention {
            if !(1..=1000).contains(&keep) {
                return Err(crate::Refusal::RetentionOutOfRange {
                    keep,
                    min: 1,
                    max: 1000,
                }
                .into());
            }
            settings.snapshot_retention = keep;
        }
        if let Some(zone) = &update.warehouse_time_zone {
            settings.warehouse_time_zone = WarehouseZone::parse(zone.as_deref())?.stored();
        }
        if let Some(mirror) = update.mirror_anbar {
            settings.mirror_anbar = mirror;
        }
        if let Some(days) = update.activity_retention_days {
            let range = crate::settings::ACTIVITY_RETENTION_DAYS;
            if let Some(days) = days.filter(|d| !range.contains(d)) {
                return Err(crate::Refusal::ActivityRetentionOutOfRange {
                    days,
                    min: *range.start(),
                    max: *range.end(),
                }
                .into());
            }
            settings.activity_retention_days = days;
        }
        settings.reschedule(Utc::now());
        let detail = serde_json::to_string(update).ok();
        store::save_settings(&tx, &settings)
            .and_then(|()| {
                store::log_activity(
                    &tx,
                    by,
                    "settings.update",
                    "sync settings",
                    detail.as_deref(),
                )
            })
            .and_then(|()| tx.commit())
            .map_err(&err)?;
        drop(store);
        self.settings()
    }

    /// The field mappings, in field order.
    pub fn mappings(&self) -> Result<Vec<FieldMapping>> {
        let store = self.read_store()?;
        store::mappings(&store.conn).map_err(|e| store.err(e))
    }

    /// Changes one field's mapping. The new set is checked against the warehouse
    /// file's columns; a mapping naming a column the file lacks is refused.
    pub fn set_mapping(
        &self,
        field: ProductField,
        update: &MappingUpdate,
        by: &Actor,
    ) -> Result<FieldMapping> {
        let (mappings, index) = with_update(self.mappings()?, field, update);
        self.save_mappings(&mappings, by, "mapping.set", field.as_str())?;
        Ok(mappings[index].clone())
    }

    /// What the mappings with one field's change would make of the warehouse's
    /// rows now ([`Engine::try_mappings`]); nothing is saved.
    pub fn try_mapping(
        &self,
        field: ProductField,
        update: &MappingUpdate,
    ) -> Result<crate::DraftPreview> {
        let (draft, _) = with_update(self.mappings()?, field, update);
        self.try_mappings(&draft)
    }

    /// The mappings as a form's drafts, in field order.
    pub fn mapping_drafts(&self) -> Result<Vec<MappingDraft>> {
        Ok(self
            .mappings()?
            .iter()
            .map(FieldMapping::to_draft)
            .collect())
    }

    /// Replaces every mapping with those a form's `drafts` describe, at once;
    /// refused, with nothing saved, at the first problem
    /// ([`Engine::try_draft`] lists them all).
    pub fn save_drafts(&self, drafts: &[MappingDraft], by: &Actor) -> Result<Vec<FieldMapping>> {
        let mappings =
            mapping::read_drafts(drafts).map_err(|mut refused| refused.remove(0).refusal)?;
        self.save_mappings(&mappings, by, "mappings.save", "")?;
        Ok(mappings)
    }

    /// The columns of the warehouse's `Products` table now, with their
    /// declared types.
    pub fn warehouse_columns(&self) -> Result<Vec<WarehouseColumn>> {
        let settings = self.settings()?;
        let reader = self.warehouse_with(&settings)?.open_read()?;
        Ok(reader
            .product_column_types()?
            .into_iter()
            .map(|(name, declared)| WarehouseColumn { name, declared })
            .collect())
    }

    /// The names of the warehouse's `Products` columns now.
    pub(crate) fn warehouse_column_names(&self) -> Result<Vec<String>> {
        let settings = self.settings()?;
        let reader = self.warehouse_with(&settings)?.open_read()?;
        Ok(reader.product_columns()?)
    }

    /// Puts every mapping back to its default.
    pub fn reset_mappings(&self, by: &Actor) -> Result<Vec<FieldMapping>> {
        let defaults = mapping::default_mappings();
        self.save_mappings(&defaults, by, "mappings.reset", "")?;
        Ok(defaults)
    }

    /// Saves `mappings` in place of the set, once checked against the
    /// warehouse's columns; logged as `action` of `subject` (the field
    /// changed, if one) with the set before and after.
    fn save_mappings(
        &self,
        mappings: &[FieldMapping],
        by: &Actor,
        action: &str,
        subject: &str,
    ) -> Result<()> {
        mapping::validate(mappings, &self.warehouse_column_names()?)?;
        let mut store = self.store()?;
        let err = store.err_fn();
        let tx = store.conn.transaction().map_err(&err)?;
        let before = store::mappings(&tx).map_err(&err)?;
        let detail = serde_json::to_string(&serde_json::json!({
            "before": before,
            "after": mappings,
        }))
        .ok();
        store::replace_mappings(&tx, mappings)
            .and_then(|()| store::log_activity(&tx, by, action, subject, detail.as_deref()))
            .and_then(|()| tx.commit())
            .map_err(&err)
    }

    /// Sets the office status of reels (a sale, a delivery or a cancellation), in
    /// one transaction, each change logged in the activity log. The next sync
    /// carries it to the warehouse. A reel the office's rules keep as it is
    /// ([`ReelStatus::office_may_set`]) is left alone and listed with why; the
    /// others change.
    pub fn set_product_status(
        &self,
        reels: &[String],
        status: ReelStatus,
        by: &Actor,
    ) -> Result<StatusChange> {
        let named = named_reels(reels)?;
        let mut store = self.store()?;
        let err = store.err_fn();
        let tx = store.conn.transaction().map_err(&err)?;
        let (result, changes) = office_changes(&tx, &named, status).map_err(&err)?;
        let now = Utc::now();
        {
            let mut update = tx
                .prepare("UPDATE products SET status = ?1, status_changed_at = ?2, updated_at = ?2 WHERE id = ?3")
                .map_err(&err)?;
            for (id, reel, old) in changes {
                update
                    .execute(params![status.as_str(), now, id])
                    .map_err(&err)?;
                store::log_status_set(&tx, by, &reel, &old, status.as_str()).map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(result)
    }

    /// What [`Engine::set_product_status`] would do now, changing nothing: for a
    /// confirmation that says which reels change and which the rules keep.
    pub fn preview_product_status(
        &self,
        reels: &[String],
        status: ReelStatus,
    ) -> Result<StatusChange> {
        let named = named_reels(reels)?;
        let store = self.read_store()?;
        office_changes(&store.conn, &named, status)
            .map(|(result, _)| result)
            .map_err(|e| store.err(e))
    }
}

/// A product to change: its id, reel number and status now.
type OfficeChange = (i64, String, String);

/// The reel numbers a status change names, trimmed, blanks dropped; none at
/// all is refused.
fn named_reels(reels: &[String]) -> Result<Vec<&str>> {
    let named: Vec<&str> = reels
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if named.is_empty() {
        return Err(Refusal::NoReels.into());
    }
    Ok(named)
}

/// Sorts the reels `named` into those that change to `status` (returned with
/// their ids), those already at it, those the office's rules keep, and those not
/// tracked; a reel named twice counts once.
fn office_changes(
    conn: &rusqlite::Connection,
    named: &[&str],
    status: ReelStatus,
) -> rusqlite::Result<(StatusChange, Vec<OfficeChange>)> {
    let mut lookup =
        conn.prepare_cached("SELECT id, status FROM products WHERE reel_number = ?1")?;
    let mut result = StatusChange::default();
    let mut changes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for reel in named.iter().copied().filter(|r| seen.insert(*r)) {
        let found: Option<(i64, String)> = lookup
            .query_row([reel], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((id, old)) = found else {
            result.not_found.push(reel.to_owned());
            continue;
        };
        let now = ReelStatus::from_canonical(&old).unwrap_or(ReelStatus::InStock);
        if now == status {
            result.unchanged.push(reel.to_owned());
        } else if let Err(refusal) = now.office_may_set(status) {
            result.refused.push(RefusedReel {
                reel_number: reel.to_owned(),
                refusal,
            });
        } else {
            result.changed.push(reel.to_owned());
            changes.push((id, reel.to_owned(), old));
        }
    }
    Ok((result, changes))
}

/// `mappings` with `update` made to `field`'s mapping (added from its default
/// column when it has none), and where that mapping is.
fn with_update(
    mut mappings: Vec<FieldMapping>,
    field: ProductField,
    update: &MappingUpdate,
) -> (Vec<FieldMapping>, usize) {
    let index = match mappings.iter().position(|m| m.field == field) {
        Some(i) => i,
        None => {
            mappings.push(FieldMapping::identity(field));
            mappings.len() - 1
        }
    };
    let mapping = &mut mappings[index];
    if let Some(column) = &update.column {
        mapping.column = column.trim().to_owned();
    }
    if let Some(transforms) = &update.transforms {
        mapping.transforms = transforms.clone();
    }
    if let Some(active) = update.active {
        mapping.active = active;
    }
    (mappings, index)
}
