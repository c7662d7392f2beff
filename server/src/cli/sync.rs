//! Commands that run a sync: `sync`, `import` and `auto-sync`.
//!
//! While a run goes, the first Ctrl-C (SIGINT; SIGTERM and SIGHUP too) asks it to
//! stop at the next page boundary, keeping what it did; it then ends `cancelled`
//! (exit 6). A second one exits at once (exit 130): the run lock goes with the
//! process, and the next run logs the run as interrupted, with what it had saved.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use engine::{Phase, Progress, RunObserver, RunRequest, RunScope, Selection};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::output::{Output, local_time};
use super::report::{self, RunJson};
use super::{AutoSyncArgs, Exit, GlobalArgs, ImportArgs, SyncArgs, UndoArgs, who};

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

/// `reelsync undo RUN`: puts back what run RUN decided (or, with
/// `--dry-run`, shows what it would put back).
pub fn undo(global: &GlobalArgs, out: &Output, args: &UndoArgs) -> anyhow::Result<Exit> {
    run_manual(global, out, RunScope::Undo(args.run), args.dry_run)
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
    let request = RunRequest::manual(scope, who().who, dry_run);
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
    match with_progress(|progress| engine.auto_sync(args.force, &who().who, progress))? {
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

/// Calls `run` with an observer that drives a progress bar on stderr, shown only
/// when stderr is a terminal (cron mail and pipes stay clean), and stops the run
/// on Ctrl-C.
fn with_progress<T>(run: impl FnOnce(&mut dyn RunObserver) -> T) -> T {
    let bar = progress_bar();
    let mut observer = Terminal {
        stop: stop_on_ctrl_c(&bar),
        bar,
    };
    let result = run(&mut observer);
    observer.bar.finish_and_clear();
    result
}

/// The command line's view of a run: a progress bar, and Ctrl-C.
struct Terminal {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
}

impl RunObserver for Terminal {
    fn progress(&mut self, progress: &Progress) {
        match progress.phase {
            Phase::Reading => {
                self.bar.set_length(progress.total);
                self.bar.set_position(progress.scanned);
                self.bar.set_message("reels read");
            }
            Phase::Snapshot | Phase::WritingWarehouse => {
                self.bar.set_length(progress.planned_writes);
                self.bar.set_position(progress.counts.exported);
                self.bar.set_message("statuses written to the warehouse");
            }
            Phase::Committing => self.bar.set_message("saving"),
        }
    }

    fn should_stop(&mut self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Installs the Ctrl-C handler (once a process: one run per command) and returns
/// the flag it raises. The first press asks the run to stop at its next page
/// boundary and says so on stderr; the second exits at once.
fn stop_on_ctrl_c(bar: &ProgressBar) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (flag, bar) = (Arc::clone(&stop), bar.clone());
    let installed = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::Relaxed) {
            bar.abandon();
            eprintln!("interrupted: exiting now; the next run logs this one as interrupted");
            std::process::exit(INTERRUPTED);
        }
        bar.suspend(|| {
            eprintln!(
                "stopping at the next page boundary; what is done so far is kept (Ctrl-C again to quit at once)"
            )
        });
    });
    if let Err(e) = installed {
        tracing::warn!("Ctrl-C will not stop the run at a page boundary: {e}");
    }
    stop
}

/// The exit code after a second Ctrl-C, as shells report a process killed by
/// SIGINT (128 + 2).
const INTERRUPTED: i32 = 130;

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({eta} left)")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(0).with_style(style)
}
