//! The conflicts inbox: the open conflicts, and what a resolution would do.

use crate::error::Result;
use crate::store::{self, Store};
use crate::{ConflictList, Engine};

/// The most open conflicts one look returns: a mill has a handful at a time;
/// more are counted, not listed.
pub const CONFLICTS_LISTED: usize = 500;

impl Engine {
    /// The open conflicts whose reel number holds `search` (all when `None`),
    /// newest found first, with how many match and how many are open.
    pub fn conflicts(&self, search: Option<&str>) -> Result<ConflictList> {
        let store = Store::open_read_only(&self.config.data_dir)?;
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        store::open_conflicts(&store.conn, search, CONFLICTS_LISTED).map_err(|e| store.err(e))
    }
}
