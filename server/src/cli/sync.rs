//! Commands that run a sync: `sync`, `import` and `auto-sync`.

use std::io::IsTerminal;

use engine::{Progress, RunRequest, RunScope, Selection, Trigger};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::output::{Output, local_time};
use super::report::{self, RunJson};
use super::{AutoSyncArgs, Exit, GlobalArgs, ImportArgs, SyncArgs, who};

/// `reelsync sync`: a full sync, or only its import or export half.
pub fn sync(global: &GlobalArgs, out: &Output, args: &SyncArgs) -> anyhow::Result<Exit> {
    let scope = if args.import_only {
        RunScope::Import(Selection::All)
    } else if args.export_only {
        RunScope::Export
    } else {
        RunScope::Full
    };
    run_manual(global, out, scope, args.dry_run)
}

/// `reelsync import`: the chosen reels, or every importable one.
pub fn import(global: &GlobalArgs, out: &Output, args: &ImportArgs) -> anyhow::Result<Exit> {
    let selection = if args.all {
        Selection::All
    } else {
        Selection::Reels(args.reels.clone())
    };
    run_manual(global, out, RunScope::Import(selection), args.dry_run)
}

/// Runs `scope` as asked by a person at the command line and prints the report.
fn run_manual(
    global: &GlobalArgs,
    out: &Output,
    scope: RunScope,
    dry_run: bool,
) -> anyhow::Result<Exit> {
    let engine = if dry_run {
        global.reader()?
    } else {
        global.engine()?
    };
    let request = RunRequest {
        scope,
        trigger: Trigger::Manual,
        who: who(),
        dry_run,
    };
    let report = with_progress(|progress| engine.sync(&request, progress))?;
    report::print_run(out, &report)
}

/// What `auto-sync --json` prints: whether a run was due, then the run if one ran.
#[derive(Serialize)]
struct AutoSyncJson<'a> {
    due: bool,
    #[serde(flatten)]
    run: RunJson<'a>,
}

/// `reelsync auto-sync`: a full sync logged as `auto`, only when the schedule says
/// one is due (or with `--force`). Not being due is not an error: cron runs this
/// every few minutes.
pub fn auto_sync(global: &GlobalArgs, out: &Output, args: &AutoSyncArgs) -> anyhow::Result<Exit> {
    let engine = global.engine()?;
    match with_progress(|progress| engine.auto_sync(args.force, &who(), progress))? {
        Some(report) => {
            let json = AutoSyncJson {
                due: true,
                run: RunJson::new(&report),
            };
            out.result(&json, |w| report::write_run(w, &report))?;
            Ok(Exit::of_outcome(report.outcome))
        }
        None => {
            let next = engine.settings()?.next_run_at;
            let json = serde_json::json!({ "due": false, "next_run_at": next });
            out.result(&json, |w| match next {
                Some(at) => writeln!(w, "not due; next run at {}", local_time(at)),
                None => writeln!(
                    w,
                    "not due; automatic sync is off (settings --auto on, or --force)"
                ),
            })?;
            Ok(Exit::Success)
        }
    }
}

/// Calls `run` with a progress callback that drives a bar on stderr, shown only
/// when stderr is a terminal (cron mail and pipes stay clean).
fn with_progress<T>(run: impl FnOnce(&mut dyn FnMut(Progress)) -> T) -> T {
    let bar = progress_bar();
    let result = run(&mut |progress: Progress| {
        bar.set_length(progress.total);
        bar.set_position(progress.scanned);
    });
    bar.finish_and_clear();
    result
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} reels read ({eta} left)")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(0).with_style(style)
}
