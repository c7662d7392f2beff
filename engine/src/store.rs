//! The main store: reelsync's own SQLite file (WAL) and its migrations, here; its
//! queries by concern in the modules below (the warehouse's identity, the
//! mappings and settings, tracked reels and products, the run log, warehouse
//! writes, the activity log), all re-exported as `store::…`.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};
use crate::mapping::default_mappings;

mod activity;
mod config;
mod conflicts;
mod identity;
mod products;
mod runs;
mod writes;

pub use activity::*;
pub use config::*;
pub use conflicts::*;
pub use identity::*;
pub use products::*;
pub use runs::*;
pub use writes::*;

/// The main store's file name inside the data directory.
pub const STORE_FILE: &str = "reelsync.sqlite3";

/// How long a main-store statement waits for another reelsync process's write.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page cache of a run's connection, in KiB. A large import's transaction then
/// mostly stays in memory instead of spilling pages to the WAL mid-transaction and
/// reading them back when it touches them again. 8 MiB, not 16: the import of
/// 70,000 reels takes up to a tenth longer, and the run 8 MiB less of a small
/// Pi's memory (the server's peak with ten viewers stays under 48 MB).
const RUN_CACHE_KIB: u32 = 8 * 1024;

/// How many migrations there are: the schema version of an up-to-date store.
const LATEST: std::num::NonZeroUsize = std::num::NonZeroUsize::new(12).unwrap();

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../migrations/001_initial.sql")),
        M::up(include_str!("../migrations/002_link_import_time.sql")),
        M::up(include_str!("../migrations/003_warehouse_writes.sql")),
        M::up(include_str!("../migrations/004_session_idle.sql")),
        // Rebuilds the runs table: run with foreign keys off (see `migrate`), and
        // checked before it commits.
        M::up(include_str!("../migrations/005_run_cancelled.sql")).foreign_key_check(),
        M::up(include_str!("../migrations/006_run_items_by_reel.sql")),
        M::up(include_str!("../migrations/007_import_selections.sql")),
        // Rebuilds product_mappings, like 005 the runs table.
        M::up(include_str!("../migrations/008_reel_identity.sql")).foreign_key_check(),
        M::up(include_str!("../migrations/009_activity_by_subject.sql")),
        // Rebuilds the runs table, like 005.
        M::up(include_str!("../migrations/010_conflicts.sql")).foreign_key_check(),
        M::up(include_str!("../migrations/011_activity_log.sql")),
        M::up(include_str!("../migrations/012_user_accounts.sql")),
    ])
});

/// A connection to the main store.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
            context: format!("cannot create data directory {}", data_dir.display()),
            source,
        })?;
        let path = data_dir.join(STORE_FILE);
        let mut store = Self::connect(&path, OpenFlags::default())?;
        store.pragma("journal_mode", "WAL")?;
        store.pragma("synchronous", "NORMAL")?;
        store.migrate()?;
        // Password hashes and sessions: for reelsync's own user only (the WAL
        // files exist now too; SQLite gives later ones the store's mode).
        crate::modes::restrict(data_dir)?;
        Ok(store)
    }

    /// Opens the store without write access (dry runs, reads). A data directory
    /// that has no store yet reads as a new, empty one, held in memory: reading
    /// creates nothing on disk.
    pub fn open_read_only(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join(STORE_FILE);
        if !path.exists() {
            return Self::empty_in_memory(&path);
        }
        let store = Self::connect(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let current = MIGRATIONS
            .current_version(&store.conn)
            .map_err(|e| store.migration_err(e))?;
        if current != rusqlite_migration::SchemaVersion::Inside(LATEST) {
            return Err(Error::StoreSchema {
                path: path.to_owned(),
                found: current.to_string(),
                latest: LATEST.get(),
            });
        }
        Ok(store)
    }

    /// A new store, migrated and seeded, in memory only; errors name `path`.
    fn empty_in_memory(path: &Path) -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| Error::store(path.to_owned(), e))?;
        let mut store = Self {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Brings the schema up to date and seeds the default mappings of a new store.
    ///
    /// Foreign keys are off while the migrations run (and back as they were after):
    /// a migration that rebuilds a table (SQLite's way to change a CHECK) drops the
    /// old one, which with them on would delete every row that refers to it. Such
    /// a migration checks the keys itself before it commits.
    fn migrate(&mut self) -> Result<()> {
        let foreign_keys: bool = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        self.pragma("foreign_keys", "OFF")?;
        let migrated = MIGRATIONS
            .to_latest(&mut self.conn)
            .map_err(|e| self.migration_err(e));
        self.pragma("foreign_keys", if foreign_keys { "ON" } else { "OFF" })?;
        migrated?;
        self.seed_mappings()
    }

    fn migration_err(&self, source: rusqlite_migration::Error) -> Error {
        Error::Migration {
            path: self.path.clone(),
            source,
        }
    }

    /// Opens a read-write connection to a store that [`Store::open`] has migrated.
    pub fn connect_existing(data_dir: &Path) -> Result<Self> {
        Self::connect(&data_dir.join(STORE_FILE), OpenFlags::default())
    }

    /// [`Store::connect_existing`] for a run: a larger page cache, and foreign keys
    /// not checked. Every row a run inserts refers to a row it wrote just before (a
    /// link to its product, an item to its run), and checking each one cost a tenth
    /// of a large import; the sync tests check the keys after every kind of run.
    ///
    /// Its commits are synced to disk only at checkpoints (`synchronous = NORMAL`,
    /// safe in WAL mode against a crash of the process): a run commits page by
    /// page, and a sync per page would triple a large import's time. The one commit
    /// that must survive a power cut, the record of warehouse writes about to be
    /// made, is made with [`durable_commits`] on.
    pub fn connect_for_run(data_dir: &Path) -> Result<Self> {
        let store = Self::connect_existing(data_dir)?;
        store.pragma("cache_size", &format!("-{RUN_CACHE_KIB}"))?;
        store.pragma("foreign_keys", "OFF")?;
        store.pragma("synchronous", "NORMAL")?;
        Ok(store)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Self> {
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|source| Error::store(path.to_owned(), source))?;
        let store = Self {
            conn,
            path: path.to_owned(),
        };
        store
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| store.err(e))?;
        store.pragma("foreign_keys", "ON")?;
        Ok(store)
    }

    fn pragma(&self, name: &str, value: &str) -> Result<()> {
        self.conn
            .pragma_update(None, name, value)
            .map_err(|e| self.err(e))
    }

    /// A function wrapping SQLite errors with the store's path, for use while a
    /// transaction borrows the connection.
    pub(crate) fn err_fn(&self) -> impl Fn(rusqlite::Error) -> Error + use<> {
        let path = self.path.clone();
        move |source| Error::store(path.clone(), source)
    }

    /// Wraps a SQLite error with the store's path.
    pub(crate) fn err(&self, source: rusqlite::Error) -> Error {
        Error::store(self.path.clone(), source)
    }

    fn seed_mappings(&self) -> Result<()> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM field_mappings", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if count == 0 {
            replace_mappings(&self.conn, &default_mappings()).map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

/// Makes the commits on `conn` synced to disk before they return (`on`), or only
/// at checkpoints.
pub fn durable_commits(conn: &Connection, on: bool) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", if on { "FULL" } else { "NORMAL" })
}

/// A time as the store keeps it, formatted once: a run stamps every row it writes
/// with its own time, and formatting a time per row would cost more than the row.
pub struct Stamp(String);

impl Stamp {
    /// The time to the millisecond, in the format rusqlite reads back as a
    /// `DateTime<Utc>` (its own writes carry nanoseconds: six bytes more per stamp).
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(at.format("%F %T%.3f%:z").to_string())
    }
}

impl rusqlite::ToSql for Stamp {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;
    use crate::status::ReelStatus;

    #[test]
    fn store_times_read_quickly_as_rusqlite_reads_them() {
        let conn = Connection::open_in_memory().unwrap();
        let at = Utc::now();
        for text in [
            Stamp::new(at).0,
            // As rusqlite writes one itself, and as an older version kept it.
            at.format("%F %T%.f%:z").to_string(),
            "2026-01-02 03:04:05+00:00".to_owned(),
            "2026-01-02T03:04:05Z".to_owned(),
        ] {
            let (quick, general): (DateTime<Utc>, DateTime<Utc>) = conn
                .query_row("SELECT ?1, ?1", [&text], |row| {
                    Ok((time_column(row, 0)?, row.get(1)?))
                })
                .unwrap();
            assert_eq!(quick, general, "{text}");
        }
    }

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
        let store = Store::empty_in_memory(Path::new("memory")).unwrap();
        assert_eq!(
            MIGRATIONS.current_version(&store.conn).unwrap(),
            rusqlite_migration::SchemaVersion::Inside(LATEST),
            "LATEST counts every migration"
        );
    }

    #[test]
    fn a_version_4_store_upgrades_keeping_its_runs_and_their_items() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(STORE_FILE)).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            Migrations::new(vec![
                M::up(include_str!("../migrations/001_initial.sql")),
                M::up(include_str!("../migrations/002_link_import_time.sql")),
                M::up(include_str!("../migrations/003_warehouse_writes.sql")),
                M::up(include_str!("../migrations/004_session_idle.sql")),
            ])
            .to_latest(&mut conn)
            .unwrap();
            conn.execute_batch(
                "INSERT INTO runs (id, kind, trigger, who, started_at, outcome, imported)
                     VALUES (3, 'import', 'manual', 'cli:ann', '2026-01-02 03:04:05.000+00:00',
                             'partial', 2);
                 INSERT INTO run_items (run_id, seq, reel_number, action)
                     VALUES (3, 1, 'R-1', 'import'), (3, 2, 'R-2', 'import');",
            )
            .unwrap();
            let refused = conn.execute("UPDATE runs SET outcome = 'cancelled' WHERE id = 3", []);
            assert!(refused.is_err(), "version 4 knows no cancelled runs");
        }
        let store = Store::open(dir.path()).unwrap();
        let kept = run(&store.conn, 3).unwrap().unwrap();
        assert_eq!((kept.outcome, kept.counts.imported), (Outcome::Partial, 2));
        assert_eq!(run_items(&store.conn, 3).unwrap().len(), 2, "items kept");
        store
            .conn
            .execute("UPDATE runs SET outcome = 'cancelled' WHERE id = 3", [])
            .unwrap();
        assert_eq!(
            run(&store.conn, 3).unwrap().unwrap().outcome,
            Outcome::Cancelled
        );
        let foreign_keys: bool = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(foreign_keys, "back on after the migrations");
        let indexed: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'runs_started'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 1);
        // Deleting a run still takes its items with it: the references hold.
        store
            .conn
            .execute("DELETE FROM runs WHERE id = 3", [])
            .unwrap();
        assert!(run_items(&store.conn, 3).unwrap().is_empty());
    }

    #[test]
    fn a_version_1_store_upgrades_keeping_its_tracked_reels() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(STORE_FILE)).unwrap();
            Migrations::new(vec![M::up(include_str!("../migrations/001_initial.sql"))])
                .to_latest(&mut conn)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO products (id, reel_number, status, status_changed_at, created_at, updated_at)
                     VALUES (7, 'R-1', 'Sold', '2026-01-02 03:04:05.000+00:00',
                             '2026-01-02 03:04:05.000+00:00', '2026-01-02 03:04:05.000+00:00');
                 INSERT INTO product_mappings
                     (product_id, external_id, base_status, field_hash, imported_at, last_synced_at)
                     VALUES (7, 70, 'Sold', 1, '2026-01-02 03:04:05.000+00:00',
                             '2026-01-02 03:04:05.000+00:00');",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let tracked = tracked_by_reels(&store.conn, ["R-1"]).unwrap();
        assert_eq!(tracked["R-1"].external_id, 70);
        assert_eq!(tracked["R-1"].base, ReelStatus::Sold);
        let has_column: bool = store
            .conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('product_mappings') WHERE name = 'imported_at'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!has_column);
    }

    #[test]
    fn a_version_9_store_keeps_its_conflicts_as_records() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(STORE_FILE)).unwrap();
            MIGRATIONS.to_version(&mut conn, 9).unwrap();
            conn.execute_batch(
                r#"INSERT INTO runs (id, kind, trigger, who, started_at, outcome, missing)
                     VALUES (4, 'manual', 'manual', 'ann', '2026-01-02 03:04:05.000+00:00', 'partial', 1);
                 INSERT INTO products (id, reel_number, status, status_changed_at, created_at, updated_at)
                     VALUES (7, 'R-1', 'In-stock', '2026-01-02 03:04:05.000+00:00',
                             '2026-01-02 03:04:05.000+00:00', '2026-01-02 03:04:05.000+00:00');
                 INSERT INTO product_mappings
                     (product_id, external_id, base_status, field_hash, state, state_reason, last_synced_at)
                     VALUES (7, 70, 'Sold', 1, 'conflict',
                             '{"code":"set_by_warehouse_app","office":"In-stock","warehouse":"Delivered"}',
                             '2026-01-02 03:04:05.000+00:00');"#,
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let list = open_conflicts(&store.conn, None, 10).unwrap();
        assert_eq!(list.open, 1);
        let c = &list.conflicts[0];
        assert_eq!(c.reel_number, "R-1");
        assert_eq!(
            (c.base, c.office, c.warehouse),
            (ReelStatus::Sold, ReelStatus::InStock, ReelStatus::Delivered)
        );
        assert_eq!(c.found_run, 4);
        let kept = run(&store.conn, 4).unwrap().unwrap();
        assert_eq!(kept.counts.missing, 1, "the runs keep every column");
        store
            .conn
            .execute("UPDATE runs SET kind = 'resolve' WHERE id = 4", [])
            .unwrap();
    }
}
