//! One run at a time, across the web server, its scheduler and the command line.
//!
//! The lock is an advisory lock on a file in the data directory, so the operating
//! system releases it when its holder exits, however it exits: a crashed run never
//! leaves a stale lock. The holder writes who it is into the file so that a second
//! trigger can say which run is in the way.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result, RunningRun};

const LOCK_FILE: &str = "run.lock";

/// Held while a run goes on; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

impl RunLock {
    /// Takes the lock or says which run holds it.
    pub fn acquire(data_dir: &Path, me: &RunningRun) -> Result<Self> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| Error::Io {
                context: format!("cannot open the run lock {}", path.display()),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {
                let mut lock = Self { file };
                lock.record(me)?;
                Ok(lock)
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::RunInProgress(
                read_holder(&mut file).unwrap_or_else(|| RunningRun {
                    run_id: None,
                    ..me.clone()
                }),
            )),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io {
                context: format!("cannot lock {}", path.display()),
                source,
            }),
        }
    }

    /// Rewrites who holds the lock (once the run has its id).
    pub fn record(&mut self, me: &RunningRun) -> Result<()> {
        let json = serde_json::to_vec(me).map_err(|e| Error::Invalid(e.to_string()))?;
        (|| {
            self.file.set_len(0)?;
            self.file.seek(SeekFrom::Start(0))?;
            self.file.write_all(&json)?;
            self.file.flush()
        })()
        .map_err(|source| Error::Io {
            context: "cannot write the run lock".into(),
            source,
        })
    }
}

fn read_holder(file: &mut File) -> Option<RunningRun> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunKind;

    fn me(who: &str) -> RunningRun {
        RunningRun {
            run_id: Some(7),
            kind: RunKind::Manual,
            who: who.into(),
            started_at: chrono::Utc::now(),
            pid: std::process::id(),
        }
    }

    #[test]
    fn a_second_taker_is_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let held = RunLock::acquire(dir.path(), &me("alice")).unwrap();
        match RunLock::acquire(dir.path(), &me("bob")) {
            Err(Error::RunInProgress(holder)) => {
                assert_eq!(holder.who, "alice");
                assert_eq!(holder.run_id, Some(7));
            }
            other => panic!("expected RunInProgress, got {other:?}"),
        }
        drop(held);
        RunLock::acquire(dir.path(), &me("bob")).unwrap();
    }
}
