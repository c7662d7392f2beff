//! Engine values → the serializable view types of [`crate::model`].

use chrono::{DateTime, Local, SecondsFormat, TimeDelta, Utc};

use crate::model::{DashboardData, LastRun, Moment, RunCounts, RunOutcome, StatusCounts};

/// The dashboard as the page shows it, read at `now` by `user`.
pub fn dashboard(d: engine::Dashboard, user: String, now: DateTime<Utc>) -> DashboardData {
    DashboardData {
        importable: d.importable,
        warehouse_error: d.warehouse_error.as_deref().map(strip_paths),
        tracked: d.tracked,
        by_status: StatusCounts {
            in_stock: d.by_status.in_stock,
            sold: d.by_status.sold,
            delivered: d.by_status.delivered,
        },
        conflicts: d.conflicts,
        last_run: d.last_run.map(|run| last_run(run, now)),
        auto_sync: d.auto_sync,
        // A next run only means something while the scheduler is on.
        next_run: d
            .next_run_at
            .filter(|_| d.auto_sync)
            .map(|at| moment(at, now, "%Y-%m-%d %H:%M")),
        read_at: moment(now, now, "%H:%M:%S"),
        user,
    }
}

fn last_run(run: engine::RunSummary, now: DateTime<Utc>) -> LastRun {
    LastRun {
        id: run.id,
        kind: run.kind.as_str().to_owned(),
        who: run.who,
        started: moment(run.started_at, now, "%Y-%m-%d %H:%M"),
        duration: run.duration_ms.map(duration),
        outcome: outcome(run.outcome),
        counts: RunCounts {
            imported: run.counts.imported,
            updated: run.counts.updated,
            exported: run.counts.exported,
            status_in: run.counts.status_in,
            conflicts: run.counts.conflicts,
            rejected: run.counts.rejected,
        },
        error: run.error.as_deref().map(strip_paths),
    }
}

fn outcome(outcome: engine::Outcome) -> RunOutcome {
    match outcome {
        engine::Outcome::Running => RunOutcome::Running,
        engine::Outcome::Succeeded => RunOutcome::Succeeded,
        engine::Outcome::Partial => RunOutcome::Partial,
        engine::Outcome::Failed => RunOutcome::Failed,
        engine::Outcome::Cancelled => RunOutcome::Cancelled,
    }
}

/// `at` in the server's local time (the mill's) and relative to `now`.
fn moment(at: DateTime<Utc>, now: DateTime<Utc>, local_format: &str) -> Moment {
    Moment {
        iso: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        local: at.with_timezone(&Local).format(local_format).to_string(),
        relative: relative(at - now),
    }
}

/// `5 min ago`, `in 2 h`, `just now`.
pub fn relative(delta: TimeDelta) -> String {
    let seconds = delta.num_seconds();
    let amount = seconds.unsigned_abs();
    let text = match amount {
        0..60 => return "just now".to_owned(),
        60..3_600 => format!("{} min", amount / 60),
        3_600..86_400 => format!("{} h", amount / 3_600),
        _ => format!("{} d", amount / 86_400),
    };
    if seconds > 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// `850 ms`, `1.2 s`, `3 min 5 s`.
pub fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1_000.0),
        _ => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1_000),
    }
}

/// Replaces absolute file paths in a message with their file names: the user needs
/// to know *which* file, not where the server keeps it.
pub fn strip_paths(message: &str) -> String {
    message
        .split(' ')
        .map(|word| {
            let start = word
                .find(|c| !matches!(c, '"' | '\'' | '(' | '['))
                .unwrap_or(0);
            let (prefix, rest) = word.split_at(start);
            match rest.strip_prefix('/') {
                Some(path) => format!("{prefix}{}", path.rsplit('/').next().unwrap_or(path)),
                None => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(TimeDelta::seconds(-5)), "just now");
        assert_eq!(relative(TimeDelta::seconds(-300)), "5 min ago");
        assert_eq!(relative(TimeDelta::seconds(600)), "in 10 min");
        assert_eq!(relative(TimeDelta::hours(-3)), "3 h ago");
        assert_eq!(relative(TimeDelta::days(2)), "in 2 d");
    }

    #[test]
    fn durations_pick_a_sensible_unit() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(1_234), "1.2 s");
        assert_eq!(duration(185_000), "3 min 5 s");
    }

    #[test]
    fn paths_are_reduced_to_file_names() {
        assert_eq!(
            strip_paths("warehouse database /srv/ism/db.sqlite3 is locked"),
            "warehouse database db.sqlite3 is locked"
        );
        assert_eq!(
            strip_paths("warehouse database /a/b.sqlite3: disk I/O error"),
            "warehouse database b.sqlite3: disk I/O error"
        );
        assert_eq!(
            strip_paths("cannot open \"/x/y/z.db\""),
            "cannot open \"z.db\""
        );
        assert_eq!(strip_paths("no paths here"), "no paths here");
    }

    #[test]
    fn converts_a_dashboard() {
        let now = Utc::now();
        let figures = engine::Dashboard {
            importable: None,
            warehouse_error: Some("warehouse database /secret/place/w.db does not exist".into()),
            tracked: 12,
            by_status: engine::StatusCounts {
                in_stock: 7,
                sold: 3,
                delivered: 2,
            },
            conflicts: 1,
            last_run: None,
            auto_sync: false,
            next_run_at: Some(now),
        };
        let data = dashboard(figures, "admin".into(), now);
        assert_eq!(data.importable, None);
        assert_eq!(
            data.warehouse_error.as_deref(),
            Some("warehouse database w.db does not exist")
        );
        assert_eq!(data.by_status.sold, 3);
        assert_eq!(data.next_run, None, "no next run while auto-sync is off");
        assert_eq!(data.read_at.relative, "just now");
    }
}
