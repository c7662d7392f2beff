//! The activity log as the admin's screen and its download read it: pages of
//! it newest first, every entry matching a filter up to a cap, and the
//! retention that drops old entries.

use chrono::{Duration, Utc};

use crate::error::Result;
use crate::store::{self, ActivityQuery};
use crate::{
    ActivityEntry, ActivityFilter, ActivityOutcome, ActivityPage, Actor, Engine, WarehouseZone,
};

/// Entries a page of the log holds.
pub const ACTIVITY_PAGE: u64 = 50;

impl Engine {
    /// A page of the entries `filter` lets through, newest first, starting
    /// after (older than) the entry `before` when given.
    pub fn activity(&self, filter: &ActivityFilter, before: Option<i64>) -> Result<ActivityPage> {
        let mut entries = Vec::new();
        self.visit_activity(filter, before, ACTIVITY_PAGE + 1, |entry| {
            entries.push(entry);
            true
        })?;
        let next = (entries.len() as u64 > ACTIVITY_PAGE).then(|| {
            entries.truncate(ACTIVITY_PAGE as usize);
            entries.last().map_or(0, |e| e.id)
        });
        Ok(ActivityPage { entries, next })
    }

    /// Calls `visit` with each entry `filter` lets through, newest first, up
    /// to `cap` of them; answers whether more matched than that (a download
    /// then says it was cut).
    pub fn export_activity(
        &self,
        filter: &ActivityFilter,
        cap: u64,
        mut visit: impl FnMut(ActivityEntry),
    ) -> Result<bool> {
        let mut seen = 0;
        self.visit_activity(filter, None, cap.saturating_add(1), |entry| {
            seen += 1;
            if seen > cap {
                return false;
            }
            visit(entry);
            true
        })?;
        Ok(seen > cap)
    }

    /// Logs what happened at an edge rather than in the engine (a sign-in, a
    /// sign-out, a refused request): `action` on `subject` by `by`, ended as
    /// `outcome`.
    pub fn log_activity(
        &self,
        by: &Actor,
        action: &str,
        subject: &str,
        detail: Option<&str>,
        outcome: ActivityOutcome,
    ) -> Result<()> {
        let store = self.store()?;
        let entry = store::NewEntry {
            by,
            action,
            subject,
            detail,
            outcome,
        };
        store::log_entry(&store.conn, &entry).map_err(|e| store.err(e))
    }

    /// Logs that `by` downloaded the entries `filter` lets through (`rows`
    /// of them, `cut` when the cap left some out).
    pub fn log_activity_export(
        &self,
        by: &Actor,
        filter: &ActivityFilter,
        rows: u64,
        cut: bool,
    ) -> Result<()> {
        let store = self.store()?;
        let detail = serde_json::json!({ "filter": filter, "rows": rows, "cut": cut }).to_string();
        store::log_activity(&store.conn, by, "activity.export", "", Some(&detail))
            .map_err(|e| store.err(e))
    }

    /// Drops the entries older than `days` days, logging that it did as
    /// `by` when it dropped any; how many.
    pub fn prune_activity(&self, days: u32, by: &Actor) -> Result<usize> {
        let store = self.store()?;
        let before = Utc::now() - Duration::days(i64::from(days));
        let dropped = store::prune_activity(&store.conn, before).map_err(|e| store.err(e))?;
        if dropped > 0 {
            let detail = format!("{dropped} older than {days} days");
            store::log_activity(&store.conn, by, "activity.prune", "", Some(&detail))
                .map_err(|e| store.err(e))?;
        }
        Ok(dropped)
    }

    /// Drops the entries older than the retention setting keeps, if it is
    /// set, logged as `by`; how many.
    pub fn apply_activity_retention(&self, by: &Actor) -> Result<usize> {
        match self.settings()?.activity_retention_days {
            Some(days) => self.prune_activity(days, by),
            None => Ok(0),
        }
    }

    /// Calls `visit` with up to `limit` entries `filter` lets through, older
    /// than `before`, newest first, while it answers `true`. The filter's days
    /// are the mill's.
    fn visit_activity(
        &self,
        filter: &ActivityFilter,
        before: Option<i64>,
        limit: u64,
        visit: impl FnMut(ActivityEntry) -> bool,
    ) -> Result<()> {
        let store = self.read_store()?;
        let err = store.err_fn();
        let zone = WarehouseZone::of(&store::settings(&store.conn).map_err(&err)?)?;
        let query = ActivityQuery {
            filter,
            from: filter.from.map(|day| zone.start_of(day)),
            until: filter
                .to
                .and_then(|day| day.succ_opt())
                .map(|day| zone.start_of(day)),
            before,
        };
        store::visit_activity(&store.conn, &query, limit, visit).map_err(&err)
    }
}
