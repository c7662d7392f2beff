//! Whole-file copies of the warehouse, taken only when the admin asks. Runs never
//! take one: each warehouse write is recorded with the before-image of the cells it
//! overwrites (see `store::WarehouseWrite`), which is what undoing a run needs, and a
//! full copy would hold the warehouse app's commits for as long as it reads the file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::error::{Error, Result};
use crate::store;

/// Where snapshots go, inside the data directory.
pub const SNAPSHOT_DIR: &str = "snapshots";

/// How long a snapshot may keep starting over while the warehouse app writes.
const SNAPSHOT_LIMIT: Duration = Duration::from_secs(120);

/// A snapshot taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The copy's file name in the data directory's `snapshots/`.
    pub file: String,
    pub bytes: u64,
    pub duration_ms: u64,
}

impl Engine {
    /// Copies the warehouse file into the data directory in small steps (see
    /// [`crate::warehouse::Reader::snapshot`]), keeps the newest copies up to the
    /// retention setting, and logs it as `by`.
    pub fn snapshot_warehouse(&self, by: &crate::Actor) -> Result<Snapshot> {
        let started = Instant::now();
        let store = self.store()?;
        let settings = store::settings(&store.conn).map_err(|e| store.err(e))?;
        let reader = self.warehouse_with(&settings)?.open_read()?;
        let dir = self.data_dir().join(SNAPSHOT_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            context: format!("cannot create snapshot directory {}", dir.display()),
            source,
        })?;
        let file = format!(
            "warehouse-{}.sqlite3",
            Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        );
        let path = dir.join(&file);
        reader.snapshot(&path, SNAPSHOT_LIMIT)?;
        prune(&dir, settings.snapshot_retention as usize)?;
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        store::log_activity(&store.conn, by, "warehouse.snapshot", &file, None)
            .map_err(|e| store.err(e))?;
        Ok(Snapshot {
            file,
            bytes,
            duration_ms: started.elapsed().as_millis() as u64,
        })
    }
}

/// Deletes the oldest snapshots beyond `keep` (names sort by time).
fn prune(dir: &Path, keep: usize) -> Result<()> {
    let io = |source| Error::Io {
        context: format!("cannot prune snapshots in {}", dir.display()),
        source,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("warehouse-") && n.ends_with(".sqlite3"))
        })
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for old in &names[..excess] {
        std::fs::remove_file(old).map_err(io)?;
    }
    Ok(())
}
