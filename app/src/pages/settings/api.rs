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
}

/// The stored settings. Requires a super admin session.
#[server(endpoint = "settings")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::ssr::{as_admin, moment};

    as_admin(|engine, _user| {
        let settings = engine.settings()?;
        let zone = engine::WarehouseZone::of(&settings)?;
        Ok(SettingsView {
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

/// Saves the schedule and the import policy, as the settings form sends them (an
/// unticked checkbox sends nothing). Every value is checked before anything is
/// saved; the change is logged in the activity log with who made it.
#[server(endpoint = "save-settings")]
pub async fn save_settings(
    auto_sync: Option<String>,
    interval_minutes: String,
    auto_import: String,
    snapshot_retention: String,
) -> Result<(), AppError> {
    use crate::ssr::{blocking, require_admin, respond};

    respond(async move {
        let (engine, user) = require_admin().await?;
        let update = settings_update(
            auto_sync.is_some(),
            &interval_minutes,
            &auto_import,
            &snapshot_retention,
        )?;
        blocking(&engine, move |engine| {
            engine.update_settings(&update, &user.username)?;
            tracing::info!(user = %user.username, ?update, "settings saved");
            Ok(())
        })
        .await
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
