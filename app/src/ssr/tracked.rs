//! The products list's catalogue, shared by every request and rebuilt when the
//! main store says it may have changed (a run, an office status change).

use std::sync::{Arc, Mutex, PoisonError};

use engine::{Catalogue, Engine};

/// The products list this server keeps. Cheap to clone: clones share it.
#[derive(Clone)]
pub struct TrackedList {
    engine: Engine,
    built: Arc<Mutex<Option<Built>>>,
}

struct Built {
    fingerprint: String,
    catalogue: Arc<Catalogue>,
    version: u64,
}

impl TrackedList {
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            built: Arc::default(),
        }
    }

    /// The list as of now with its version, rebuilt first when the store moved
    /// since it was built. Blocking; requests that come during a rebuild wait
    /// for it rather than start their own.
    pub fn versioned(&self) -> engine::Result<(Arc<Catalogue>, u64)> {
        let mut built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        let fingerprint = self.engine.tracked_fingerprint()?;
        if let Some(built) = built.as_ref().filter(|b| b.fingerprint == fingerprint) {
            return Ok((built.catalogue.clone(), built.version));
        }
        let version = built.as_ref().map_or(1, |b| b.version + 1);
        // Forgotten first: a failed rebuild must not leave a stale one.
        *built = None;
        let catalogue = Arc::new(self.engine.tracked_catalogue()?);
        *built = Some(Built {
            fingerprint,
            catalogue: catalogue.clone(),
            version,
        });
        Ok((catalogue, version))
    }
}
