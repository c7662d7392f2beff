//! One run at a time, across the web server, its scheduler and the command line,
//! and the *run lease* through which a run in one process is seen and stopped from
//! another.
//!
//! The lock is an advisory lock on `run.lock` in the data directory, so the
//! operating system releases it when its holder exits, however it exits: a crashed
//! run never leaves a stale lock. The holder writes who it is into the file (so that
//! a second trigger can say which run is in the way) and, a few times a second at
//! most, where it is (its latest [`Progress`]). That file is the lease: anyone may
//! read it, and whether its content is live is told by the lock itself, never by
//! the content: a reader takes a *shared* lock for an instant, which succeeds only
//! when no run holds the exclusive one.
//!
//! A run is asked to stop through `run.cancel` beside it, which names the run (its
//! id and start time). The run looks for that file at each page boundary (one
//! failed `open` when there is none) and stops only if it names itself, so a request
//! left over from an earlier run can never stop a later one; a run also deletes the
//! file when it takes the lock and when it lets it go.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, RunningRun};
use crate::report::{LiveRun, Phase, Progress};

const LOCK_FILE: &str = "run.lock";
const CANCEL_FILE: &str = "run.cancel";

/// The shortest time between two progress writes to the lease (phase changes are
/// written at once): at most about ten writes a second, none of them synced.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// How long taking the lock keeps trying while it is held: a reader of the lease
/// holds a shared lock for microseconds, and must not make a run fail to start.
const ACQUIRE_PATIENCE: Duration = Duration::from_millis(50);

/// How long a reader keeps re-reading a lease caught in the middle of a rewrite.
const READ_PATIENCE: Duration = Duration::from_millis(100);

/// What the lease file holds: the holder, as [`RunningRun`] (so older readers and
/// the "already running" message read it as before), and its latest progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Lease {
    #[serde(flatten)]
    holder: RunningRun,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    progress: Option<Progress>,
}

/// What `run.cancel` holds: the run asked to stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CancelRequest {
    run_id: i64,
    started_at: DateTime<Utc>,
}

/// Held while a run goes on; dropping it clears the lease and releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    dir: PathBuf,
    lease: Lease,
    /// When the lease was last written, and the phase it then held.
    published: Option<(Instant, Phase)>,
}

impl RunLock {
    /// Takes the lock or says which run holds it. A cancel request left in the
    /// data directory is deleted: with the lock held, it can only be an earlier
    /// run's.
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
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < ACQUIRE_PATIENCE => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::RunInProgress(
                        read_lease(&mut file)
                            .map(|lease| lease.holder)
                            .unwrap_or_else(|| RunningRun {
                                run_id: None,
                                ..me.clone()
                            }),
                    ));
                }
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(Error::Io {
                        context: format!("cannot lock {}", path.display()),
                        source,
                    });
                }
            }
        }
        let mut lock = Self {
            file,
            dir: data_dir.to_owned(),
            lease: Lease {
                holder: me.clone(),
                progress: None,
            },
            published: None,
        };
        lock.write()?;
        remove_cancel(data_dir);
        Ok(lock)
    }

    /// Rewrites who holds the lock (once the run has its id).
    pub fn record(&mut self, me: &RunningRun) -> Result<()> {
        self.lease.holder = me.clone();
        self.write()
    }

    /// Publishes the run's progress in the lease: written at once when the phase
    /// changes, else at most every [`PUBLISH_EVERY`]. A lease that can't be written
    /// does not stop the run; the progress is only not seen elsewhere.
    pub fn publish(&mut self, progress: &Progress) {
        self.lease.progress = Some(*progress);
        let due = self
            .published
            .is_none_or(|(at, phase)| phase != progress.phase || at.elapsed() >= PUBLISH_EVERY);
        if due {
            self.published = Some((Instant::now(), progress.phase));
            if let Err(e) = self.write() {
                tracing::debug!("cannot publish the run's progress: {e}");
            }
        }
    }

    /// Whether someone has asked this run to stop ([`request_cancel`]).
    pub fn cancel_requested(&self) -> bool {
        cancel_request(&self.dir).is_some_and(|request| names(&request, &self.lease.holder))
    }

    /// Writes the lease. It is rewritten in place (the lock belongs to the file),
    /// new content first and the old tail cut after, never synced: a reader that
    /// catches it half-written reads it again.
    fn write(&mut self) -> Result<()> {
        let json = serde_json::to_vec(&self.lease).map_err(|e| Error::Internal(e.to_string()))?;
        (|| {
            self.file.seek(SeekFrom::Start(0))?;
            self.file.write_all(&json)?;
            self.file.set_len(json.len() as u64)?;
            self.file.flush()
        })()
        .map_err(|source| Error::Io {
            context: "cannot write the run lock".into(),
            source,
        })
    }
}

impl Drop for RunLock {
    /// Clears the lease before the lock goes, so a finished run's record never
    /// reads as the next holder's, and deletes any cancel request (it was for
    /// this run, or stale).
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        remove_cancel(&self.dir);
    }
}

/// The run that holds the lock in `data_dir`, with its latest progress, or `None`
/// when no run holds it (whatever the lease file still says). Takes no lock that
/// a run could wait on: the shared lock it tries is let go at once.
pub fn live_run(data_dir: &Path) -> Result<Option<LiveRun>> {
    let path = data_dir.join(LOCK_FILE);
    let io = |source| Error::Io {
        context: format!("cannot read the run lock {}", path.display()),
        source,
    };
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    match file.try_lock_shared() {
        // Nobody runs; the file, if it holds anything, is a crashed run's.
        Ok(()) => return Ok(None),
        Err(std::fs::TryLockError::WouldBlock) => {}
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    let started = Instant::now();
    loop {
        if let Some(lease) = read_lease(&mut file) {
            let cancel_requested =
                cancel_request(data_dir).is_some_and(|request| names(&request, &lease.holder));
            let RunningRun {
                run_id,
                kind,
                who,
                started_at,
                pid,
            } = lease.holder;
            return Ok(Some(LiveRun {
                run_id,
                kind,
                who,
                started_at,
                pid,
                progress: lease.progress,
                cancel_requested,
            }));
        }
        if started.elapsed() >= READ_PATIENCE {
            return Err(Error::Io {
                context: format!("the run lock {} is held", path.display()),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "its holder's record can't be read",
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Asks the run `live` (as [`live_run`] read it) to stop: writes `run.cancel`
/// naming it, whole (a new file renamed over any old one).
pub fn request_cancel(data_dir: &Path, run_id: i64, started_at: DateTime<Utc>) -> Result<()> {
    let request = CancelRequest { run_id, started_at };
    let json = serde_json::to_vec(&request).map_err(|e| Error::Internal(e.to_string()))?;
    let path = data_dir.join(CANCEL_FILE);
    let temp = data_dir.join(format!("{CANCEL_FILE}.{}.tmp", std::process::id()));
    std::fs::write(&temp, json)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&temp);
            Error::Io {
                context: format!("cannot write the cancel request {}", path.display()),
                source,
            }
        })
}

/// Whether a cancel request is for this holder: the same run id and start time (a
/// run id alone could come back if the newest run's log were deleted).
fn names(request: &CancelRequest, holder: &RunningRun) -> bool {
    holder.run_id == Some(request.run_id) && holder.started_at == request.started_at
}

fn cancel_request(data_dir: &Path) -> Option<CancelRequest> {
    let bytes = std::fs::read(data_dir.join(CANCEL_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn remove_cancel(data_dir: &Path) {
    match std::fs::remove_file(data_dir.join(CANCEL_FILE)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("cannot delete the cancel request: {e}"),
    }
}

fn read_lease(file: &mut File) -> Option<Lease> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Counts, RunKind};

    fn me(who: &str) -> RunningRun {
        RunningRun {
            run_id: Some(7),
            kind: RunKind::Manual,
            who: who.into(),
            started_at: chrono::Utc::now(),
            pid: std::process::id(),
        }
    }

    fn progress(phase: Phase, scanned: u64) -> Progress {
        Progress {
            phase,
            scanned,
            total: 10_000,
            planned_writes: 0,
            at: chrono::Utc::now(),
            counts: Counts::default(),
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

    #[test]
    fn the_lease_shows_the_holder_and_its_progress_only_while_held() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(live_run(dir.path()).unwrap(), None, "no lease file yet");
        let mut held = RunLock::acquire(dir.path(), &me("alice")).unwrap();
        let live = live_run(dir.path()).unwrap().expect("held");
        assert_eq!((live.who.as_str(), live.run_id), ("alice", Some(7)));
        assert_eq!(live.progress, None);
        let first = progress(Phase::Reading, 2_000);
        held.publish(&first);
        assert_eq!(live_run(dir.path()).unwrap().unwrap().progress, Some(first));
        // Within the throttle, only a phase change is written at once.
        let published = || live_run(dir.path()).unwrap().unwrap().progress.unwrap();
        held.publish(&progress(Phase::Reading, 4_000));
        assert_eq!(published().scanned, 2_000);
        held.publish(&progress(Phase::Committing, 4_000));
        assert_eq!(published().phase, Phase::Committing);
        drop(held);
        assert_eq!(live_run(dir.path()).unwrap(), None, "released");
    }

    #[test]
    fn a_crashed_runs_lease_is_not_live() {
        let dir = tempfile::tempdir().unwrap();
        // What a killed holder leaves: its record, and no lock.
        let lease = Lease {
            holder: me("alice"),
            progress: Some(progress(Phase::Reading, 10)),
        };
        std::fs::write(
            dir.path().join(LOCK_FILE),
            serde_json::to_vec(&lease).unwrap(),
        )
        .unwrap();
        assert_eq!(live_run(dir.path()).unwrap(), None);
    }

    #[test]
    fn a_cancel_request_stops_only_the_run_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let alice = me("alice");
        // Left over from an earlier run: deleted when the lock is taken.
        request_cancel(dir.path(), 7, alice.started_at).unwrap();
        let held = RunLock::acquire(dir.path(), &alice).unwrap();
        assert!(!held.cancel_requested());
        // Same id, another start: an earlier run whose log was deleted.
        let earlier = alice.started_at - chrono::TimeDelta::seconds(60);
        request_cancel(dir.path(), 7, earlier).unwrap();
        assert!(!held.cancel_requested());
        request_cancel(dir.path(), 6, alice.started_at).unwrap();
        assert!(!held.cancel_requested());
        assert!(!live_run(dir.path()).unwrap().unwrap().cancel_requested);
        request_cancel(dir.path(), 7, alice.started_at).unwrap();
        assert!(held.cancel_requested());
        assert!(live_run(dir.path()).unwrap().unwrap().cancel_requested);
        drop(held);
        assert!(!dir.path().join(CANCEL_FILE).exists(), "deleted at the end");
    }
}
