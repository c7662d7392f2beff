//! Sync settings: the schedule and the auto-import policy.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::Refusal;

/// Shortest allowed interval between automatic syncs, in minutes.
pub const MIN_INTERVAL_MINUTES: u32 = 1;
/// Longest allowed interval between automatic syncs (one week), in minutes.
pub const MAX_INTERVAL_MINUTES: u32 = 10_080;
/// Interval a new store starts with (one day), in minutes.
pub const DEFAULT_INTERVAL_MINUTES: u32 = 1_440;

/// What a full sync does with reels that are importable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoImport {
    /// New reels wait for the admin (the default).
    #[default]
    Off,
    /// Every importable reel is imported by each full sync.
    All,
}

impl AutoImport {
    /// The spelling stored and accepted on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::All => "all",
        }
    }

    /// Parses `off` or `all`.
    pub fn parse(s: &str) -> Result<Self, Refusal> {
        match s.trim() {
            "off" => Ok(Self::Off),
            "all" => Ok(Self::All),
            other => Err(Refusal::UnknownAutoImport {
                value: other.to_owned(),
            }),
        }
    }
}

/// The stored sync settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSettings {
    /// Whether the schedule runs full syncs on its own.
    pub auto_sync: bool,
    /// Minutes between automatic syncs, within 1–10080.
    pub interval_minutes: u32,
    pub auto_import: AutoImport,
    /// The warehouse file to use when none is given on the command line.
    pub external_path: Option<String>,
    /// How many warehouse snapshots to keep.
    pub snapshot_retention: u32,
    /// The warehouse app's time zone, an IANA name; `None` for the host's. Every
    /// date reelsync writes to the warehouse is its local time there.
    pub warehouse_time_zone: Option<String>,
    /// When the last run that changed or could have changed anything started.
    pub last_run_at: Option<DateTime<Utc>>,
    /// When the schedule will next run a sync (`None` while auto-sync is off).
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether an exported sale or cancellation also reaches the forklift's copy
    /// of the reel (its row in the `Anbar_<location>` table).
    #[serde(default = "on")]
    pub mirror_anbar: bool,
    /// Why runs are refused and the schedule paused: the file at the warehouse
    /// path is not the warehouse reelsync has been syncing, until an admin
    /// accepts it (`None`: nothing held).
    #[serde(default)]
    pub warehouse_hold: Option<crate::WarehouseProblem>,
    /// How many days the activity log keeps its entries (`None`: for good).
    #[serde(default)]
    pub activity_retention_days: Option<u32>,
}

/// The fewest and the most days the activity log may be kept for.
pub const ACTIVITY_RETENTION_DAYS: std::ops::RangeInclusive<u32> = 7..=36_500;

fn on() -> bool {
    true
}

impl SyncSettings {
    /// Whether a scheduled sync is due at `now` (never while the warehouse file
    /// is held for an admin to accept).
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.auto_sync
            && self.warehouse_hold.is_none()
            && self.next_run_at.is_none_or(|next| next <= now)
    }

    /// When the next scheduled sync falls after a run that started at `started`.
    pub fn next_after(&self, started: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.auto_sync
            .then(|| started + Duration::minutes(i64::from(self.interval_minutes)))
    }
}

impl SyncSettings {
    /// Recomputes the next scheduled sync after a settings change at `now`: an
    /// interval after the last run, or right away when nothing has run yet (a
    /// store that was never synced should not wait a day for its first sync).
    pub fn reschedule(&mut self, now: DateTime<Utc>) {
        self.next_run_at = match self.last_run_at {
            Some(last) => self.next_after(last),
            None => self.auto_sync.then_some(now),
        };
    }
}

/// A change to the settings; `None` leaves a value as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsUpdate {
    pub auto_sync: Option<bool>,
    pub interval_minutes: Option<u32>,
    pub auto_import: Option<AutoImport>,
    /// `Some(None)` clears the stored path.
    pub external_path: Option<Option<String>>,
    pub snapshot_retention: Option<u32>,
    /// An IANA zone name; `Some(None)` (or `host`) for the host's zone.
    pub warehouse_time_zone: Option<Option<String>>,
    /// Whether exports also write the forklift's `Anbar_` copy.
    #[serde(default)]
    pub mirror_anbar: Option<bool>,
    /// Days the activity log keeps its entries; `Some(None)` keeps them for good.
    #[serde(default)]
    pub activity_retention_days: Option<Option<u32>>,
}

/// Refuses an interval outside 1–10080 minutes.
pub fn validate_interval(minutes: u32) -> Result<u32, Refusal> {
    if (MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(Refusal::IntervalOutOfRange {
            minutes,
            min: MIN_INTERVAL_MINUTES,
            max: MAX_INTERVAL_MINUTES,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(auto_sync: bool, next: Option<DateTime<Utc>>) -> SyncSettings {
        SyncSettings {
            auto_sync,
            interval_minutes: 60,
            auto_import: AutoImport::Off,
            external_path: None,
            snapshot_retention: 10,
            warehouse_time_zone: None,
            last_run_at: None,
            next_run_at: next,
            mirror_anbar: true,
            warehouse_hold: None,
            activity_retention_days: None,
        }
    }

    #[test]
    fn interval_bounds_are_inclusive() {
        assert!(validate_interval(0).is_err());
        assert_eq!(validate_interval(1).unwrap(), 1);
        assert_eq!(validate_interval(10_080).unwrap(), 10_080);
        assert!(validate_interval(10_081).is_err());
    }

    #[test]
    fn due_only_when_enabled_and_time_has_come() {
        let now = Utc::now();
        assert!(!settings(false, None).is_due(now));
        assert!(settings(true, None).is_due(now));
        assert!(settings(true, Some(now)).is_due(now));
        assert!(!settings(true, Some(now + Duration::seconds(1))).is_due(now));
        let held = SyncSettings {
            warehouse_hold: Some(crate::WarehouseProblem::NotConfigured),
            ..settings(true, None)
        };
        assert!(!held.is_due(now), "a held warehouse pauses the schedule");
    }

    #[test]
    fn next_run_follows_the_interval() {
        let now = Utc::now();
        assert_eq!(
            settings(true, None).next_after(now),
            Some(now + Duration::minutes(60))
        );
        assert_eq!(settings(false, None).next_after(now), None);
    }

    #[test]
    fn rescheduling_counts_from_the_last_run_or_starts_now() {
        let now = Utc::now();
        let mut never_ran = settings(true, None);
        never_ran.reschedule(now);
        assert_eq!(never_ran.next_run_at, Some(now));
        let mut ran = settings(true, None);
        ran.last_run_at = Some(now - Duration::minutes(10));
        ran.reschedule(now);
        assert_eq!(ran.next_run_at, Some(now + Duration::minutes(50)));
        let mut off = settings(false, Some(now));
        off.reschedule(now);
        assert_eq!(off.next_run_at, None);
    }

    #[test]
    fn auto_import_parses_its_spellings_only() {
        assert_eq!(AutoImport::parse("all").unwrap(), AutoImport::All);
        assert_eq!(AutoImport::parse("off").unwrap(), AutoImport::Off);
        assert!(AutoImport::parse("some").is_err());
    }
}
