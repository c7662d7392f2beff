//! Real files for the engine's integration tests: a warehouse made from the exact
//! warehouse schema, and a data directory for the main store.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use engine::{Config, Engine, RunObserver, RunReport, RunRequest, RunScope, Selection, Trigger};
use rusqlite::{Connection, params};

pub const SCHEMA: &str = include_str!("../../src/ism_schema.sql");

/// A warehouse file and a data directory in one temporary directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub warehouse: PathBuf,
    pub engine: Engine,
}

impl Fixture {
    /// An empty warehouse with the exact schema and a fresh main store.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = dir.path().join("ism.sqlite3");
        Connection::open(&warehouse)
            .unwrap()
            .execute_batch(SCHEMA)
            .unwrap();
        let mut config = Config::new(dir.path().join("data")).with_external(&warehouse);
        config.busy_timeout = Duration::from_millis(300);
        let engine = Engine::open(config).unwrap();
        Self {
            dir,
            warehouse,
            engine,
        }
    }

    /// A fixture whose warehouse holds `reels` as (reel number, status) pairs.
    pub fn with(reels: &[(&str, &str)]) -> Self {
        let f = Self::new();
        for (reel, status) in reels {
            f.add(reel, status);
        }
        f
    }

    /// Adds a good reel to the warehouse, as the warehouse app would.
    pub fn add(&self, reel: &str, status: &str) {
        add_reel(&self.wh(), reel, status);
    }

    /// Adds `n` good reels, `{prefix}00001` on, in one warehouse transaction (for
    /// warehouses of several pages).
    pub fn add_many(&self, prefix: &str, n: usize, status: &str) -> Vec<String> {
        let mut conn = self.wh();
        let tx = conn.transaction().unwrap();
        let reels: Vec<String> = (1..=n).map(|i| format!("{prefix}{i:05}")).collect();
        for reel in &reels {
            add_reel(&tx, reel, status);
        }
        tx.commit().unwrap();
        reels
    }

    /// A read-write connection to the warehouse, playing the warehouse app.
    pub fn wh(&self) -> Connection {
        Connection::open(&self.warehouse).unwrap()
    }

    /// A column of a warehouse reel.
    pub fn wh_value(&self, reel: &str, column: &str) -> Option<String> {
        self.wh()
            .query_row(
                &format!("SELECT {column} FROM Products WHERE reel_number = ?1"),
                [reel],
                |r| r.get::<_, Option<String>>(0),
            )
            .unwrap()
    }

    /// Plays the warehouse app changing a reel.
    pub fn wh_set(&self, reel: &str, column: &str, value: Option<&str>) {
        let n = self
            .wh()
            .execute(
                &format!("UPDATE Products SET {column} = ?1 WHERE reel_number = ?2"),
                params![value, reel],
            )
            .unwrap();
        assert_eq!(n, 1, "no warehouse reel {reel}");
    }

    /// Plays the warehouse app cancelling a reel's shipment: back in stock, no
    /// `last_date`, and a line in its `logs`, as the app writes them.
    pub fn wh_cancel(&self, reel: &str) {
        let n = self
            .wh()
            .execute(
                "UPDATE Products SET status = 'In-stock', last_date = NULL,
                     logs = logs || char(10) || '2024-03-02 10:00 ali: shipment cancelled'
                 WHERE reel_number = ?1",
                [reel],
            )
            .unwrap();
        assert_eq!(n, 1, "no warehouse reel {reel}");
    }

    pub fn store_path(&self) -> PathBuf {
        self.engine.data_dir().join("reelsync.sqlite3")
    }

    /// A read-only look into the main store.
    pub fn store(&self) -> Connection {
        Connection::open(self.store_path()).unwrap()
    }

    /// A product's status in the main store.
    pub fn office_status(&self, reel: &str) -> String {
        self.store()
            .query_row(
                "SELECT status FROM products WHERE reel_number = ?1",
                [reel],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// A product field in the main store, as text.
    pub fn product_value(&self, reel: &str, column: &str) -> Option<String> {
        self.store()
            .query_row(
                &format!("SELECT CAST({column} AS TEXT) FROM products WHERE reel_number = ?1"),
                [reel],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// How many products have this reel number (0 or 1).
    pub fn store_count(&self, reel: &str) -> i64 {
        self.store()
            .query_row(
                "SELECT count(*) FROM products WHERE reel_number = ?1",
                [reel],
                |r| r.get(0),
            )
            .unwrap()
    }

    pub fn base_status(&self, reel: &str) -> String {
        self.store()
            .query_row(
                "SELECT m.base_status FROM product_mappings m JOIN products p ON p.id = m.product_id WHERE p.reel_number = ?1",
                [reel],
                |r| r.get(0),
            )
            .unwrap()
    }

    pub fn sync(&self, scope: RunScope, dry_run: bool) -> engine::Result<RunReport> {
        self.sync_observed(scope, dry_run, &mut ())
    }

    /// [`Fixture::sync`], watched by `observer`.
    pub fn sync_observed(
        &self,
        scope: RunScope,
        dry_run: bool,
        observer: &mut dyn RunObserver,
    ) -> engine::Result<RunReport> {
        let report = self.engine.sync(&request(scope, dry_run), observer);
        self.assert_keys_hold();
        report
    }

    /// Runs write without checking foreign keys (every row they insert refers to
    /// one they wrote just before): after every run of every test, the store's
    /// references must still all hold.
    pub fn assert_keys_hold(&self) {
        let broken: Vec<(String, String)> = self
            .store()
            .prepare("SELECT \"table\", parent FROM pragma_foreign_key_check")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(broken.is_empty(), "broken references: {broken:?}");
    }

    pub fn full(&self) -> RunReport {
        self.sync(RunScope::Full, false).unwrap()
    }

    /// A full sync that must fail, and why.
    pub fn full_err(&self) -> engine::Error {
        self.sync(RunScope::Full, false).unwrap_err()
    }

    /// A read-write connection to the main store, to set up what no command can.
    pub fn store_rw(&self) -> Connection {
        Connection::open(self.store_path()).unwrap()
    }

    pub fn import(&self, reels: &[&str]) -> RunReport {
        let reels = reels.iter().map(|r| r.to_string()).collect();
        self.sync(RunScope::Import(Selection::Reels(reels)), false)
            .unwrap()
    }

    pub fn import_all(&self) -> RunReport {
        self.sync(RunScope::Import(Selection::All), false).unwrap()
    }

    pub fn office_sets(&self, reels: &[&str], status: engine::ReelStatus) {
        let reels: Vec<String> = reels.iter().map(|r| r.to_string()).collect();
        self.engine
            .set_product_status(&reels, status, &"office".into())
            .unwrap();
    }
}

/// Why a run's first logged item needs attention.
pub fn first_reason(report: &RunReport) -> String {
    report.items[0]
        .reason
        .as_ref()
        .expect("the first item has a reason")
        .to_string()
}

/// The bytes of a file (and of its WAL, if any), to prove nothing was written.
pub fn bytes(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(PathBuf::from(wal)) {
        all.extend(w);
    }
    all
}

/// Every Products row of the warehouse, as text, to compare whole files by content.
pub fn dump(conn: &Connection, table: &str) -> Vec<Vec<Option<String>>> {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                    rusqlite::types::Value::Null => None,
                    rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                    rusqlite::types::Value::Real(f) => Some(f.to_string()),
                    rusqlite::types::Value::Text(s) => Some(s),
                    rusqlite::types::Value::Blob(_) => Some("<blob>".into()),
                })
            })
            .collect()
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Each reel's creation time, as the warehouse app stamps it (`timezone.now()`,
/// to the microsecond): no two reels share one.
static BORN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A creation time no reel has yet.
pub fn next_born() -> String {
    let n = BORN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "2024-02-01 09:{:02}:{:02}.{:06}",
        n / 60_000_000 % 60,
        n / 1_000_000 % 60,
        n % 1_000_000
    )
}

/// Inserts a good reel as the warehouse app would: its row in `Products` and
/// the forklift's copy in its warehouse's `Anbar_` table.
pub fn add_reel(conn: &Connection, reel: &str, status: &str) {
    let location = if status == "In-stock" {
        "Anbar_Akhal"
    } else {
        "12B345-67"
    };
    let last_date: Option<&str> = (status != "In-stock").then_some("2024-03-01 08:30");
    let born = next_born();
    conn.prepare_cached(
        "INSERT INTO Products (date, location, status, receive_date, last_date, reel_number,
             width, gsm, length, grade, breaks, username, logs)
         VALUES (?5, ?1, ?2, '2024-02-01 09:00', ?3, ?4,
             1250, 127, 6400, 'Kraft Liner', 0, 'ali', '2024-02-01 09:00 ali: received')",
    )
    .unwrap()
    .execute(params![location, status, last_date, reel, born])
    .unwrap();
    conn.prepare_cached(
        "INSERT INTO Anbar_Akhal (status, location, date, receive_date, last_date, reel_number,
             width, gsm, length, grade, breaks, username, logs)
         VALUES (?2, ?1, ?5, '2024-02-01 09:00', ?3, ?4,
             1250, 127, 6400, 'Kraft Liner', 0, 'ali', '2024-02-01 09:00 ali: received')",
    )
    .unwrap()
    .execute(params![location, status, last_date, reel, born])
    .unwrap();
}

/// A manual run's request, as "test".
pub fn request(scope: RunScope, dry_run: bool) -> RunRequest {
    RunRequest {
        scope,
        trigger: Trigger::Manual,
        who: "test".into(),
        dry_run,
        client: None,
    }
}
