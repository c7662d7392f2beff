//! The main store: reelsync's own SQLite file (WAL), its migrations and its queries.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, Statement, params};
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};
use crate::mapping::{FieldMapping, FieldValue, Mapped, ProductField, Transform, default_mappings};
use crate::plan::{KnownNumbers, LastWrite, LinkState, LinksByRow, Relink, RowWrite, Tracked};
use crate::report::{
    Action, Change, Counts, ItemFilter, LoggedItem, Outcome, RunFilter, RunItem, RunKind,
    RunSummary, Trigger,
};
use crate::settings::{AutoImport, SyncSettings};
use crate::status::ReelStatus;
use crate::warehouse::Cell;
use crate::{Reason, RunError, WarehouseProblem};

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
const LATEST: std::num::NonZeroUsize = std::num::NonZeroUsize::new(8).unwrap();

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

// ----- the warehouse's identity ----------------------------------------------------

/// The mapped warehouse columns and their types as last saved, and whether an
/// admin has accepted the file at the warehouse path as it is.
pub fn warehouse_identity(
    conn: &Connection,
) -> rusqlite::Result<(Option<BTreeMap<String, String>>, bool)> {
    conn.query_row(
        "SELECT warehouse_columns, warehouse_accepted FROM sync_settings WHERE id = 1",
        [],
        |row| {
            let columns = row
                .get::<_, Option<String>>(0)?
                .map(|json| serde_json::from_str(&json).map_err(|e| conversion(0, e)))
                .transpose()?;
            Ok((columns, row.get(1)?))
        },
    )
}

/// Saves the mapped columns a run found, and ends a one-time acceptance.
pub fn save_warehouse_identity(
    conn: &Connection,
    columns: &BTreeMap<String, String>,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(columns).map_err(|e| conversion(0, e))?;
    conn.execute(
        "UPDATE sync_settings SET warehouse_columns = ?1, warehouse_accepted = 0 WHERE id = 1",
        [json],
    )
    .map(drop)
}

/// Holds runs (and the schedule) on `problem`, or lifts the hold (`None`).
pub fn set_warehouse_hold(
    conn: &Connection,
    problem: Option<&WarehouseProblem>,
) -> rusqlite::Result<()> {
    let json = problem
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| conversion(0, e))?;
    conn.execute(
        "UPDATE sync_settings SET warehouse_hold = ?1 WHERE id = 1",
        [json],
    )
    .map(drop)
}

/// Lifts the hold and lets the next run take the file as it is.
pub fn accept_warehouse(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sync_settings SET warehouse_hold = NULL, warehouse_accepted = 1 WHERE id = 1",
        [],
    )
    .map(drop)
}

/// Up to `limit` tracked reels, at random, not already missing: their numbers,
/// when their rows were created and which row they were last found on. Each is
/// the first link at or after a random product id (one probe of the key each):
/// sorting every link at random would read them all.
pub fn sample_tracked(
    conn: &Connection,
    limit: u32,
) -> rusqlite::Result<Vec<(String, Option<String>, i64)>> {
    let (low, high, count): (i64, i64, i64) = conn.query_row(
        "SELECT coalesce(min(product_id), 0), coalesce(max(product_id), -1), count(*)
         FROM product_mappings",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if count <= i64::from(limit) {
        // A small store: every link.
        return conn
            .prepare_cached(
                "SELECT p.reel_number, m.born, m.external_id
                 FROM product_mappings m JOIN products p ON p.id = m.product_id
                 WHERE m.state <> 'missing'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect();
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.reel_number, m.born, m.external_id, m.product_id
         FROM product_mappings m JOIN products p ON p.id = m.product_id
         WHERE m.product_id >= ?1 AND m.state <> 'missing' ORDER BY m.product_id LIMIT 1",
    )?;
    use rand::{Rng, SeedableRng, rngs::StdRng};
    // Any spread will do; the system's randomness only spares a fixed sample.
    let mut rng = StdRng::try_from_os_rng().unwrap_or_else(|_| StdRng::seed_from_u64(high as u64));
    let mut seen = HashSet::new();
    let mut sample = Vec::new();
    // Twice as many draws as wanted: links already missing are drawn too.
    for _ in 0..limit * 2 {
        if sample.len() as u32 == limit {
            break;
        }
        let from = rng.random_range(low..=high);
        let found = stmt
            .query_row([from], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()?;
        if let Some((reel, born, row, product_id)) = found
            && seen.insert(product_id)
        {
            sample.push((reel, born, row));
        }
    }
    Ok(sample)
}

// ----- field mappings -------------------------------------------------------------

/// The stored field mappings, in field order.
pub fn mappings(conn: &Connection) -> rusqlite::Result<Vec<FieldMapping>> {
    let mut stmt =
        conn.prepare("SELECT field, external_column, transforms, active FROM field_mappings")?;
    let mut out: Vec<FieldMapping> = stmt
        .query_map([], |row| {
            let field: String = row.get(0)?;
            let transforms: String = row.get(2)?;
            Ok(FieldMapping {
                field: field
                    .parse()
                    .map_err(|e: model::Refusal| conversion(0, e))?,
                column: row.get(1)?,
                transforms: serde_json::from_str::<Vec<Transform>>(&transforms)
                    .map_err(|e| conversion(2, e))?,
                active: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    out.sort_by_key(|m| m.field);
    Ok(out)
}

/// Replaces every stored mapping with `mappings`.
pub fn replace_mappings(conn: &Connection, mappings: &[FieldMapping]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM field_mappings", [])?;
    let mut stmt = conn.prepare(
        "INSERT INTO field_mappings (field, external_column, transforms, active, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let now = Utc::now();
    for m in mappings {
        let transforms = serde_json::to_string(&m.transforms).map_err(|e| conversion(2, e))?;
        stmt.execute(params![
            m.field.as_str(),
            m.column,
            transforms,
            m.active,
            now
        ])?;
    }
    Ok(())
}

fn conversion(column: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

// ----- settings -------------------------------------------------------------------

/// The sync settings.
pub fn settings(conn: &Connection) -> rusqlite::Result<SyncSettings> {
    conn.query_row(
        "SELECT auto_sync, interval_minutes, auto_import, external_path, snapshot_retention,
                last_run_at, next_run_at, warehouse_time_zone, mirror_anbar, warehouse_hold
         FROM sync_settings WHERE id = 1",
        [],
        |row| {
            let auto_import: String = row.get(2)?;
            let hold = row
                .get::<_, Option<String>>(9)?
                .map(|json| serde_json::from_str(&json).map_err(|e| conversion(9, e)))
                .transpose()?;
            Ok(SyncSettings {
                auto_sync: row.get(0)?,
                interval_minutes: row.get(1)?,
                auto_import: AutoImport::parse(&auto_import).map_err(|e| conversion(2, e))?,
                external_path: row.get(3)?,
                snapshot_retention: row.get(4)?,
                last_run_at: row.get(5)?,
                next_run_at: row.get(6)?,
                warehouse_time_zone: row.get(7)?,
                mirror_anbar: row.get(8)?,
                warehouse_hold: hold,
            })
        },
    )
}

/// Writes every settings value.
pub fn save_settings(conn: &Connection, s: &SyncSettings) -> rusqlite::Result<()> {
    let hold = s
        .warehouse_hold
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| conversion(9, e))?;
    conn.execute(
        "UPDATE sync_settings SET auto_sync = ?1, interval_minutes = ?2, auto_import = ?3,
                external_path = ?4, snapshot_retention = ?5, last_run_at = ?6, next_run_at = ?7,
                warehouse_time_zone = ?8, mirror_anbar = ?9, warehouse_hold = ?10
         WHERE id = 1",
        params![
            s.auto_sync,
            s.interval_minutes,
            s.auto_import.as_str(),
            s.external_path,
            s.snapshot_retention,
            s.last_run_at,
            s.next_run_at,
            s.warehouse_time_zone,
            s.mirror_anbar,
            hold
        ],
    )
    .map(drop)
}

// ----- tracked reels and products -------------------------------------------------

const TRACKED_COLUMNS: &str = "SELECT m.product_id, m.external_id, p.reel_number, p.status,
        m.base_status, m.field_hash, m.state, p.status_changed_at, m.written_status, m.born,
        m.written_run, m.written_before, m.written_hash_before";

/// Tracked reels, from the links (`m`) and their products (`p`).
fn tracked_select() -> String {
    format!("{TRACKED_COLUMNS} FROM product_mappings m JOIN products p ON p.id = m.product_id")
}

fn tracked_from_row(row: &Row<'_>) -> rusqlite::Result<Tracked> {
    let last_write = match (
        row.get::<_, Option<i64>>(10)?,
        row.get::<_, Option<i64>>(12)?,
    ) {
        (Some(run_id), Some(source_hash_before)) => Some(LastWrite {
            run_id,
            status_before: Cell::read(row.get_ref(11)?),
            source_hash_before,
            born: row.get(9)?,
        }),
        // Writes recorded before their row's hash was kept are never taken as lost.
        _ => None,
    };
    Ok(Tracked {
        product_id: row.get(0)?,
        external_id: row.get(1)?,
        reel_number: row.get(2)?,
        office: status_column(row, 3)?,
        base: status_column(row, 4)?,
        field_hash: row.get(5)?,
        state: LinkState::parse(&row.get::<_, String>(6)?),
        status_changed_at: time_column(row, 7)?,
        written: row
            .get::<_, Option<String>>(8)?
            .map(|s| s.parse().map_err(|e| conversion(8, e)))
            .transpose()?,
        born: row.get(9)?,
        last_write,
    })
}

/// A time the store keeps (`YYYY-MM-DD HH:MM:SS[.f]±HH:MM`), read without the
/// general parser rusqlite uses, which takes longer than the rest of the row on
/// a sync of every tracked reel; anything else is left to it.
fn time_column(row: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    if let rusqlite::types::ValueRef::Text(bytes) = row.get_ref(i)?
        && bytes.get(10) == Some(&b' ')
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        let rfc3339 = format!("{}T{}", &text[..10], &text[11..]);
        if let Ok(at) = DateTime::parse_from_rfc3339(&rfc3339) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    row.get(i)
}

fn status_column(row: &Row<'_>, i: usize) -> rusqlite::Result<ReelStatus> {
    row.get::<_, String>(i)?
        .parse()
        .map_err(|e| conversion(i, e))
}

/// The tracked reels among `reels`, by reel number.
pub fn tracked_by_reels<'r>(
    conn: &Connection,
    reels: impl IntoIterator<Item = &'r str>,
) -> rusqlite::Result<HashMap<String, Tracked>> {
    let reels: Vec<&str> = reels.into_iter().collect();
    if reels.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(&reels).map_err(|e| conversion(0, e))?;
    // A join probes the reel-number index once per listed reel; `IN (SELECT …)`
    // would first copy the list into a temporary B-tree.
    let mut stmt = conn.prepare_cached(&format!(
        "{TRACKED_COLUMNS} FROM json_each(?1) AS r JOIN products p ON p.reel_number = r.value
         JOIN product_mappings m ON m.product_id = p.id"
    ))?;
    stmt.query_map([list], tracked_from_row)?
        .map(|t| t.map(|t| (t.reel_number.clone(), t)))
        .collect()
}

/// Tracked reels last found on warehouse rows with ids in `(after, up_to]`, by
/// row id (two links may share one).
pub fn tracked_in_range(conn: &Connection, after: i64, up_to: i64) -> rusqlite::Result<LinksByRow> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE m.external_id > ?1 AND m.external_id <= ?2",
        tracked_select()
    ))?;
    let mut by_row = LinksByRow::new();
    for t in stmt.query_map([after, up_to], tracked_from_row)? {
        let t = t?;
        by_row.entry(t.external_id).or_default().push(t);
    }
    Ok(by_row)
}

/// reelsync's writes to the warehouse rows created at `borns`, newest first, by
/// creation time (which, unlike a row id, survives a rebuilt file).
pub fn writes_to_rows(
    conn: &Connection,
    borns: &[&str],
) -> rusqlite::Result<HashMap<String, Vec<RowWrite>>> {
    if borns.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(borns).map_err(|e| conversion(0, e))?;
    let mut writes: HashMap<String, Vec<RowWrite>> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT w.born, w.reel_number, w.reel, w.status_before, w.status_after,
                w.source_hash_after
         FROM json_each(?1) AS r JOIN warehouse_writes w ON w.born = r.value
         WHERE w.state = 'written'
         ORDER BY w.run_id DESC, w.seq DESC",
    )?;
    let mut rows = stmt.query([list])?;
    while let Some(row) = rows.next()? {
        writes.entry(row.get(0)?).or_default().push(RowWrite {
            reel_number: row.get(1)?,
            reel: Cell::read(row.get_ref(2)?),
            status_before: Cell::read(row.get_ref(3)?),
            status_after: row.get(4)?,
            source_hash_after: row.get(5)?,
        });
    }
    Ok(writes)
}

/// Every tracked reel's product id, in order.
pub fn tracked_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT product_id FROM product_mappings ORDER BY product_id")?
        .query_map([], |row| row.get(0))?
        .collect()
}

/// The tracked reels with these product ids, in id order.
pub fn tracked_by_ids(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<Tracked>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(|e| conversion(0, e))?;
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE m.product_id IN (SELECT value FROM json_each(?1)) ORDER BY m.product_id",
        tracked_select()
    ))?;
    stmt.query_map([list], tracked_from_row)?.collect()
}

/// Every product's reel number (along the reel-number index, which holds
/// nothing else), as a set that tells which numbers are surely not products.
pub fn known_numbers(conn: &Connection) -> rusqlite::Result<KnownNumbers> {
    let mut stmt = conn.prepare_cached("SELECT reel_number FROM products ORDER BY reel_number")?;
    let mut rows = stmt.query([])?;
    let mut known = KnownNumbers::default();
    while let Some(row) = rows.next()? {
        if let rusqlite::types::ValueRef::Text(reel) = row.get_ref(0)? {
            known.add(&String::from_utf8_lossy(reel));
        }
    }
    Ok(known)
}

/// Which of `reels` are products already.
pub fn known_reels(conn: &Connection, reels: &[&str]) -> rusqlite::Result<HashSet<String>> {
    if reels.is_empty() {
        return Ok(HashSet::new());
    }
    let list = serde_json::to_string(reels).map_err(|e| conversion(0, e))?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.reel_number FROM json_each(?1) AS r JOIN products AS p ON p.reel_number = r.value",
    )?;
    stmt.query_map([list], |row| row.get(0))?.collect()
}

/// Moves a tracked reel's link to the warehouse row it was found on (and, for a
/// row new to it, starts the link afresh from `base`).
pub fn relink(conn: &Connection, relink: &Relink, now: &Stamp) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET external_id = ?1, born = ?2,
                base_status = coalesce(?3, base_status),
                written_status = CASE WHEN ?3 IS NULL THEN written_status ELSE ?6 END,
                written_run = CASE WHEN ?3 IS NULL THEN written_run END,
                written_before = CASE WHEN ?3 IS NULL THEN written_before END,
                written_hash_before = CASE WHEN ?3 IS NULL THEN written_hash_before END,
                last_synced_at = ?4
         WHERE product_id = ?5",
    )?
    .execute(params![
        relink.external_id,
        relink.born,
        relink.base.map(ReelStatus::as_str),
        now,
        relink.product_id,
        relink.written.map(ReelStatus::as_str)
    ])
    .map(drop)
}

fn field_list() -> String {
    ProductField::ALL
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The import of a reel: every field, and the run's time as all three timestamps.
fn insert_product_sql() -> String {
    let n = ProductField::ALL.len();
    let placeholders: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO products ({}, status_changed_at, created_at, updated_at)
         VALUES ({}, ?{t}, ?{t}, ?{t})
         ON CONFLICT (reel_number) DO NOTHING",
        field_list(),
        placeholders.join(", "),
        t = n + 1,
    )
}

/// The fields a refresh of `mapped` writes: those its mappings feed, but the status,
/// which only the merge moves. A field without an active mapping keeps its value.
fn refreshed_fields(mapped: &Mapped) -> impl Iterator<Item = ProductField> + '_ {
    ProductField::ALL
        .iter()
        .copied()
        .filter(|f| *f != ProductField::Status && mapped.fields.contains(*f))
}

/// The refresh of `fields`, by product id. Every refresh of a run has the same
/// fields, so the statement cache serves it after the first.
fn update_fields_sql(fields: impl Iterator<Item = ProductField>) -> String {
    let sets: Vec<String> = fields
        .enumerate()
        .map(|(i, f)| format!("{f} = ?{}", i + 1))
        .collect();
    let n = sets.len();
    format!(
        "UPDATE products SET {}, updated_at = ?{} WHERE id = ?{}",
        sets.join(", "),
        n + 1,
        n + 2
    )
}

/// The inserts a run makes for nearly every reel, prepared once for the run: a
/// statement-cache look-up per reel (hashing the SQL text twice) cost more than a
/// tenth of a large import.
pub struct RunWriter<'c> {
    conn: &'c Connection,
    product: Statement<'c>,
    link: Statement<'c>,
    item: Statement<'c>,
}

impl<'c> RunWriter<'c> {
    /// Prepares the statements on `conn` (which may be read-only for a dry run, as
    /// long as nothing is inserted).
    pub fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Self {
            conn,
            product: conn.prepare(&insert_product_sql())?,
            link: conn.prepare(
                "INSERT INTO product_mappings (product_id, external_id, base_status, field_hash, last_synced_at, born)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            item: conn.prepare(
                "INSERT INTO run_items (run_id, seq, reel_number, action, reason, changes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
        })
    }

    /// The connection the statements run on, for a run's rarer writes.
    pub fn conn(&self) -> &'c Connection {
        self.conn
    }

    /// Inserts an imported reel and its tracking row, and returns the new
    /// product's id; `None` when the reel number is taken (then nothing is
    /// written).
    pub fn insert_product(
        &mut self,
        external_id: i64,
        mapped: &Mapped,
        born: Option<&str>,
        now: &Stamp,
    ) -> rusqlite::Result<Option<i64>> {
        let mut values: Vec<&dyn rusqlite::ToSql> = mapped
            .values
            .iter()
            .map(|v| v as &dyn rusqlite::ToSql)
            .collect();
        values.push(now);
        if self.product.execute(values.as_slice())? == 0 {
            return Ok(None);
        }
        let product_id = self.conn.last_insert_rowid();
        let status = mapped.status().unwrap_or(ReelStatus::InStock);
        self.link.execute(params![
            product_id,
            external_id,
            status.as_str(),
            mapped.source_hash,
            now,
            born
        ])?;
        Ok(Some(product_id))
    }

    /// Logs one reel acted on or rejected, as the run's `seq`th item.
    pub fn insert_item(&mut self, run_id: i64, seq: u64, item: &RunItem) -> rusqlite::Result<()> {
        let changes = match item.changes.as_slice() {
            // Imports, most items of a large run, change no listed field.
            [] => "[]".to_owned(),
            changes => serde_json::to_string(changes).map_err(|e| conversion(5, e))?,
        };
        self.item
            .execute(params![
                run_id,
                seq as i64,
                item.reel_number,
                item.action.as_str(),
                item.reason.as_ref().map(Reason::to_stored),
                changes
            ])
            .map(drop)
    }
}

/// Writes a product's mapped fields (not its status) and the new field hash;
/// `false` when its new reel number is another product's (then nothing is written).
pub fn update_fields(
    conn: &Connection,
    product_id: i64,
    mapped: &Mapped,
    now: &Stamp,
) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(&update_fields_sql(refreshed_fields(mapped)))?;
    let mut values: Vec<&dyn rusqlite::ToSql> = refreshed_fields(mapped)
        .map(|f| &mapped.values[f.index()] as &dyn rusqlite::ToSql)
        .collect();
    values.push(now);
    values.push(&product_id);
    match stmt.execute(values.as_slice()) {
        // A failed statement undoes only itself; the run's transaction goes on.
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            return Ok(false);
        }
        result => result?,
    };
    conn.prepare_cached(
        "UPDATE product_mappings SET field_hash = ?1, last_synced_at = ?2 WHERE product_id = ?3",
    )?
    .execute(params![mapped.source_hash, now, product_id])?;
    Ok(true)
}

/// A product's current field values, in [`ProductField::ALL`] order.
pub fn product_values(
    conn: &Connection,
    product_id: i64,
) -> rusqlite::Result<Option<Vec<Option<FieldValue>>>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM products WHERE id = ?1",
        field_list()
    ))?
    .query_row([product_id], |row| {
        let values = ProductField::ALL
            .iter()
            .enumerate()
            .map(|(i, _)| {
                Ok(match row.get::<_, rusqlite::types::Value>(i)? {
                    rusqlite::types::Value::Integer(n) => Some(FieldValue::Int(n)),
                    rusqlite::types::Value::Text(s) => Some(FieldValue::Text(s)),
                    _ => None,
                })
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok(values)
    })
    .optional()
}

/// Sets the office status of a product as a sync decided it.
pub fn set_status_from_sync(
    conn: &Connection,
    product_id: i64,
    status: ReelStatus,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE products SET status = ?1, status_changed_at = ?2, updated_at = ?2
         WHERE id = ?3 AND status <> ?1",
    )?
    .execute(params![status.as_str(), now, product_id])
    .map(drop)
}

/// Records `base`, the warehouse's status, as the one both sides agree on, and the
/// link as in step. The warehouse app set that status, not reelsync, so the link
/// forgets what reelsync last wrote: an office cancellation is exported only over
/// a value reelsync wrote and the warehouse has held since.
pub fn agree_on_warehouse_status(
    conn: &Connection,
    product_id: i64,
    base: ReelStatus,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET base_status = ?1, written_status = NULL, written_run = NULL,
                written_before = NULL, written_hash_before = NULL, state = 'ok',
                state_reason = NULL, last_synced_at = ?2
         WHERE product_id = ?3",
    )?
    .execute(params![base.as_str(), now, product_id])
    .map(drop)
}

/// Records that reelsync made `write` to the warehouse: both sides now agree on
/// its status, and the product (its `last_date`, when written) and the field hash
/// match the warehouse row.
pub fn record_export(
    conn: &Connection,
    write: &WarehouseWrite,
    now: &Stamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET base_status = ?1, written_status = ?1, state = 'ok', state_reason = NULL,
                field_hash = ?2, last_synced_at = ?3, written_run = ?5, written_before = ?6,
                written_hash_before = ?7
         WHERE product_id = ?4",
    )?
    .execute(params![
        write.to.as_str(),
        write.source_hash_after,
        now,
        write.product_id,
        write.run_id,
        write.status_before,
        write.source_hash_before
    ])?;
    // Not written: last_date is not mapped, so the product's is not the warehouse's.
    if write.writes_last_date {
        conn.prepare_cached("UPDATE products SET last_date = ?1, updated_at = ?2 WHERE id = ?3")?
            .execute(params![write.last_date_after, now, write.product_id])?;
    }
    Ok(())
}

/// What of the store an import grid's catalogue depends on, as one text that
/// changes when any of it does: which reels are tracked (imports only add them),
/// the mappings, the warehouse file and its time zone. Cheap: two index lookups,
/// one count over an index and two tiny tables.
pub fn catalogue_fingerprint(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT coalesce((SELECT max(product_id) FROM product_mappings), 0) || ' '
                || (SELECT count(*) FROM product_mappings) || ' '
                || coalesce((SELECT max(updated_at) FROM field_mappings), '') || ' '
                || (SELECT count(*) FROM field_mappings WHERE active = 1) || ' '
                || coalesce(external_path, '') || ' ' || coalesce(warehouse_time_zone, '')
         FROM sync_settings WHERE id = 1",
    )?
    .query_row([], |row| row.get(0))
}

/// Records a link's state without touching its base.
pub fn set_state(
    conn: &Connection,
    product_id: i64,
    state: LinkState,
    reason: Option<&Reason>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_mappings SET state = ?1, state_reason = ?2 WHERE product_id = ?3",
    )?
    .execute(params![
        state.as_str(),
        reason.map(Reason::to_stored),
        product_id
    ])
    .map(drop)
}

// ----- runs -----------------------------------------------------------------------

/// Marks as failed the runs still logged as `running`: called with the run lock
/// held, they are runs whose process died (killed, or a power cut) before they
/// could record their end. A run commits its counters with each part of its work,
/// so theirs count what they saved; the rest was rolled back with them.
pub fn close_interrupted_runs(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE runs SET outcome = 'failed', finished_at = ?1, error = ?2
         WHERE outcome = 'running'",
        params![Utc::now(), RunError::Interrupted.to_stored()],
    )
}

/// Records a run's counters so far, in the transaction that saves the work they
/// count: whatever happens next, the log never says more or less than was saved.
pub fn record_counts(conn: &Connection, run_id: i64, c: &Counts) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET importable = ?1, imported = ?2, updated = ?3, exported = ?4,
                status_in = ?5, conflicts = ?6, rejected = ?7, unchanged = ?8, missing = ?9,
                rewritten = ?10
         WHERE id = ?11",
    )?
    .execute(params![
        c.importable as i64,
        c.imported as i64,
        c.updated as i64,
        c.exported as i64,
        c.status_in as i64,
        c.conflicts as i64,
        c.rejected as i64,
        c.unchanged as i64,
        c.missing as i64,
        c.rewritten as i64,
        run_id
    ])
    .map(drop)
}

/// The number of items a run has logged (its last `seq`).
pub fn logged_items(conn: &Connection, run_id: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT coalesce(max(seq), 0) FROM run_items WHERE run_id = ?1",
        [run_id],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
}

/// Logs, in an earlier run, an export that run made but could not record, and
/// counts it there.
pub fn record_late_export(conn: &Connection, run_id: i64, item: &RunItem) -> rusqlite::Result<()> {
    let seq = logged_items(conn, run_id)? + 1;
    let changes = serde_json::to_string(&item.changes).map_err(|e| conversion(5, e))?;
    conn.prepare_cached(
        "INSERT INTO run_items (run_id, seq, reel_number, action, reason, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        run_id,
        seq as i64,
        item.reel_number,
        item.action.as_str(),
        item.reason.as_ref().map(Reason::to_stored),
        changes
    ])?;
    conn.prepare_cached("UPDATE runs SET exported = exported + 1 WHERE id = ?1")?
        .execute([run_id])
        .map(drop)
}

// ----- warehouse writes -------------------------------------------------------------

/// One write to the warehouse, as recorded before it is made.
#[derive(Debug, Clone, PartialEq)]
pub struct WarehouseWrite {
    pub run_id: i64,
    /// Its place in the run's writes.
    pub seq: u64,
    pub product_id: i64,
    pub external_id: i64,
    pub reel_number: String,
    /// The compare-and-set key, as read.
    pub reel: Cell,
    /// The before-image of the cells written: what the write overwrites.
    pub status_before: Cell,
    pub last_date_before: Cell,
    /// The after-image.
    pub status_after: String,
    pub last_date_after: Option<String>,
    pub writes_last_date: bool,
    pub to: ReelStatus,
    pub source_hash_after: i64,
    /// The hash of the row's mapped cells just before the write: a row back at
    /// exactly this and `status_before` lost the write.
    pub source_hash_before: Option<i64>,
    /// The row's creation time, when known.
    pub born: Option<String>,
    /// The forklift's copy written with it, when there is one: its row in an
    /// `Anbar_` table and the before-image of what the write overwrites there.
    pub copy: Option<CopyBefore>,
}

/// The forklift's copy of a reel as a write found it.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyBefore {
    pub table: String,
    pub id: i64,
    pub status_before: Cell,
    pub last_date_before: Cell,
    pub writes_last_date: bool,
}

/// Records writes about to be made, as `planned`.
pub fn plan_writes(conn: &Connection, writes: &[WarehouseWrite]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO warehouse_writes (run_id, seq, product_id, external_id, reel_number, reel,
             status_before, last_date_before, status_after, last_date_after, writes_last_date,
             to_status, source_hash_after, source_hash_before, born, copy_table, copy_id,
             copy_status_before, copy_last_date_before, copy_writes_last_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20)",
    )?;
    for w in writes {
        let copy = w.copy.as_ref();
        stmt.execute(params![
            w.run_id,
            w.seq as i64,
            w.product_id,
            w.external_id,
            w.reel_number,
            w.reel,
            w.status_before,
            w.last_date_before,
            w.status_after,
            w.last_date_after,
            w.writes_last_date,
            w.to.as_str(),
            w.source_hash_after,
            w.source_hash_before,
            w.born,
            copy.map(|c| &c.table),
            copy.map(|c| c.id),
            copy.map_or(&Cell::Null, |c| &c.status_before),
            copy.map_or(&Cell::Null, |c| &c.last_date_before),
            copy.is_some_and(|c| c.writes_last_date)
        ])?;
    }
    Ok(())
}

/// Records whether a planned write was made, and its forklift copy (`None`:
/// none, or not known).
pub fn settle_write(
    conn: &Connection,
    run_id: i64,
    seq: u64,
    written: bool,
    copy_written: Option<bool>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE warehouse_writes SET state = ?1, copy_written = ?2
         WHERE run_id = ?3 AND seq = ?4 AND state = 'planned'",
    )?
    .execute(params![
        if written { "written" } else { "not_written" },
        copy_written,
        run_id,
        seq as i64
    ])
    .map(drop)
}

/// Writes whose outcome no run has recorded: their run failed or died between the
/// warehouse's commit and its own.
pub fn planned_writes(conn: &Connection) -> rusqlite::Result<Vec<WarehouseWrite>> {
    conn.prepare(
        "SELECT run_id, seq, product_id, external_id, reel_number, reel, status_before,
                last_date_before, status_after, last_date_after, writes_last_date, to_status,
                source_hash_after, source_hash_before, born, copy_table, copy_id,
                copy_status_before, copy_last_date_before, copy_writes_last_date
         FROM warehouse_writes WHERE state = 'planned' ORDER BY run_id, seq",
    )?
    .query_map([], |row| {
        Ok(WarehouseWrite {
            run_id: row.get(0)?,
            seq: row.get::<_, i64>(1)? as u64,
            product_id: row.get(2)?,
            external_id: row.get(3)?,
            reel_number: row.get(4)?,
            reel: Cell::read(row.get_ref(5)?),
            status_before: Cell::read(row.get_ref(6)?),
            last_date_before: Cell::read(row.get_ref(7)?),
            status_after: row.get(8)?,
            last_date_after: row.get(9)?,
            writes_last_date: row.get(10)?,
            to: status_column(row, 11)?,
            source_hash_after: row.get(12)?,
            source_hash_before: row.get(13)?,
            born: row.get(14)?,
            copy: match (
                row.get::<_, Option<String>>(15)?,
                row.get::<_, Option<i64>>(16)?,
            ) {
                (Some(table), Some(id)) => Some(CopyBefore {
                    table,
                    id,
                    status_before: Cell::read(row.get_ref(17)?),
                    last_date_before: Cell::read(row.get_ref(18)?),
                    writes_last_date: row.get(19)?,
                }),
                _ => None,
            },
        })
    })?
    .collect()
}

/// Starts the log of a run; its outcome reads `running` until [`finish_run`].
pub fn start_run(
    conn: &Connection,
    kind: RunKind,
    trigger: Trigger,
    who: &str,
    started_at: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO runs (kind, trigger, who, started_at, outcome) VALUES (?1, ?2, ?3, ?4, 'running')",
        params![kind.as_str(), trigger.as_str(), who, started_at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What a finished run records.
pub struct Finish<'a> {
    pub outcome: Outcome,
    pub counts: &'a Counts,
    pub duration_ms: u64,
    pub error: Option<&'a RunError>,
    pub snapshot: Option<&'a str>,
}

/// Records how a run ended, with its counters.
pub fn finish_run(conn: &Connection, run_id: i64, f: &Finish<'_>) -> rusqlite::Result<()> {
    record_counts(conn, run_id, f.counts)?;
    conn.prepare_cached(
        "UPDATE runs SET finished_at = ?1, duration_ms = ?2, outcome = ?3, error = ?4, snapshot = ?5
         WHERE id = ?6",
    )?
    .execute(params![
        Utc::now(),
        f.duration_ms as i64,
        f.outcome.as_str(),
        f.error.map(RunError::to_stored),
        f.snapshot,
        run_id
    ])
    .map(drop)
}

const RUN_SELECT: &str = "SELECT id, kind, trigger, who, started_at, duration_ms, outcome,
        importable, imported, updated, exported, status_in, conflicts, rejected, unchanged, error,
        missing, rewritten
     FROM runs";

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunSummary> {
    let kind: String = row.get(1)?;
    let trigger: String = row.get(2)?;
    let outcome: String = row.get(6)?;
    let count = |i| row.get::<_, i64>(i).map(|n| n as u64);
    Ok(RunSummary {
        id: row.get(0)?,
        kind: RunKind::parse(&kind).ok_or_else(|| conversion(1, bad_text(kind.clone())))?,
        trigger: Trigger::parse(&trigger)
            .ok_or_else(|| conversion(2, bad_text(trigger.clone())))?,
        who: row.get(3)?,
        started_at: row.get(4)?,
        duration_ms: row.get::<_, Option<i64>>(5)?.map(|d| d as u64),
        outcome: Outcome::parse(&outcome)
            .ok_or_else(|| conversion(6, bad_text(outcome.clone())))?,
        counts: Counts {
            importable: count(7)?,
            imported: count(8)?,
            updated: count(9)?,
            exported: count(10)?,
            status_in: count(11)?,
            conflicts: count(12)?,
            rejected: count(13)?,
            unchanged: count(14)?,
            missing: count(16)?,
            rewritten: count(17)?,
        },
        error: row
            .get::<_, Option<String>>(15)?
            .as_deref()
            .map(RunError::from_stored),
    })
}

fn bad_text(text: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("unexpected value {text:?}"),
    )
}

/// The latest runs, newest first.
pub fn runs(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<RunSummary>> {
    conn.prepare(&format!("{RUN_SELECT} ORDER BY id DESC LIMIT ?1"))?
        .query_map([limit], run_from_row)?
        .collect()
}

/// One run.
pub fn run(conn: &Connection, id: i64) -> rusqlite::Result<Option<RunSummary>> {
    conn.query_row(&format!("{RUN_SELECT} WHERE id = ?1"), [id], run_from_row)
        .optional()
}

/// A run's items, in the order they were logged.
pub fn run_items(conn: &Connection, run_id: i64) -> rusqlite::Result<Vec<RunItem>> {
    let all = run_items_page(conn, run_id, &ItemFilter::default(), 0, u32::MAX)?;
    Ok(all.into_iter().map(|logged| logged.item).collect())
}

/// Up to `limit` of a run's items after `after_seq` that pass `filter`, in the
/// order they were logged. Keyset-paged on the item key, so page 700 of a
/// 70,000-reel import costs what page 1 does.
pub fn run_items_page(
    conn: &Connection,
    run_id: i64,
    filter: &ItemFilter,
    after_seq: u64,
    limit: u32,
) -> rusqlite::Result<Vec<LoggedItem>> {
    conn.prepare_cached(
        "SELECT seq, reel_number, action, reason, changes FROM run_items
         WHERE run_id = ?1 AND seq > ?2
           AND (?3 IS NULL OR action = ?3)
           AND (?4 IS NULL OR instr(reel_number, ?4) > 0)
         ORDER BY seq LIMIT ?5",
    )?
    .query_map(
        params![
            run_id,
            after_seq as i64,
            filter.action.map(Action::as_str),
            filter.reel,
            limit
        ],
        |row| {
            let action: String = row.get(2)?;
            let changes: String = row.get(4)?;
            Ok(LoggedItem {
                seq: row.get::<_, i64>(0)? as u64,
                item: RunItem {
                    reel_number: row.get(1)?,
                    action: Action::parse(&action)
                        .ok_or_else(|| conversion(2, bad_text(action.clone())))?,
                    reason: row
                        .get::<_, Option<String>>(3)?
                        .as_deref()
                        .map(Reason::from_stored),
                    changes: serde_json::from_str::<Vec<Change>>(&changes)
                        .map_err(|e| conversion(4, e))?,
                },
            })
        },
    )?
    .collect()
}

/// Up to `limit` runs that pass `filter`, newest first, older than the run
/// `before` when it is given (keyset-paged on the run id).
pub fn runs_page(
    conn: &Connection,
    filter: &RunFilter,
    before: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<RunSummary>> {
    conn.prepare_cached(&format!(
        "{RUN_SELECT}
         WHERE (?1 IS NULL OR id < ?1)
           AND (?2 IS NULL OR kind = ?2)
           AND (?3 IS NULL OR outcome = ?3)
           AND (?4 IS NULL OR trigger = ?4)
           AND (?5 IS NULL OR id IN (SELECT run_id FROM run_items WHERE reel_number = ?5))
         ORDER BY id DESC LIMIT ?6"
    ))?
    .query_map(
        params![
            before,
            filter.kind.map(RunKind::as_str),
            filter.outcome.map(Outcome::as_str),
            filter.trigger.map(Trigger::as_str),
            filter.reel,
            limit
        ],
        run_from_row,
    )?
    .collect()
}

// ----- activity -------------------------------------------------------------------

/// Appends to the activity log.
pub fn log_activity(
    conn: &Connection,
    who: &str,
    action: &str,
    subject: &str,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO activity (at, who, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![Utc::now(), who, action, subject, detail])
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
