//! Exit codes, and the one place that decides which error ends with which.

use std::fmt;
use std::process::ExitCode;

use engine::Outcome;

/// How `reelsync` ends. Scripts and cron rely on these numbers; the README lists
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// Something failed (the message says what); a failed run.
    Failure = 1,
    /// The request itself is wrong: bad arguments or values.
    Usage = 2,
    /// The warehouse file cannot be used: missing, not SQLite, wrong schema, locked.
    Warehouse = 3,
    /// Another run holds the run lock.
    Busy = 4,
    /// Done, but some reels need attention (rejected, in conflict, not found).
    Attention = 5,
    /// The run was asked to stop (Ctrl-C, or a cancel from the web) and stopped at
    /// a page boundary; what it did before is kept and logged.
    Cancelled = 6,
}

impl Exit {
    /// The exit a run with this outcome ends with.
    pub fn of_outcome(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Succeeded => Self::Success,
            Outcome::Partial => Self::Attention,
            Outcome::Cancelled => Self::Cancelled,
            // `Running` is never the outcome of a finished run; treat it as a failure
            // rather than claim success.
            Outcome::Failed | Outcome::Running => Self::Failure,
        }
    }

    /// The number the process exits with.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// A mistake in what the user asked for, found by the command line itself rather
/// than by the engine (e.g. no password given). Ends with [`Exit::Usage`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The exit an error ends with: the first error in its chain that says what kind of
/// problem it is decides.
pub fn code_of(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|cause| {
            if let Some(engine_err) = cause.downcast_ref::<engine::Error>() {
                Some(code_of_engine(engine_err))
            } else if let Some(warehouse_err) = cause.downcast_ref::<engine::WarehouseError>() {
                Some(code_of_warehouse(warehouse_err))
            } else if cause.is::<UsageError>() {
                Some(Exit::Usage)
            } else {
                None
            }
        })
        .unwrap_or(Exit::Failure)
}

fn code_of_engine(err: &engine::Error) -> Exit {
    match err {
        engine::Error::Warehouse(warehouse_err) => code_of_warehouse(warehouse_err),
        engine::Error::RunInProgress(_) => Exit::Busy,
        engine::Error::Refused(_) => Exit::Usage,
        engine::Error::NotFound { .. }
        | engine::Error::StoreSchema { .. }
        | engine::Error::Internal(_)
        | engine::Error::Store { .. }
        | engine::Error::StoreFull { .. }
        | engine::Error::Migration { .. }
        | engine::Error::Io { .. } => Exit::Failure,
    }
}

fn code_of_warehouse(err: &engine::WarehouseError) -> Exit {
    match err {
        // The file was readable; the copy in the data directory failed.
        engine::WarehouseError::Snapshot { .. } => Exit::Failure,
        _ => Exit::Warehouse,
    }
}

/// The error's message with its context. The chain stops at the engine's error:
/// its message already names the cause, and SQLite's errors repeat themselves
/// further down. A refusal, or another warehouse file at the warehouse path, is
/// worded by the app's catalogue in English: the web's English pages say the
/// same sentence.
pub fn message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        if let Some(worded) = worded(cause) {
            parts.push(worded);
            break;
        }
        parts.push(cause.to_string());
        if cause.is::<engine::Error>() || cause.is::<engine::WarehouseError>() {
            break;
        }
    }
    parts.join(": ")
}

/// A refusal in the catalogue's English.
pub fn refusal(refusal: &engine::Refusal) -> String {
    plain(app::refusals::refusal(app::i18n::Locale::en, refusal))
}

/// The catalogue's text for a terminal: without the invisible marks that keep a
/// Latin value in its place inside a Persian sentence, which a script grepping
/// the output would trip on.
fn plain(text: String) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// What the catalogue words of `cause`, in English.
fn worded(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    let warehouse = match cause.downcast_ref::<engine::Error>() {
        Some(engine::Error::Refused(r)) => return Some(refusal(r)),
        Some(engine::Error::Warehouse(w)) => w,
        _ => match cause.downcast_ref::<engine::Refusal>() {
            Some(r) => return Some(refusal(r)),
            None => cause.downcast_ref::<engine::WarehouseError>()?,
        },
    };
    match warehouse {
        engine::WarehouseError::NotTheSame { problem } => Some(warehouse_problem(problem)),
        _ => None,
    }
}

/// Why the warehouse file can't be used, in the catalogue's English: the web's
/// English pages say the same.
pub fn warehouse_problem(problem: &engine::WarehouseProblem) -> String {
    plain(app::problems::warehouse_problem(
        app::i18n::Locale::en,
        problem,
    ))
}

/// Whether the error is stdout's reader going away (`reelsync runs | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    use anyhow::Context;

    fn exit_of(err: impl Into<anyhow::Error>) -> Exit {
        code_of(&err.into())
    }

    #[test]
    fn engine_errors_map_to_their_codes() {
        let missing = engine::WarehouseError::Missing {
            path: "w.sqlite3".into(),
        };
        assert_eq!(exit_of(engine::Error::from(missing)), Exit::Warehouse);
        let snapshot = engine::WarehouseError::Snapshot {
            path: "data/snapshots/s.sqlite3".into(),
            source: rusqlite::Error::InvalidQuery,
        };
        assert_eq!(exit_of(engine::Error::from(snapshot)), Exit::Failure);
        assert_eq!(
            exit_of(engine::Error::Refused(engine::Refusal::NoReels)),
            Exit::Usage
        );
        let not_found = engine::Error::NotFound {
            what: "run",
            key: "9".into(),
        };
        assert_eq!(exit_of(not_found), Exit::Failure);
        assert_eq!(exit_of(UsageError("no password".into())), Exit::Usage);
        assert_eq!(exit_of(anyhow::anyhow!("something else")), Exit::Failure);
    }

    #[test]
    fn refusals_and_another_warehouse_file_are_the_catalogues_english() {
        let err = anyhow::Error::from(engine::Error::Refused(engine::Refusal::PasswordTooShort {
            min: 12,
        }))
        .context("adding the user");
        assert_eq!(
            message(&err),
            "adding the user: A password needs at least 12 characters."
        );
        let problem = engine::WarehouseProblem::NotTheSame {
            file: "ism.sqlite3".into(),
            checked: 3,
            missing: 2,
            reborn: 0,
            columns: Vec::new(),
        };
        let web = app::problems::warehouse_problem(app::i18n::Locale::en, &problem);
        let err = anyhow::Error::from(engine::Error::from(engine::WarehouseError::NotTheSame {
            problem,
        }));
        // The web's English sentence, without the marks that isolate its values.
        assert_eq!(message(&err), web.replace(['\u{2068}', '\u{2069}'], ""));
        assert!(message(&err).contains("reelsync accept-warehouse"));
    }

    #[test]
    fn context_does_not_hide_the_cause() {
        let err = Err::<(), _>(engine::Error::Refused(engine::Refusal::NoReels))
            .context("saving the mapping")
            .unwrap_err();
        assert_eq!(code_of(&err), Exit::Usage);
    }

    #[test]
    fn messages_keep_context_and_say_the_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "File exists");
        let err = Err::<(), _>(engine::Error::Io {
            context: "cannot create data directory d".into(),
            source: io,
        })
        .context("opening the engine")
        .unwrap_err();
        assert_eq!(
            message(&err),
            "opening the engine: cannot create data directory d: File exists"
        );
    }

    #[test]
    fn outcomes_map_to_exits() {
        assert_eq!(Exit::of_outcome(Outcome::Succeeded), Exit::Success);
        assert_eq!(Exit::of_outcome(Outcome::Partial), Exit::Attention);
        assert_eq!(Exit::of_outcome(Outcome::Failed), Exit::Failure);
        assert_eq!(Exit::of_outcome(Outcome::Cancelled), Exit::Cancelled);
        assert_eq!(Exit::Cancelled.code(), 6);
    }
}
