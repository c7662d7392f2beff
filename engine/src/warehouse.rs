//! The warehouse file, visited as a guest.
//!
//! The warehouse app owns this file and keeps writing to it. reelsync reads it on
//! read-only connections in short keyset pages (each page is its own read
//! transaction), writes only `status` and `last_date` (of `Products` rows and their
//! `Anbar_` copies) by compare-and-set in small `BEGIN IMMEDIATE` batches, waits a bounded time for the app's lock, and never
//! changes the file's journal mode, creates anything in it, or vacuums it. Table and
//! column names come from `PRAGMA table_info`, values are always bound.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params, params_from_iter};

use crate::error::WarehouseError;

/// The warehouse app's table of reels.
pub const PRODUCTS_TABLE: &str = "Products";

/// Rows per read page: small enough that each read transaction is short and a page
/// stays a few megabytes, large enough that a 100k-reel file takes few round trips.
pub const PAGE_SIZE: usize = 2_000;

/// Compare-and-set writes per `BEGIN IMMEDIATE` batch. Each is an update by the
/// unique reel number, so a batch holds the writer lock for milliseconds (plus the
/// commit's sync), well under a second even on an SD card; fewer, larger batches
/// mean fewer syncs.
pub const WRITE_BATCH: usize = 500;

/// The most warehouse ids one read looks at (a page, a count): reading 20,000 rows
/// takes a few milliseconds, so the warehouse app's commits never wait on one for
/// long, however large the file.
pub const SCAN_SPAN: i64 = 20_000;

/// The most `Anbar_` row ids one read looks at. Their rows are read whole (every
/// column is stored together), unlike a count's, so a span is a page's worth: the
/// warehouse app's commits never wait on one for long.
const COPY_SPAN: i64 = PAGE_SIZE as i64;

/// Pages a snapshot copies per read (a few milliseconds of the file's lock).
const SNAPSHOT_STEP_PAGES: std::os::raw::c_int = 256;

/// The pause between a snapshot's steps, in which the warehouse app can commit.
const SNAPSHOT_PAUSE: Duration = Duration::from_millis(5);

/// The largest cell reelsync copies out of the warehouse. A larger one is kept as
/// its size and digest only, and rejects its reel: a page of such cells would
/// otherwise cost gigabytes on a Pi.
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// A page stops early once it has copied this many bytes of cells, so a page of
/// large values stays a few megabytes.
const PAGE_BYTES: usize = 8 << 20;

type Result<T> = std::result::Result<T, WarehouseError>;

/// The warehouse file and how long to wait for its lock.
#[derive(Debug, Clone)]
pub struct Warehouse {
    path: PathBuf,
    busy_timeout: Duration,
}

/// One warehouse row: its `id` and the selected columns, in the order asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalRow {
    pub id: i64,
    pub values: Vec<Cell>,
}

/// One warehouse cell as read. Whatever the file holds reads into one of these, so
/// no cell's content can fail a page: other tools write the file too, and SQLite
/// lets any column hold any type. What a cell means is for the mapping to judge,
/// reel by reel.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    /// TEXT whose bytes are not valid UTF-8, kept exactly as read.
    InvalidText(Vec<u8>),
    Blob(Vec<u8>),
    /// A value longer than [`MAX_CELL_BYTES`]: only its size and a digest of its
    /// bytes are kept, so it costs no memory and still changes the field hash.
    Oversized {
        bytes: usize,
        digest: u64,
    },
}

impl Cell {
    /// Copies a cell out of SQLite, judging nothing.
    pub fn read(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Null => Self::Null,
            ValueRef::Integer(i) => Self::Integer(i),
            ValueRef::Real(r) => Self::Real(r),
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) if bytes.len() > MAX_CELL_BYTES => {
                Self::Oversized {
                    bytes: bytes.len(),
                    digest: xxhash_rust::xxh3::xxh3_64(bytes),
                }
            }
            ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => Self::Text(text.to_owned()),
                Err(_) => Self::InvalidText(bytes.to_vec()),
            },
            ValueRef::Blob(bytes) => Self::Blob(bytes.to_vec()),
        }
    }

    /// The bytes the cell holds in memory, for bounding a page.
    fn heap_bytes(&self) -> usize {
        match self {
            Self::Text(s) => s.len(),
            Self::InvalidText(b) | Self::Blob(b) => b.len(),
            _ => 0,
        }
    }
}

impl From<Option<String>> for Cell {
    fn from(text: Option<String>) -> Self {
        text.map_or(Self::Null, Self::Text)
    }
}

/// Binds a cell exactly as it was read (compare-and-set writes match on raw cells).
impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Self::Null => ValueRef::Null,
            Self::Integer(i) => ValueRef::Integer(*i),
            Self::Real(r) => ValueRef::Real(*r),
            Self::Text(s) => ValueRef::Text(s.as_bytes()),
            Self::InvalidText(b) => ValueRef::Text(b),
            Self::Blob(b) => ValueRef::Blob(b),
            // Its bytes were never copied: it can only be matched by reading it again.
            Self::Oversized { bytes, .. } => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("a {bytes}-byte cell is not kept in memory").into(),
                ));
            }
        }))
    }
}

/// Reads only the rows whose `column` holds `value` (a column of the discovered
/// schema; the value is bound). The warehouse has no index on it, so SQLite still
/// walks every row, but rows that cannot matter are never copied out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    pub column: String,
    pub value: String,
}

/// One compare-and-set write: set the status (and `last_date`) of the reel only if
/// the warehouse still holds `expected_status`, and then of its forklift copy
/// (`copy`) only if that still holds what it held.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusWrite {
    pub reel: Cell,
    pub expected_status: Cell,
    pub status: String,
    pub last_date: Option<String>,
    pub copy: Option<CopyWrite>,
}

/// The compare-and-set write of a reel's forklift copy, in the same transaction
/// as its `Products` row.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyWrite {
    pub table: String,
    pub id: i64,
    pub expected_status: Cell,
    /// Whether the table has a `last_date` column to write with the status.
    pub writes_last_date: bool,
}

/// What one compare-and-set write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The `Products` row still held the expected status and took the write.
    pub took: bool,
    /// Its forklift copy took it too (`None`: there was none to write, or the
    /// `Products` write was not made).
    pub copy: Option<bool>,
}

/// The warehouse app's columns in its `Anbar_` tables that reelsync reads and
/// writes (the same names as in `Products`).
const COPY_REEL_COLUMN: &str = "reel_number";
const COPY_STATUS_COLUMN: &str = "status";
const COPY_LAST_DATE_COLUMN: &str = "last_date";

/// An `Anbar_` table of the forklift's copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyTable {
    pub name: String,
    pub has_last_date: bool,
}

/// A row of an `Anbar_` table, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRow {
    pub table: String,
    pub id: i64,
    pub reel: Cell,
    pub status: Cell,
    pub last_date: Cell,
}

impl Warehouse {
    /// The warehouse file at `path`; nothing is opened yet.
    pub fn new(path: impl Into<PathBuf>, busy_timeout: Duration) -> Self {
        Self {
            path: path.into(),
            busy_timeout,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file read-only and checks that it is a SQLite database.
    pub fn open_read(&self) -> Result<Reader> {
        let conn = self.open(OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let reader = Reader {
            warehouse: self.clone(),
            conn,
            file: FileId::of(&self.path),
        };
        // The header is only read on first use: this is where a foreign file shows.
        reader.query_row_i64("SELECT count(*) FROM sqlite_master")?;
        Ok(reader)
    }

    /// Opens the file for compare-and-set writes (never creates it). Only
    /// through [`Reader::open_write`] outside tests: writes go to the file read.
    fn open_write(&self) -> Result<Writer> {
        let conn = self.open(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        Ok(Writer {
            warehouse: self.clone(),
            conn,
        })
    }

    fn open(&self, mode: OpenFlags) -> Result<Connection> {
        if !self.path.exists() {
            return Err(WarehouseError::Missing {
                path: self.path.clone(),
            });
        }
        if !self.path.is_file() {
            // A directory, a device: nothing SQLite could be.
            return Err(WarehouseError::NotSqlite {
                path: self.path.clone(),
            });
        }
        // No SQLITE_OPEN_URI: a path is only ever a path, never `file:…?mode=rwc`.
        let flags = mode | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|source| {
            WarehouseError::Open {
                path: self.path.clone(),
                source,
            }
        })?;
        conn.busy_timeout(self.busy_timeout)
            .map_err(|e| self.classify(e, Instant::now()))?;
        Ok(conn)
    }

    /// Turns a SQLite error into what it means for the user.
    fn classify(&self, source: rusqlite::Error, started: Instant) -> WarehouseError {
        let path = self.path.clone();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => WarehouseError::Locked {
                path,
                waited_ms: started.elapsed().as_millis() as u64,
            },
            Some(ErrorCode::NotADatabase) => WarehouseError::NotSqlite { path },
            _ => WarehouseError::Sqlite { path, source },
        }
    }
}

/// A read-only connection to the warehouse file.
pub struct Reader {
    warehouse: Warehouse,
    conn: Connection,
    /// The file the connection is on, as its path named it when it opened.
    file: Option<FileId>,
}

/// Which file a path names, told by the file system: on unix its device and
/// inode. A connection open on a file keeps it from being freed, so another file
/// at the path can't have the same inode while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    /// The file at `path` now (following symlinks), `None` when there is none.
    /// One `stat`, cheap enough for a look every few seconds.
    pub(crate) fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Self {
                dev: meta.dev(),
                ino: meta.ino(),
            })
        }
        // Elsewhere an open SQLite file can be neither renamed over nor removed.
        #[cfg(not(unix))]
        {
            drop(meta);
            Some(Self {})
        }
    }
}

impl Reader {
    /// Opens the file this reader reads for compare-and-set writes: refused when
    /// the path names another file now (swapped in since the reads, as a copy
    /// pulled over SFTP is), whose rows the run never checked.
    pub fn open_write(&self) -> Result<Writer> {
        let writer = self.warehouse.open_write()?;
        // Looked at once the writer holds its file: a swap after this look can't
        // move the writer's connection.
        if self.file.is_none() || FileId::of(&self.warehouse.path) != self.file {
            return Err(WarehouseError::Replaced {
                path: self.warehouse.path.clone(),
            });
        }
        Ok(writer)
    }

    /// The columns of the `Products` table, as `PRAGMA table_info` lists them.
    pub fn product_columns(&self) -> Result<Vec<String>> {
        let started = Instant::now();
        let columns = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .and_then(|mut stmt| {
                stmt.query_map([PRODUCTS_TABLE], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.warehouse.classify(e, started))?;
        if columns.is_empty() {
            return Err(WarehouseError::NoTable {
                path: self.warehouse.path.clone(),
                table: PRODUCTS_TABLE.to_owned(),
            });
        }
        if !columns.iter().any(|c| c == "id") {
            return Err(WarehouseError::MissingColumns {
                table: PRODUCTS_TABLE.to_owned(),
                columns: vec!["id".to_owned()],
            });
        }
        Ok(columns)
    }

    /// Each column of the `Products` table with its declared type, as `PRAGMA
    /// table_info` lists them.
    pub fn product_column_types(&self) -> Result<Vec<(String, String)>> {
        let started = Instant::now();
        self.conn
            .prepare("SELECT name, type FROM pragma_table_info(?1)")
            .and_then(|mut stmt| {
                stmt.query_map([PRODUCTS_TABLE], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(|e| self.warehouse.classify(e, started))
    }

    /// How many reels the file holds (that pass `filter`), for progress. Counted
    /// in id ranges of [`SCAN_SPAN`], each its own short read: one count over a
    /// large file would hold the warehouse app's commits for as long as it reads
    /// the whole table.
    pub fn count_rows(&self, filter: Option<&RowFilter>) -> Result<u64> {
        let started = Instant::now();
        let classify = |e| self.warehouse.classify(e, started);
        let max_id = self.max_id().map_err(classify)?;
        let sql = format!(
            "SELECT count(*) FROM {} WHERE \"id\" > ?1 AND \"id\" <= ?2{}",
            quote(PRODUCTS_TABLE),
            filter.map_or_else(String::new, |f| format!(" AND {} = ?3", quote(&f.column)))
        );
        let mut stmt = self.conn.prepare(&sql).map_err(classify)?;
        let mut total = 0;
        for (after, up_to) in id_spans(max_id, SCAN_SPAN) {
            let mut params = vec![Value::Integer(after), Value::Integer(up_to)];
            params.extend(filter.map(|f| Value::Text(f.value.clone())));
            total += stmt
                .query_row(params_from_iter(params), |row| row.get::<_, i64>(0))
                .map_err(classify)? as u64;
        }
        Ok(total)
    }

    /// Reads the rows after `after_id` (that pass `filter`), at most `limit` of them
    /// and fewer once they hold [`PAGE_BYTES`], with `columns` (which must be real
    /// columns of the table) in order. Each call is one short read: it looks at no
    /// more than [`SCAN_SPAN`] ids, so a filter that few rows pass never makes it
    /// walk the whole table in one go. The page says how far it read and whether
    /// rows may follow; it may be empty while more follow.
    pub fn page(
        &self,
        columns: &[String],
        filter: Option<&RowFilter>,
        after_id: i64,
        limit: usize,
    ) -> Result<Page> {
        let started = Instant::now();
        let classify = |e| self.warehouse.classify(e, started);
        let max_id = self.max_id().map_err(classify)?;
        let span_end = after_id.saturating_add(SCAN_SPAN);
        let sql = format!(
            "SELECT \"id\", {} FROM {} WHERE \"id\" > ?1 AND \"id\" <= ?2{} ORDER BY \"id\" LIMIT ?3",
            select_list(columns),
            quote(PRODUCTS_TABLE),
            filter.map_or_else(String::new, |f| format!(" AND {} = ?4", quote(&f.column)))
        );
        let width = columns.len();
        let mut params = vec![
            Value::Integer(after_id),
            Value::Integer(span_end),
            Value::Integer(limit as i64),
        ];
        params.extend(filter.map(|f| Value::Text(f.value.clone())));
        let read = || -> rusqlite::Result<Page> {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(params))?;
            let mut page = Page {
                rows: Vec::with_capacity(limit.min(PAGE_SIZE)),
                read_to: span_end,
                more: span_end < max_id,
            };
            let mut bytes = 0;
            while let Some(row) = rows.next()? {
                // Sized up front: collecting would grow it three times per row.
                let mut values = Vec::with_capacity(width);
                for i in 1..=width {
                    let cell = Cell::read(row.get_ref(i)?);
                    bytes += cell.heap_bytes();
                    values.push(cell);
                }
                let id = row.get(0)?;
                page.rows.push(ExternalRow { id, values });
                if page.rows.len() == limit || bytes >= PAGE_BYTES {
                    page.read_to = id;
                    page.more = true;
                    break;
                }
            }
            Ok(page)
        };
        read().map_err(classify)
    }

    /// The largest `Products` row id (0 for an empty table).
    fn max_id(&self) -> rusqlite::Result<i64> {
        self.max_id_of(PRODUCTS_TABLE)
    }

    /// The largest row id of `table` (0 for an empty one): one look into its B-tree.
    fn max_id_of(&self, table: &str) -> rusqlite::Result<i64> {
        self.conn
            .prepare_cached(&format!(
                "SELECT coalesce(max(\"id\"), 0) FROM {}",
                quote(table)
            ))?
            .query_row([], |row| row.get(0))
    }

    /// The `columns` of the row whose `key_column` holds `key` (a unique column, such
    /// as the reel number), read in one short transaction; `None` when no row does.
    pub fn cells_where(
        &self,
        columns: &[String],
        key_column: &str,
        key: &Cell,
    ) -> Result<Option<Vec<Cell>>> {
        let started = Instant::now();
        let select = select_list(columns);
        let sql = format!(
            "SELECT {select} FROM {} WHERE {} = ?1",
            quote(PRODUCTS_TABLE),
            quote(key_column)
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_row([key], |row| {
                    (0..columns.len())
                        .map(|i| row.get_ref(i).map(Cell::read))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .optional()
            })
            .map_err(|e| self.warehouse.classify(e, started))
    }

    /// The forklift's tables: the warehouse app's per-warehouse `Anbar_` copies of
    /// its reels, with a `reel_number` and a `status` column, and whether each
    /// has a `last_date` column.
    pub fn copy_tables(&self) -> Result<Vec<CopyTable>> {
        let started = Instant::now();
        let read = || -> rusqlite::Result<Vec<CopyTable>> {
            let names: Vec<String> = self
                .conn
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'Anbar\\_%' ESCAPE '\\'
                     ORDER BY name",
                )?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut tables = Vec::with_capacity(names.len());
            for name in names {
                let columns: Vec<String> = self
                    .conn
                    .prepare("SELECT name FROM pragma_table_info(?1)")?
                    .query_map([&name], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let has = |c: &str| columns.iter().any(|x| x == c);
                if has("id") && has(COPY_REEL_COLUMN) && has(COPY_STATUS_COLUMN) {
                    tables.push(CopyTable {
                        has_last_date: has(COPY_LAST_DATE_COLUMN),
                        name,
                    });
                }
            }
            Ok(tables)
        };
        read().map_err(|e| self.warehouse.classify(e, started))
    }

    /// The rows of `table` that carry one of `reels`, by reel number, read in id
    /// ranges of [`COPY_SPAN`], each its own short read. The `Anbar_` tables have
    /// no index on the reel number, so every row is read and the reel numbers are
    /// matched here: binding the list to each range's statement cost more.
    pub fn copies(&self, table: &CopyTable, reels: &[&str]) -> Result<Vec<CopyRow>> {
        let wanted: std::collections::HashSet<&str> = reels.iter().copied().collect();
        let mut rows = Vec::new();
        if !wanted.is_empty() {
            self.each_copy(table, |row| {
                if matches!(&row.reel, Cell::Text(reel) if wanted.contains(reel.as_str())) {
                    rows.push(row);
                }
            })?;
        }
        Ok(rows)
    }

    /// The rows of `table` that carry the one reel number `reel`: matched by
    /// SQLite as it reads each range (for one reel, cheaper than handing every
    /// row over).
    pub fn copies_of_reel(&self, table: &CopyTable, reel: &str) -> Result<Vec<CopyRow>> {
        let mut rows = Vec::new();
        self.read_copies(table, Some(reel), |row| rows.push(row))?;
        Ok(rows)
    }

    /// Calls `each` with every row of `table`, in id ranges of [`COPY_SPAN`], each
    /// its own short read.
    pub fn each_copy(&self, table: &CopyTable, each: impl FnMut(CopyRow)) -> Result<()> {
        self.read_copies(table, None, each)
    }

    /// [`Self::each_copy`], only the rows carrying `reel` when it is given.
    fn read_copies(
        &self,
        table: &CopyTable,
        reel: Option<&str>,
        mut each: impl FnMut(CopyRow),
    ) -> Result<()> {
        let started = Instant::now();
        let classify = |e| self.warehouse.classify(e, started);
        let last_date = if table.has_last_date {
            quote(COPY_LAST_DATE_COLUMN)
        } else {
            "NULL".to_owned()
        };
        let of_reel = match reel {
            Some(_) => format!(" AND {} = ?3", quote(COPY_REEL_COLUMN)),
            None => String::new(),
        };
        let sql = format!(
            "SELECT \"id\", {}, {}, {last_date} FROM {} WHERE \"id\" > ?1 AND \"id\" <= ?2{of_reel}",
            quote(COPY_REEL_COLUMN),
            quote(COPY_STATUS_COLUMN),
            quote(&table.name),
        );
        let mut read = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(&sql)?;
            for (after, up_to) in id_spans(self.max_id_of(&table.name)?, COPY_SPAN) {
                let mut rows = match reel {
                    Some(reel) => stmt.query(params![after, up_to, reel])?,
                    None => stmt.query(params![after, up_to])?,
                };
                while let Some(row) = rows.next()? {
                    each(CopyRow {
                        table: table.name.clone(),
                        id: row.get(0)?,
                        reel: Cell::read(row.get_ref(1)?),
                        status: Cell::read(row.get_ref(2)?),
                        last_date: Cell::read(row.get_ref(3)?),
                    });
                }
            }
            Ok(())
        };
        read().map_err(classify)
    }

    /// Iterates over every row (that passes `filter`) in `id` order, one page per
    /// read transaction.
    pub fn pages<'r>(&'r self, columns: &'r [String], filter: Option<&'r RowFilter>) -> Pages<'r> {
        Pages {
            reader: self,
            columns,
            filter,
            after_id: 0,
            done: false,
        }
    }

    /// Writes a consistent copy of the file to `dest`, synced to disk before it
    /// returns, in small steps: each copies [`SNAPSHOT_STEP_PAGES`] pages in its own
    /// short read, and a pause between them lets the warehouse app commit. SQLite
    /// starts the copy over whenever the app writes in between, so on a busy file
    /// this gives up after `limit` (as [`WarehouseError::Locked`]) rather than hold
    /// the file for the length of a whole copy. A failed copy is deleted.
    pub fn snapshot(&self, dest: &Path, limit: Duration) -> Result<()> {
        let result = self.copy_in_steps(dest, limit);
        if result.is_err() {
            let _ = std::fs::remove_file(dest);
        }
        result
    }

    fn copy_in_steps(&self, dest: &Path, limit: Duration) -> Result<()> {
        let started = Instant::now();
        let failed = |source| WarehouseError::Snapshot {
            path: dest.to_owned(),
            source,
        };
        let mut copy = Connection::open(dest).map_err(failed)?;
        // The copy is new and deleted if anything fails: a journal would only
        // double the writes; the sync of its last step makes it durable.
        copy.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = NORMAL;")
            .map_err(failed)?;
        let backup = Backup::new(&self.conn, &mut copy).map_err(failed)?;
        loop {
            match backup.step(SNAPSHOT_STEP_PAGES).map_err(failed)? {
                StepResult::Done => return Ok(()),
                // More to copy, or the app holds the file: pause, then go on.
                _ if started.elapsed() < limit => std::thread::sleep(SNAPSHOT_PAUSE),
                _ => {
                    return Err(WarehouseError::Locked {
                        path: self.warehouse.path.clone(),
                        waited_ms: started.elapsed().as_millis() as u64,
                    });
                }
            }
        }
    }

    /// SQLite's `data_version` of this connection: it changes whenever another
    /// connection commits to the file (and only then).
    pub fn data_version(&self) -> Result<i64> {
        self.query_row_i64("PRAGMA data_version")
    }

    fn query_row_i64(&self, sql: &str) -> Result<i64> {
        let started = Instant::now();
        self.conn
            .query_row(sql, [], |row| row.get(0))
            .map_err(|e| self.warehouse.classify(e, started))
    }
}

/// One page of warehouse rows; see [`Reader::page`].
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub rows: Vec<ExternalRow>,
    /// The id up to which the table has been read: the next page starts after it.
    pub read_to: i64,
    /// Whether rows after `read_to` may exist.
    pub more: bool,
}

/// Pages of warehouse rows; see [`Reader::pages`].
pub struct Pages<'r> {
    reader: &'r Reader,
    columns: &'r [String],
    filter: Option<&'r RowFilter>,
    after_id: i64,
    done: bool,
}

impl Iterator for Pages<'_> {
    type Item = Result<Vec<ExternalRow>>;

    fn next(&mut self) -> Option<Self::Item> {
        // Reads on past empty stretches (ids whose rows the filter leaves out), one
        // short read each.
        while !self.done {
            match self
                .reader
                .page(self.columns, self.filter, self.after_id, PAGE_SIZE)
            {
                Ok(page) => {
                    self.done = !page.more;
                    self.after_id = page.read_to;
                    if !page.rows.is_empty() {
                        return Some(Ok(page.rows));
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// A read-write connection to the warehouse file, for compare-and-set writes only.
pub struct Writer {
    warehouse: Warehouse,
    conn: Connection,
}

/// Which columns a compare-and-set writes and matches.
#[derive(Debug, Clone)]
pub struct WriteColumns<'a> {
    pub reel: &'a str,
    pub status: &'a str,
    /// `None` when `last_date` is not mapped: then it is left alone.
    pub last_date: Option<&'a str>,
}

impl Writer {
    /// Applies one batch in a `BEGIN IMMEDIATE` transaction and returns, for each
    /// write, whether the warehouse still held the expected status (and so took
    /// it), and whether its forklift copy did.
    pub fn compare_and_set(
        &mut self,
        columns: &WriteColumns<'_>,
        batch: &[StatusWrite],
    ) -> Result<Vec<Applied>> {
        let started = Instant::now();
        let sql = match columns.last_date {
            Some(last_date) => format!(
                "UPDATE {} SET {} = ?1, {} = ?2 WHERE {} = ?3 AND {} = ?4",
                quote(PRODUCTS_TABLE),
                quote(columns.status),
                quote(last_date),
                quote(columns.reel),
                quote(columns.status),
            ),
            None => format!(
                "UPDATE {} SET {} = ?1 WHERE {} = ?3 AND {} = ?4",
                // ?2 (last_date) stays bound but unused.
                quote(PRODUCTS_TABLE),
                quote(columns.status),
                quote(columns.reel),
                quote(columns.status),
            ),
        };
        let classify = |e| self.warehouse.classify(e, started);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(classify)?;
        let mut applied = Vec::with_capacity(batch.len());
        {
            let mut stmt = tx.prepare_cached(&sql).map_err(classify)?;
            for write in batch {
                let changed = stmt
                    .execute(rusqlite::params![
                        write.status,
                        write.last_date,
                        write.reel,
                        write.expected_status
                    ])
                    .map_err(classify)?;
                let took = changed == 1;
                let copy = match (&write.copy, took) {
                    (Some(copy), true) => Some(write_copy(&tx, write, copy).map_err(classify)?),
                    _ => None,
                };
                applied.push(Applied { took, copy });
            }
        }
        tx.commit().map_err(classify)?;
        Ok(applied)
    }
}

/// Writes `write`'s status to its forklift copy, if that still holds what it held.
fn write_copy(
    tx: &rusqlite::Transaction<'_>,
    write: &StatusWrite,
    copy: &CopyWrite,
) -> rusqlite::Result<bool> {
    let set_last_date = if copy.writes_last_date {
        format!(", {} = ?2", quote(COPY_LAST_DATE_COLUMN))
    } else {
        String::new()
    };
    let sql = format!(
        "UPDATE {} SET {status} = ?1{set_last_date} WHERE \"id\" = ?3 AND {reel} = ?4 AND {status} = ?5",
        quote(&copy.table),
        status = quote(COPY_STATUS_COLUMN),
        reel = quote(COPY_REEL_COLUMN),
    );
    let changed = tx.prepare_cached(&sql)?.execute(rusqlite::params![
        write.status,
        write.last_date,
        copy.id,
        write.reel,
        copy.expected_status
    ])?;
    Ok(changed == 1)
}

/// The id ranges `(after, up_to]` of `span` ids that cover `1..=max_id`.
fn id_spans(max_id: i64, span: i64) -> impl Iterator<Item = (i64, i64)> {
    std::iter::successors(Some(0i64), move |after| Some(after.saturating_add(span)))
        .take_while(move |after| *after < max_id)
        .map(move |after| (after, after.saturating_add(span)))
}

/// `columns`, quoted, for a SELECT.
fn select_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Quotes an SQL identifier (names come from the discovered schema, never user text,
/// but a name with a quote in it must still not break the statement).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = include_str!("ism_schema.sql");

    fn warehouse_with(rows: usize) -> (tempfile::TempDir, Warehouse) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ism.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        for i in 1..=rows {
            conn.execute(
                "INSERT INTO Products (date, location, status, reel_number, width, gsm, length, grade, breaks, username, logs)
                 VALUES ('2024-01-01 10:00', 'Anbar_Akhal', 'In-stock', ?1, 1000, 100, 5000, 'Fluting', 0, 'ali', '-')",
                [format!("R{i}")],
            )
            .unwrap();
        }
        (dir, Warehouse::new(path, Duration::from_millis(200)))
    }

    #[test]
    fn pages_cover_every_row_once_in_id_order() {
        let (_dir, warehouse) = warehouse_with(PAGE_SIZE * 2 + 7);
        let reader = warehouse.open_read().unwrap();
        let columns = vec!["reel_number".to_owned()];
        let pages: Vec<_> = reader.pages(&columns, None).collect::<Result<_>>().unwrap();
        assert_eq!(pages.len(), 3);
        let ids: Vec<i64> = pages.iter().flatten().map(|r| r.id).collect();
        assert_eq!(ids, (1..=(PAGE_SIZE * 2 + 7) as i64).collect::<Vec<_>>());
        assert_eq!(reader.count_rows(None).unwrap(), (PAGE_SIZE * 2 + 7) as u64);
    }

    #[test]
    fn a_filter_reads_only_matching_rows_across_pages() {
        let (_dir, warehouse) = warehouse_with(PAGE_SIZE + 10);
        // Every third reel is sold.
        warehouse
            .open_write()
            .unwrap()
            .conn
            .execute("UPDATE Products SET status = 'Sold' WHERE id % 3 = 0", [])
            .unwrap();
        let reader = warehouse.open_read().unwrap();
        let only = RowFilter {
            column: "status".into(),
            value: "In-stock".into(),
        };
        let columns = vec!["status".to_owned()];
        let rows: Vec<ExternalRow> = reader
            .pages(&columns, Some(&only))
            .collect::<Result<Vec<_>>>()
            .unwrap()
            .concat();
        let expected: Vec<i64> = (1..=(PAGE_SIZE + 10) as i64)
            .filter(|id| id % 3 != 0)
            .collect();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
        assert!(
            rows.iter()
                .all(|r| r.values == [Cell::Text("In-stock".into())])
        );
        assert_eq!(
            reader.count_rows(Some(&only)).unwrap(),
            expected.len() as u64
        );
    }

    #[test]
    fn counts_add_up_across_id_ranges() {
        let (_dir, warehouse) = warehouse_with(3);
        let conn = Connection::open(warehouse.path()).unwrap();
        // Ids far apart, so the count spans several ranges, one of them empty.
        conn.execute_batch(&format!(
            "UPDATE Products SET id = {} WHERE id = 2; UPDATE Products SET id = {} WHERE id = 3;",
            SCAN_SPAN + 1,
            3 * SCAN_SPAN
        ))
        .unwrap();
        let reader = warehouse.open_read().unwrap();
        assert_eq!(reader.count_rows(None).unwrap(), 3);
    }

    #[test]
    fn pages_read_past_long_stretches_the_filter_leaves_out() {
        let (_dir, warehouse) = warehouse_with(4);
        let conn = Connection::open(warehouse.path()).unwrap();
        conn.execute_batch(&format!(
            "UPDATE Products SET id = {} WHERE id = 3; UPDATE Products SET id = {} WHERE id = 4;
             UPDATE Products SET status = 'Sold' WHERE id = 2;",
            2 * SCAN_SPAN + 5,
            5 * SCAN_SPAN
        ))
        .unwrap();
        let reader = warehouse.open_read().unwrap();
        let only = RowFilter {
            column: "status".into(),
            value: "In-stock".into(),
        };
        let first = reader
            .page(&["status".to_owned()], Some(&only), 0, PAGE_SIZE)
            .unwrap();
        assert_eq!(
            (first.rows.len(), first.read_to, first.more),
            (1, SCAN_SPAN, true)
        );
        let ids: Vec<i64> = reader
            .pages(&["status".to_owned()], Some(&only))
            .collect::<Result<Vec<_>>>()
            .unwrap()
            .concat()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, [1, 2 * SCAN_SPAN + 5, 5 * SCAN_SPAN]);
    }

    #[test]
    fn any_cell_reads_whatever_it_holds() {
        let (_dir, warehouse) = warehouse_with(6);
        let conn = Connection::open(warehouse.path()).unwrap();
        let huge = vec![b'a'; MAX_CELL_BYTES + 1];
        conn.execute_batch("UPDATE Products SET comments = CAST(x'66ff6f' AS TEXT) WHERE id = 1; UPDATE Products SET comments = x'00010203' WHERE id = 2; UPDATE Products SET comments = 12.5 WHERE id = 3; UPDATE Products SET comments = 'a' || char(0) || 'b' WHERE id = 4;").unwrap();
        conn.execute("UPDATE Products SET comments = ?1 WHERE id = 5", [&huge])
            .unwrap();
        let reader = warehouse.open_read().unwrap();
        let cells: Vec<Cell> = reader
            .page(&["comments".into()], None, 0, 10)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.values.into_iter().next().unwrap())
            .collect();
        assert_eq!(
            cells,
            vec![
                Cell::InvalidText(vec![0x66, 0xff, 0x6f]),
                Cell::Blob(vec![0, 1, 2, 3]),
                // A text column's affinity stores a real as text.
                Cell::Text("12.5".into()),
                Cell::Text("a\0b".into()),
                Cell::Oversized {
                    bytes: huge.len(),
                    digest: xxhash_rust::xxh3::xxh3_64(&huge),
                },
                Cell::Null,
            ]
        );
    }

    #[test]
    fn a_page_of_large_cells_stops_early_and_the_next_goes_on() {
        let (_dir, warehouse) = warehouse_with(20);
        let conn = Connection::open(warehouse.path()).unwrap();
        conn.execute(
            "UPDATE Products SET comments = ?1",
            [&"x".repeat(MAX_CELL_BYTES)],
        )
        .unwrap();
        let reader = warehouse.open_read().unwrap();
        let columns = vec!["comments".to_owned()];
        let first = reader.page(&columns, None, 0, PAGE_SIZE).unwrap();
        assert_eq!(first.rows.len(), PAGE_BYTES / MAX_CELL_BYTES);
        assert!(first.more);
        let sizes: Vec<usize> = reader
            .pages(&columns, None)
            .map(|p| p.unwrap().len())
            .collect();
        assert_eq!(sizes.iter().sum::<usize>(), 20);
    }

    #[test]
    fn a_missing_file_is_named_and_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.sqlite3");
        let err = Warehouse::new(&path, Duration::from_millis(10))
            .open_read()
            .err()
            .unwrap();
        assert!(matches!(err, WarehouseError::Missing { .. }), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn a_foreign_file_is_not_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "x".repeat(4096)).unwrap();
        let err = Warehouse::new(&path, Duration::from_millis(10))
            .open_read()
            .err()
            .unwrap();
        assert!(matches!(err, WarehouseError::NotSqlite { .. }), "{err}");
    }

    #[test]
    fn a_database_without_products_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.sqlite3");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let reader = Warehouse::new(&path, Duration::from_millis(10))
            .open_read()
            .unwrap();
        assert!(matches!(
            reader.product_columns(),
            Err(WarehouseError::NoTable { .. })
        ));
    }

    #[test]
    fn compare_and_set_writes_only_where_the_status_still_matches() {
        let (_dir, warehouse) = warehouse_with(2);
        let mut writer = warehouse.open_write().unwrap();
        let columns = WriteColumns {
            reel: "reel_number",
            status: "status",
            last_date: Some("last_date"),
        };
        let write = |reel: &str, expected: &str| StatusWrite {
            reel: Cell::Text(reel.into()),
            expected_status: Cell::Text(expected.into()),
            status: "Sold".into(),
            last_date: Some("2024-02-02 12:00:00".into()),
            copy: None,
        };
        let applied = writer
            .compare_and_set(&columns, &[write("R1", "In-stock"), write("R2", "Sold")])
            .unwrap();
        let took: Vec<bool> = applied.iter().map(|a| a.took).collect();
        assert_eq!(took, vec![true, false]);
        let reader = warehouse.open_read().unwrap();
        let rows = reader
            .page(&["status".into(), "last_date".into()], None, 0, 10)
            .unwrap()
            .rows;
        assert_eq!(
            rows[0].values,
            vec![
                Cell::Text("Sold".into()),
                Cell::Text("2024-02-02 12:00:00".into())
            ]
        );
        assert_eq!(
            rows[1].values,
            vec![Cell::Text("In-stock".into()), Cell::Null]
        );
    }

    #[test]
    fn a_held_lock_times_out_as_locked() {
        let (_dir, warehouse) = warehouse_with(1);
        let holder = Connection::open(warehouse.path()).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let started = Instant::now();
        let err = warehouse.open_read().err().unwrap();
        assert!(matches!(err, WarehouseError::Locked { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn snapshot_is_a_consistent_copy() {
        let (dir, warehouse) = warehouse_with(3);
        let dest = dir.path().join("snap.sqlite3");
        warehouse
            .open_read()
            .unwrap()
            .snapshot(&dest, Duration::from_secs(5))
            .unwrap();
        let copy = Warehouse::new(&dest, Duration::from_millis(10))
            .open_read()
            .unwrap();
        assert_eq!(copy.count_rows(None).unwrap(), 3);
        let rows: Vec<ExternalRow> = copy
            .pages(&["reel_number".to_owned()], None)
            .collect::<Result<Vec<_>>>()
            .unwrap()
            .concat();
        assert_eq!(rows[2].values, vec![Cell::Text("R3".into())]);
    }

    #[test]
    fn a_snapshot_waits_out_a_writer_then_says_locked_and_leaves_no_file() {
        let (dir, warehouse) = warehouse_with(3);
        let reader = warehouse.open_read().unwrap();
        let holder = Connection::open(warehouse.path()).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let dest = dir.path().join("snap.sqlite3");
        let err = reader
            .snapshot(&dest, Duration::from_millis(200))
            .unwrap_err();
        assert!(matches!(err, WarehouseError::Locked { .. }), "{err}");
        assert!(!dest.exists());
    }

    #[test]
    fn a_snapshot_that_cannot_be_written_says_where() {
        let (dir, warehouse) = warehouse_with(3);
        let dest = dir.path().join("no such dir").join("snap.sqlite3");
        let err = warehouse
            .open_read()
            .unwrap()
            .snapshot(&dest, Duration::from_secs(1))
            .unwrap_err();
        assert!(matches!(err, WarehouseError::Snapshot { .. }), "{err}");
        assert!(err.to_string().contains("no such dir"), "{err}");
    }
}
