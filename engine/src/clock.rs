//! The warehouse's clock. The warehouse app (a Django app) writes its dates as naive
//! local times of the mill, in its own time zone, which need not be the host's: a Pi
//! left on UTC would otherwise put every date reelsync writes 3 h 30 min behind
//! the ones the app writes in Tehran.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// The spelling that stands for the host's own zone.
pub const HOST: &str = "host";

/// The time zone the warehouse's dates are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WarehouseZone {
    /// The host's zone (the default).
    #[default]
    Host,
    /// A zone of the IANA database, such as `Asia/Tehran`.
    Named(Tz),
}

impl WarehouseZone {
    /// The zone the settings name for the warehouse.
    pub fn of(settings: &crate::SyncSettings) -> Result<Self> {
        Self::parse(settings.warehouse_time_zone.as_deref())
    }

    /// Reads a stored or typed zone: `None`, empty or `host` mean the host's, other
    /// text must be an IANA zone name.
    pub fn parse(name: Option<&str>) -> Result<Self> {
        match name.map(str::trim) {
            None | Some("") | Some(HOST) => Ok(Self::Host),
            Some(name) => name.parse::<Tz>().map(Self::Named).map_err(|_| {
                Error::Refused(crate::Refusal::UnknownTimeZone {
                    name: name.to_owned(),
                })
            }),
        }
    }

    /// The stored spelling: `None` for the host's zone.
    pub fn stored(self) -> Option<String> {
        match self {
            Self::Host => None,
            Self::Named(tz) => Some(tz.name().to_owned()),
        }
    }

    /// When `day` begins in the mill's time, as an instant. A day whose
    /// midnight a clock change skips begins when the clock shows it again.
    pub fn start_of(self, day: chrono::NaiveDate) -> DateTime<Utc> {
        fn start<Z: chrono::TimeZone>(zone: &Z, day: chrono::NaiveDate) -> DateTime<Utc> {
            let midnight = day.and_time(chrono::NaiveTime::MIN);
            (0..=3)
                .find_map(|hours| {
                    zone.from_local_datetime(&(midnight + chrono::Duration::hours(hours)))
                        .earliest()
                })
                .map(|at| at.with_timezone(&Utc))
                .unwrap_or_else(|| midnight.and_utc())
        }
        match self {
            Self::Host => start(&chrono::Local, day),
            Self::Named(tz) => start(&tz, day),
        }
    }

    /// `at` as the warehouse's naive local time.
    pub fn local(self, at: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Self::Host => at.with_timezone(&chrono::Local).naive_local(),
            Self::Named(tz) => at.with_timezone(&tz).naive_local(),
        }
    }
}

impl fmt::Display for WarehouseZone {
    /// `Asia/Tehran`, or `host (Etc/UTC)` with the host's zone as the system names it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(tz) => f.write_str(tz.name()),
            Self::Host => match iana_time_zone::get_timezone() {
                Ok(name) => write!(f, "{HOST} ({name})"),
                Err(_) => f.write_str(HOST),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_day_begins_at_the_mills_midnight() {
        let zone = WarehouseZone::parse(Some("Asia/Tehran")).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            zone.start_of(day),
            Utc.with_ymd_and_hms(2026, 11, 30, 20, 30, 0).unwrap()
        );
        // Havana skips from midnight to 1:00 when summer time starts.
        let havana = WarehouseZone::parse(Some("America/Havana")).unwrap();
        let skipped = chrono::NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(
            havana.local(havana.start_of(skipped)).to_string(),
            "2026-03-08 01:00:00"
        );
    }

    #[test]
    fn a_named_zone_gives_its_wall_clock() {
        let zone = WarehouseZone::parse(Some("Asia/Tehran")).unwrap();
        let noon_utc = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        // Iran keeps +03:30 all year since 2022.
        assert_eq!(
            zone.local(noon_utc).to_string(),
            "2026-12-01 15:30:00",
            "{zone}"
        );
        assert_eq!(zone.stored().as_deref(), Some("Asia/Tehran"));
    }

    #[test]
    fn host_and_blank_mean_the_hosts_zone_and_typos_are_refused() {
        assert_eq!(WarehouseZone::parse(None).unwrap(), WarehouseZone::Host);
        assert_eq!(
            WarehouseZone::parse(Some(" host ")).unwrap(),
            WarehouseZone::Host
        );
        assert_eq!(WarehouseZone::Host.stored(), None);
        let err = WarehouseZone::parse(Some("Asia/Teheran")).unwrap_err();
        assert!(err.to_string().contains("Asia/Teheran"), "{err}");
    }
}
