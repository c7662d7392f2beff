//! The schedule, inside `reelsync serve`: a background task that runs a full sync
//! (logged as `auto`) whenever the stored settings say one is due. When the decision
//! is made lives in the engine ([`engine::SyncSettings::is_due`]); this only asks.

use std::time::Duration;

use app::ssr::RunManager;
use engine::{Error, RunReport};

/// How often the task asks whether a sync is due. The shortest interval an admin
/// can set is a minute, so a tick well under that keeps runs on time.
pub const TICK: Duration = Duration::from_secs(20);

/// How often the activity log's old entries are dropped (the retention
/// setting is in days: more often would only cost writes on the SD card).
pub const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs the schedule until the process ends: the automatic sync, and once a
/// day (first at the start) the activity log's retention.
pub fn spawn(runs: RunManager) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned: Option<std::time::Instant> = None;
        loop {
            ticks.tick().await;
            if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                pruned = Some(std::time::Instant::now());
                let engine = runs.engine().clone();
                let by = engine::Actor::from("scheduler");
                match tokio::task::spawn_blocking(move || engine.apply_activity_retention(&by))
                    .await
                {
                    Ok(Ok(0)) => {}
                    Ok(Ok(dropped)) => tracing::info!(dropped, "old activity entries dropped"),
                    Ok(Err(e)) => tracing::warn!("the activity log's retention failed: {e}"),
                    Err(e) => tracing::error!("the activity retention task failed: {e}"),
                }
            }
            let runs = runs.clone();
            match tokio::task::spawn_blocking(move || runs.tick_schedule()).await {
                Ok(outcome) => log(outcome),
                Err(e) => tracing::error!("scheduled sync task failed: {e}"),
            }
        }
    })
}

fn log(outcome: engine::Result<Option<RunReport>>) {
    match outcome {
        Ok(None) => {}
        Ok(Some(report)) => tracing::info!(
            run = report.run_id,
            outcome = report.outcome.as_str(),
            "scheduled sync: {} exported, {} taken in, {} updated, {} imported, {} conflicts, {} rejected",
            report.counts.exported,
            report.counts.status_in,
            report.counts.updated,
            report.counts.imported,
            report.counts.conflicts,
            report.counts.rejected,
        ),
        // Someone else's run is going; the next tick looks again.
        Err(Error::RunInProgress(run)) => {
            tracing::debug!("scheduled sync waits: run {:?} is in progress", run.run_id)
        }
        // Logged as a failed run by the engine; also worth a line in the server log.
        Err(e) => tracing::warn!("scheduled sync failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::demo::{DemoOptions, create_demo_db};
    use engine::{Config, Engine, RunKind, SettingsUpdate};

    #[test]
    fn a_tick_runs_a_due_sync_once_and_logs_it_as_auto() {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = dir.path().join("ism.sqlite3");
        create_demo_db(&warehouse, &DemoOptions { reels: 50, seed: 1 }).unwrap();
        let engine =
            Engine::open(Config::new(dir.path().join("data")).with_external(&warehouse)).unwrap();
        let runs = RunManager::new(engine.clone());
        let tick = || runs.tick_schedule();
        assert!(tick().unwrap().is_none(), "auto-sync is off by default");
        let on = SettingsUpdate {
            auto_sync: Some(true),
            interval_minutes: Some(60),
            ..Default::default()
        };
        engine.update_settings(&on, &"test".into()).unwrap();
        let report = tick().unwrap().expect("due as soon as it is switched on");
        assert_eq!(report.kind, RunKind::Auto);
        let logged = &engine.runs(1).unwrap()[0];
        assert_eq!(
            (logged.kind, logged.who.as_str()),
            (RunKind::Auto, "scheduler")
        );
        assert!(tick().unwrap().is_none(), "not due again for an hour");
    }
}
