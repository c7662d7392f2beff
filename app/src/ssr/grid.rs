//! The import grid's catalogue, shared by every request and rebuilt when either
//! file has changed since it was built (a sale in the warehouse app, a run of any
//! process), which `Changes` tells for the price of two `PRAGMA`s; and, while
//! none is built, the dashboard's count of importable reels, kept the same way.

use std::sync::{Arc, Mutex, PoisonError};

use engine::{Catalogue, Changes, Engine};

/// The catalogue this server keeps. Cheap to clone: clones share it.
#[derive(Clone)]
pub struct GridCatalogue {
    engine: Engine,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    catalogue: Option<Arc<Catalogue>>,
    changes: Option<Changes>,
    /// How many times the catalogue has been built: an open grid asks for it
    /// and reloads when it moved.
    version: u64,
    /// The dashboard's count of importable reels, while no catalogue is built.
    importable: Option<u64>,
}

impl GridCatalogue {
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            state: Arc::default(),
        }
    }

    /// The catalogue as of now: rebuilt first when either file has changed since
    /// it was built. Blocking (a rebuild scans the warehouse); requests that come
    /// during a rebuild wait for it rather than start their own.
    pub fn current(&self) -> engine::Result<Arc<Catalogue>> {
        self.versioned().map(|(catalogue, _)| catalogue)
    }

    /// Builds the catalogue now unless it is up to date, so that the grid's
    /// next visit need not wait for a scan (at the server's start, after a
    /// run). A failure is only logged: the grid says what is wrong when opened.
    pub fn prepare(&self) {
        match self.current() {
            Ok(catalogue) => tracing::info!("import grid: {} importable reels", catalogue.len()),
            Err(e) => tracing::warn!("import grid not built: {e}"),
        }
    }

    /// The version of the catalogue built last, without asking whether it is
    /// still up to date.
    pub fn last_version(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .version
    }

    /// Lets go of the catalogue (an import about to change what it holds), so
    /// its memory serves the run; the next request builds a new one.
    pub fn forget(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let catalogue = state.catalogue.take();
        state.importable = None;
        drop(state);
        // Freed now, unless a request still reads it.
        drop(catalogue);
        engine::memory::give_back_freed();
    }

    /// How many reels are importable, when that is known without a scan of the
    /// warehouse: the catalogue's count, or a count [remembered](Self::remember_importable),
    /// as long as neither file has changed since. Never builds a catalogue (the
    /// dashboard's scan to count is cheaper than a rebuild).
    pub fn known_importable(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let changes = match &mut state.changes {
            Some(changes) => changes,
            None => state.changes.insert(self.engine.changes().ok()?),
        };
        match changes.changed() {
            Ok(false) => state
                .catalogue
                .as_ref()
                .map(|catalogue| catalogue.len() as u64)
                .or(state.importable),
            // Seen now, so what was built before must not pass for fresh.
            _ => {
                state.catalogue = None;
                state.importable = None;
                None
            }
        }
    }

    /// Keeps `count`, counted by a scan after [`Self::known_importable`] found
    /// none, until either file changes.
    pub fn remember_importable(&self, count: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.importable = Some(count);
    }

    /// The catalogue as of now with its version, which moves each time it is
    /// rebuilt: a grid shown from one version is out of date once it moves.
    pub fn versioned(&self) -> engine::Result<(Arc<Catalogue>, u64)> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let changes = match &mut state.changes {
            Some(changes) => changes,
            None => state.changes.insert(self.engine.changes()?),
        };
        let changed = changes.changed()?;
        match &state.catalogue {
            Some(catalogue) if !changed => Ok((catalogue.clone(), state.version)),
            _ => {
                // Forgotten first: a failed rebuild must not leave a stale one.
                state.catalogue = None;
                state.importable = None;
                let catalogue = Arc::new(self.engine.catalogue()?);
                state.catalogue = Some(catalogue.clone());
                state.version += 1;
                Ok((catalogue, state.version))
            }
        }
    }
}
