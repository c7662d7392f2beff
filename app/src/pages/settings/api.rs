//! The settings' server functions and what they send.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// The settings as the page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub settings: model::SyncSettings,
    /// When the schedule runs next (only while automatic sync is on).
    pub next_run: Option<Moment>,
    /// When these were read: "in 10 min" counts from here.
    pub read_at: Moment,
    /// Where the warehouse file's path comes from.
    pub warehouse: WarehouseSource,
}

/// Where the warehouse file's path is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WarehouseSource {
    /// The server's command line (or its environment) names it; the settings
    /// can't override it. Only the file's name is sent.
    CommandLine { file: String },
    /// The settings hold it (empty when none is saved yet).
    Settings { path: String },
}

/// The stored settings. Requires a super admin session.
#[server(endpoint = "settings")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::ssr::{AdminUser, moment, strip_paths};

    let admin = AdminUser::check().await?;
    admin
        .work(|engine, _user| {
            let settings = engine.settings()?;
            let zone = engine::WarehouseZone::of(&settings)?;
            let warehouse = match &engine.config().external {
                Some(path) => WarehouseSource::CommandLine {
                    file: strip_paths(&path.display().to_string()),
                },
                None => WarehouseSource::Settings {
                    path: settings.external_path.clone().unwrap_or_default(),
                },
            };
            Ok(SettingsView {
                warehouse,
                next_run: settings
                    .next_run_at
                    .filter(|_| settings.auto_sync)
                    .map(|at| moment(zone, at)),
                read_at: moment(zone, chrono::Utc::now()),
                settings,
            })
        })
        .await
}

/// Saves the schedule, the import policy and the warehouse file's path, as the
/// settings form sends them (an unticked checkbox sends nothing; the path only
/// when the command line does not set it). Every value is checked before
/// anything is saved — a new path only if it opens as a warehouse file; the
/// change is logged in the activity log with who made it.
#[server(endpoint = "save-settings")]
pub async fn save_settings(
    auto_sync: Option<String>,
    interval_minutes: String,
    auto_import: String,
    snapshot_retention: String,
    warehouse_path: Option<String>,
    mirror_anbar: Option<String>,
    activity_days: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let update = model::SettingsUpdate {
        mirror_anbar: Some(mirror_anbar.is_some()),
        activity_retention_days: activity_days.as_deref().map(retention_days).transpose()?,
        ..settings_update(
            auto_sync.is_some(),
            &interval_minutes,
            &auto_import,
            &snapshot_retention,
        )?
    };
    let path = warehouse_path
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    let by = admin.actor();
    admin
        .work(move |engine, user| {
            let mut update = update;
            // A new path is saved only once it has opened as a warehouse file.
            if let Some(path) = path.filter(|_| engine.config().external.is_none())
                && engine.settings()?.external_path.as_deref() != Some(path.as_str())
            {
                engine.check_file(std::path::Path::new(&path))?;
                update.external_path = Some(Some(path));
            }
            engine.update_settings(&update, &by)?;
            tracing::info!(user = ?user.username, ?update, "settings saved");
            Ok(())
        })
        .await
}

/// The change the settings form asks for, or the first value it got wrong (in
/// the order of the form).
#[cfg(feature = "ssr")]
fn settings_update(
    auto_sync: bool,
    interval_minutes: &str,
    auto_import: &str,
    snapshot_retention: &str,
) -> Result<model::SettingsUpdate, AppError> {
    use model::{AutoImport, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, SettingsUpdate};

    use crate::fmt::parse_number;

    let in_range = |text: &str, min: u32, max: u32| {
        parse_number(text)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (min..=max).contains(n))
    };
    let interval = in_range(interval_minutes, MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES).ok_or(
        AppError::IntervalOutOfRange {
            min: MIN_INTERVAL_MINUTES,
            max: MAX_INTERVAL_MINUTES,
        },
    )?;
    let retention = in_range(snapshot_retention, 1, 1_000)
        .ok_or(AppError::RetentionOutOfRange { min: 1, max: 1_000 })?;
    let policy = AutoImport::parse(auto_import).map_err(|_| AppError::Unreadable)?;
    Ok(SettingsUpdate {
        auto_sync: Some(auto_sync),
        interval_minutes: Some(interval),
        auto_import: Some(policy),
        snapshot_retention: Some(retention),
        ..SettingsUpdate::default()
    })
}

/// The activity log's retention as the form spells it: a number of days, or
/// nothing for good. The engine checks the range.
#[cfg(feature = "ssr")]
fn retention_days(text: &str) -> Result<Option<u32>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    crate::fmt::parse_number(text)
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or(AppError::Refused(
            model::Refusal::ActivityRetentionOutOfRange {
                days: 0,
                min: *model::settings::ACTIVITY_RETENTION_DAYS.start(),
                max: *model::settings::ACTIVITY_RETENTION_DAYS.end(),
            },
        ))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_before_anything_is_saved() {
        let update = settings_update(true, " ۶۰ ", "all", "5").unwrap();
        assert_eq!(
            update.interval_minutes,
            Some(60),
            "Persian digits are numbers"
        );
        assert_eq!(update.auto_sync, Some(true));
        for bad in ["0", "10081", "-5", "1.5", "sixty", ""] {
            assert!(
                matches!(
                    settings_update(false, bad, "off", "5"),
                    Err(AppError::IntervalOutOfRange {
                        min: 1,
                        max: 10_080
                    })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            settings_update(false, "60", "off", "0"),
            Err(AppError::RetentionOutOfRange { .. })
        ));
        assert_eq!(
            settings_update(false, "60", "some", "5").unwrap_err(),
            AppError::Unreadable
        );
    }
}
