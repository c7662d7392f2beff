//! A bounded pool of connections to the main store.
//!
//! A connection to a WAL database holds three descriptors (the file, its `-wal`
//! and its `-shm`). One per call was a connection per concurrent request: a
//! burst of 500 sign-ins left 289–351 descriptors on the store, 1,000 event
//! streams 971, under a service's limit of 1,024. The pool keeps at most
//! [`MAX_CONNECTIONS`] open, reused from call to call; a call that finds them all
//! busy waits for one (up to the store's busy timeout, as it would for a lock).
//!
//! A run keeps its own connection ([`Store::connect_for_run`]): it sets its own
//! pragmas, and one run goes at a time.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::store::{STORE_FILE, Store};

/// Connections the pool holds open at most.
pub const MAX_CONNECTIONS: usize = 8;

/// How long a call waits for a free connection before giving up.
const WAIT: Duration = Duration::from_secs(10);

/// The main store's connections; cheap to clone.
#[derive(Clone)]
pub(crate) struct StorePool {
    shared: Arc<Shared>,
}

struct Shared {
    data_dir: PathBuf,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Default)]
struct State {
    idle: Vec<Store>,
    /// Connections open, idle or lent.
    open: usize,
}

/// A connection lent by the pool, given back when dropped; or one of its own
/// (an empty store in memory, for reads of a data directory without one).
pub(crate) struct Pooled {
    store: Option<Store>,
    shared: Option<Arc<Shared>>,
}

impl std::fmt::Debug for StorePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("StorePool")
            .field("data_dir", &self.shared.data_dir)
            .field("open", &state.open)
            .field("idle", &state.idle.len())
            .finish()
    }
}

impl StorePool {
    /// A pool for the store in `data_dir`, which [`Store::open`] has migrated.
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            shared: Arc::new(Shared {
                data_dir: data_dir.to_owned(),
                state: Mutex::default(),
                freed: Condvar::new(),
            }),
        }
    }

    /// A read-write connection: an idle one, a new one while fewer than
    /// [`MAX_CONNECTIONS`] are open, else the next one given back.
    pub(crate) fn get(&self) -> Result<Pooled> {
        let deadline = Instant::now() + WAIT;
        let mut state = self.shared.lock();
        loop {
            if let Some(store) = state.idle.pop() {
                return Ok(self.lend(store));
            }
            if state.open < MAX_CONNECTIONS {
                state.open += 1;
                drop(state);
                return match Store::connect_existing(&self.shared.data_dir) {
                    Ok(store) => Ok(self.lend(store)),
                    Err(err) => {
                        self.shared.lock().open -= 1;
                        self.shared.freed.notify_one();
                        Err(err)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::store(
                    self.shared.data_dir.join(STORE_FILE),
                    rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some(format!(
                            "all {MAX_CONNECTIONS} connections to the store stayed busy for {} s",
                            WAIT.as_secs()
                        )),
                    ),
                ));
            }
            state = self
                .shared
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Connections open now, idle or lent.
    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.shared.lock().open
    }

    fn lend(&self, store: Store) -> Pooled {
        Pooled {
            store: Some(store),
            shared: Some(self.shared.clone()),
        }
    }
}

impl Pooled {
    /// A connection of its own, closed when dropped.
    pub(crate) fn own(store: Store) -> Self {
        Self {
            store: Some(store),
            shared: None,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Deref for Pooled {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.store
            .as_ref()
            .expect("a lent connection is there until dropped")
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Store {
        self.store
            .as_mut()
            .expect("a lent connection is there until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let (Some(store), Some(shared)) = (self.store.take(), &self.shared) else {
            return;
        };
        let mut state = shared.lock();
        // A connection left inside a transaction (a panic mid-way) is closed,
        // not lent again.
        if store.conn.is_autocommit() {
            state.idle.push(store);
        } else {
            state.open -= 1;
        }
        drop(state);
        shared.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_reused_and_never_more_than_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path()).unwrap();
        let pool = StorePool::new(dir.path());
        let lent: Vec<Pooled> = (0..MAX_CONNECTIONS).map(|_| pool.get().unwrap()).collect();
        assert_eq!(pool.open(), MAX_CONNECTIONS);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| pool.get().map(drop));
            std::thread::sleep(Duration::from_millis(100));
            assert!(!waiter.is_finished(), "waits for a connection");
            drop(lent);
            waiter.join().unwrap().unwrap();
        });
        for _ in 0..100 {
            drop(pool.get().unwrap());
        }
        assert_eq!(pool.open(), MAX_CONNECTIONS);
    }
}
