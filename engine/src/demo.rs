//! A realistic demo warehouse file.
//!
//! `reelsync demo-db`, the README's first run, the integration tests and the benchmark
//! all need a warehouse SQLite file that looks like the real one: the exact schema of
//! the warehouse app (`ism_schema.sql`), its value formats, and a
//! copy of every reel in its per-warehouse `Anbar_*` table. The content is a pure
//! function of [`DemoOptions`], so the same seed always gives the same reels.

use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, Statement, params};

use crate::{Error, ReelStatus, Refusal, Result};

/// The warehouse app's schema, byte for byte.
const SCHEMA: &str = include_str!("ism_schema.sql");

/// The largest demo file we agree to build (about 2.5 GB); beyond that it is a typo.
const MAX_REELS: u32 = 5_000_000;

/// Options for a demo warehouse file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// How many reels (rows of `Products`) to write; 1 to 5,000,000.
    pub reels: u32,
    /// Seeds the generator: the same seed gives the same file content.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            reels: 2_000,
            seed: 42,
        }
    }
}

/// What was written, for messages and tests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoSummary {
    /// Rows in `Products` (each also has its `Anbar_*` copy).
    pub reels: u32,
    pub in_stock: u32,
    pub sold: u32,
    pub delivered: u32,
}

/// Creates a warehouse file at `path` with the exact warehouse schema; refuses to
/// overwrite an existing file.
///
/// The file is built under a temporary name in the same directory and moved into
/// place only when complete, so a failure never leaves a half-written file at `path`.
/// The result uses SQLite's default rollback journal, like the warehouse app's file.
///
/// # Errors
///
/// [`Error::Refused`] if `path` already exists or `options.reels` is not between 1
/// and 5,000,000; [`Error::Io`] if the directory cannot be written;
/// [`Error::Store`] if SQLite fails while building the file.
pub fn create_demo_db(path: &Path, options: &DemoOptions) -> Result<DemoSummary> {
    validate_reel_count(options.reels)?;
    refuse_existing(path)?;
    let scratch = ScratchFile::reserve(path)?;
    let summary = build_demo_file(scratch.path(), path, options)?;
    scratch.persist_without_clobbering(path)?;
    Ok(summary)
}

fn validate_reel_count(reels: u32) -> Result<()> {
    if reels == 0 || reels > MAX_REELS {
        return Err(Refusal::DemoReels {
            reels,
            max: MAX_REELS,
        }
        .into());
    }
    Ok(())
}

fn refuse_existing(path: &Path) -> Result<()> {
    // `symlink_metadata` also sees a dangling symlink, which we must not write through.
    match fs::symlink_metadata(path) {
        Ok(_) => Err(already_exists(path)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            context: format!("cannot check {}", path.display()),
            source,
        }),
    }
}

fn already_exists(path: &Path) -> Error {
    Refusal::FileExists {
        file: crate::error::file(path),
    }
    .into()
}

// ---------------------------------------------------------------------------------
// The scratch file: built next to the target, moved into place when complete.
// ---------------------------------------------------------------------------------

/// A temporary file next to the target, deleted on drop unless persisted.
struct ScratchFile {
    path: PathBuf,
    persisted: bool,
}

impl ScratchFile {
    /// Creates an empty, uniquely named file in the target's directory (same
    /// filesystem, so the final move is a rename, not a copy).
    fn reserve(target: &Path) -> Result<Self> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map_or_else(|| "demo".into(), |n| n.to_string_lossy());
        let mut attempt = 0u32;
        loop {
            let candidate = dir.join(format!(
                ".{name}.{}-{attempt}.reelsync-demo.tmp",
                std::process::id()
            ));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&candidate)
            {
                // SQLite treats an empty file as a new database.
                Ok(_) => {
                    return Ok(Self {
                        path: candidate,
                        persisted: false,
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(source) => {
                    return Err(Error::Io {
                        context: format!("cannot create a temporary file in {}", dir.display()),
                        source,
                    });
                }
            }
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file to disk and gives it its final name, failing if `target`
    /// appeared meanwhile.
    fn persist_without_clobbering(mut self, target: &Path) -> Result<()> {
        // The build connection ran with `synchronous=OFF`; one fsync here makes the
        // finished file durable before its name becomes visible.
        File::open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(|source| Error::Io {
                context: format!("cannot flush {}", self.path.display()),
                source,
            })?;
        // A hard link is an atomic "create only if absent"; `rename` would silently
        // replace a file created at `target` since `refuse_existing` looked.
        match fs::hard_link(&self.path, target) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(already_exists(target)),
            // Some filesystems (FAT on a USB stick) have no hard links: check, then rename.
            Err(_) => {
                refuse_existing(target)?;
                fs::rename(&self.path, target).map_err(|source| Error::Io {
                    context: format!("cannot move the demo file to {}", target.display()),
                    source,
                })?;
                self.persisted = true;
                return Ok(());
            }
        }
        // Linked: the scratch name is now redundant; Drop removes it.
        Ok(())
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        if !self.persisted {
            // Best effort: failing to delete a temporary file must not hide the real error.
            let _ = fs::remove_file(&self.path);
        }
    }
}

// ---------------------------------------------------------------------------------
// Building the file.
// ---------------------------------------------------------------------------------

/// Writes the schema and all rows into `scratch` in one transaction. Errors name
/// `target`, the file the user asked for.
fn build_demo_file(scratch: &Path, target: &Path, options: &DemoOptions) -> Result<DemoSummary> {
    let store_err = |source| Error::Store {
        path: target.to_path_buf(),
        source,
    };
    let mut conn = Connection::open(scratch).map_err(store_err)?;
    // Nobody else sees this file until it is complete and a failure discards it, so
    // journaling and syncing would only cost time. A 64 MiB page cache keeps SQLite
    // from spilling half-filled pages to disk mid-transaction (a third faster at 100k
    // reels). None of these settings is stored in the file.
    conn.execute_batch(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;",
    )
    .map_err(store_err)?;

    let tx = conn.transaction().map_err(store_err)?;
    tx.execute_batch(SCHEMA).map_err(store_err)?;
    let summary = {
        let mut writer = DemoWriter::prepare(&tx).map_err(store_err)?;
        writer.write_reference_rows().map_err(store_err)?;
        let mut generator = DemoGenerator::new(options);
        let mut summary = DemoSummary {
            reels: 0,
            in_stock: 0,
            sold: 0,
            delivered: 0,
        };
        for _ in 0..options.reels {
            let (reel, finished) = generator.next_reel();
            if let Some(shipment) = finished {
                writer.insert_shipment(&shipment).map_err(store_err)?;
            }
            writer.insert_reel(&reel).map_err(store_err)?;
            count_reel(&mut summary, reel.status);
        }
        for shipment in generator.finish() {
            writer.insert_shipment(&shipment).map_err(store_err)?;
        }
        summary
    };
    tx.commit().map_err(store_err)?;

    // `OFF` is not stored in the file, but say explicitly what the result must use:
    // the warehouse app's default rollback journal (never WAL).
    conn.pragma_update(None, "journal_mode", "DELETE")
        .map_err(store_err)?;
    conn.close().map_err(|(_, source)| store_err(source))?;
    Ok(summary)
}

fn count_reel(summary: &mut DemoSummary, status: ReelStatus) {
    summary.reels += 1;
    match status {
        ReelStatus::InStock => summary.in_stock += 1,
        ReelStatus::Sold => summary.sold += 1,
        ReelStatus::Delivered => summary.delivered += 1,
    }
}

/// The prepared inserts, made once and reused for every row.
struct DemoWriter<'c> {
    conn: &'c Connection,
    products: Statement<'c>,
    /// One statement per entry of [`WAREHOUSES`], same order.
    anbar: Vec<Statement<'c>>,
    shipments: Statement<'c>,
}

impl<'c> DemoWriter<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        let products = conn.prepare(
            r#"INSERT INTO "Products" ("date", "location", "status", "receive_date", "last_date",
                "reel_number", "width", "gsm", "length", "grade", "breaks", "comments", "qr_code",
                "profile_name", "username", "logs", "shipment_id_id")
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"#,
        )?;
        let anbar = WAREHOUSES
            .iter()
            .map(|(table, _)| {
                // Table names come from our constant list, never from input.
                conn.prepare(&format!(
                    r#"INSERT INTO "{table}" ("status", "location", "date", "receive_date",
                        "last_date", "reel_number", "supplier_name", "material_type",
                        "material_name", "description", "width", "gsm", "length", "grade",
                        "breaks", "comments", "qr_code", "unit", "profile_name", "username",
                        "logs", "shipment_id_id")
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                        ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"#
                ))
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let shipments = conn.prepare(
            r#"INSERT INTO "Shipments" ("id", "date", "status", "location", "entry_time",
                "weight1_time", "weight2_time", "exit_time", "shipment_type", "license_number",
                "customer_name", "weight1", "weight2", "net_weight", "list_of_reels", "unit",
                "quantity", "username", "logs")
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                ?17, ?18, ?19)"#,
        )?;
        Ok(Self {
            conn,
            products,
            anbar,
            shipments,
        })
    }

    /// The few trucks and customers the shipments refer to.
    fn write_reference_rows(&mut self) -> rusqlite::Result<()> {
        let registered = stamp_seconds(START - TimeDelta::days(30));
        let mut truck = self.conn.prepare(
            r#"INSERT INTO "Truck" ("date", "status", "location", "license_number",
                "driver_name", "driver_doc", "phone", "username", "logs")
               VALUES (?1, 'Active', 'Parking', ?2, ?3, ?4, ?5, 'admin', ?6)"#,
        )?;
        for (i, t) in TRUCKS.iter().enumerate() {
            truck.execute(params![
                registered,
                t.plate,
                t.driver,
                format!("DL-{:06}", 104_233 + i * 7_919),
                t.phone,
                format!(
                    "{} admin: truck registered",
                    stamp_minutes(START - TimeDelta::days(30))
                ),
            ])?;
        }
        let mut customer = self.conn.prepare(
            r#"INSERT INTO "Customer" ("date", "status", "customer_name", "address", "phone",
                "comments", "username", "logs")
               VALUES (?1, 'Active', ?2, ?3, ?4, '', 'admin', ?5)"#,
        )?;
        for c in CUSTOMERS {
            customer.execute(params![
                registered,
                c.name,
                c.address,
                c.phone,
                format!(
                    "{} admin: customer created",
                    stamp_minutes(START - TimeDelta::days(30))
                ),
            ])?;
        }
        Ok(())
    }

    /// Inserts the reel into `Products` and its copy into its `Anbar_*` table.
    fn insert_reel(&mut self, reel: &Reel) -> rusqlite::Result<()> {
        self.products.execute(params![
            reel.date,
            reel.location,
            reel.status.as_str(),
            reel.receive_date,
            reel.last_date,
            reel.reel_number,
            reel.width,
            reel.gsm,
            reel.length,
            reel.grade,
            reel.breaks,
            reel.comments,
            reel.qr_code,
            reel.profile_name,
            reel.username,
            reel.logs,
            reel.shipment_id,
        ])?;
        let description = format!(
            "{} {} g/m², {} mm × {} m",
            reel.grade, reel.gsm, reel.width, reel.length
        );
        self.anbar[reel.warehouse].execute(params![
            reel.status.as_str(),
            reel.location,
            reel.date,
            reel.receive_date,
            reel.last_date,
            reel.reel_number,
            MILL_NAME,
            "Paper Reel",
            reel.grade,
            description,
            reel.width,
            reel.gsm,
            reel.length,
            reel.grade,
            reel.breaks,
            reel.comments,
            reel.qr_code,
            "Reel",
            reel.profile_name,
            reel.username,
            reel.logs,
            reel.shipment_id,
        ])?;
        Ok(())
    }

    fn insert_shipment(&mut self, s: &Shipment) -> rusqlite::Result<()> {
        // An empty truck weighs in, is loaded, weighs out and leaves.
        let entry = s.loaded_at - TimeDelta::minutes(95);
        let weight1_time = entry + TimeDelta::minutes(10);
        let exit = s.loaded_at + TimeDelta::minutes(20);
        let net = s.net_weight_kg;
        let mut logs = format!(
            "{} {}: truck {} entered\n{} {}: loaded {} reels, net {} kg",
            stamp_minutes(entry),
            s.username,
            s.truck.plate,
            stamp_minutes(s.loaded_at),
            s.username,
            s.reel_numbers.len(),
            net
        );
        if let Some(delivered_at) = s.delivered_at {
            logs.push_str(&format!(
                "\n{} {}: sales order made for {}",
                stamp_minutes(delivered_at),
                s.username,
                s.customer
            ));
        }
        self.shipments.execute(params![
            s.id,
            stamp_micros(s.delivered_at.unwrap_or(s.loaded_at)),
            s.status.as_str(),
            s.customer,
            stamp_seconds(entry),
            stamp_seconds(weight1_time),
            stamp_seconds(s.loaded_at),
            stamp_seconds(exit),
            "Outgoing",
            s.truck.plate,
            s.customer,
            s.truck.empty_weight_kg,
            s.truck.empty_weight_kg + net,
            net.to_string(),
            s.reel_numbers.join(","),
            "Reel",
            s.reel_numbers.len() as i64,
            s.username,
            logs,
        ])?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// Generating the content.
// ---------------------------------------------------------------------------------

/// One reel as both `Products` and its `Anbar_*` copy hold it.
#[derive(Debug)]
struct Reel {
    reel_number: String,
    status: ReelStatus,
    /// Warehouse name, truck plate or customer name, by status.
    location: &'static str,
    /// Index into [`WAREHOUSES`] of the warehouse it was stored in.
    warehouse: usize,
    /// When the app last wrote the row: receipt, loading or sales order.
    date: String,
    receive_date: String,
    last_date: Option<String>,
    width: u32,
    gsm: u32,
    length: u32,
    grade: &'static str,
    breaks: u32,
    comments: Option<&'static str>,
    qr_code: String,
    profile_name: Option<&'static str>,
    username: &'static str,
    logs: String,
    shipment_id: Option<i64>,
}

/// A truck load of sold reels. Its reels all share its fate: `Sold` while on the
/// truck, `Delivered` once the sales order is made.
#[derive(Debug)]
struct Shipment {
    id: i64,
    status: ReelStatus,
    truck: &'static Truck,
    customer: &'static str,
    username: &'static str,
    loaded_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
    capacity: usize,
    reel_numbers: Vec<String>,
    net_weight_kg: i64,
}

/// Deterministic source of reels, in the order the warehouse received them.
struct DemoGenerator {
    rng: ChaCha8Rng,
    clock: NaiveDateTime,
    /// Average time between two received reels, so any reel count spans about
    /// two years (but never less than a minute per reel).
    mean_step_secs: i64,
    /// Reel numbers restart every year: `R24-000001`.
    numbering_year: i32,
    last_serial: u32,
    next_shipment_id: i64,
    /// The truck being loaded with reels that will end `Sold`, and `Delivered`.
    loading_sold: Option<Shipment>,
    loading_delivered: Option<Shipment>,
}

impl DemoGenerator {
    fn new(options: &DemoOptions) -> Self {
        const SPAN_SECS: i64 = 2 * 365 * 24 * 3600;
        Self {
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            clock: START,
            mean_step_secs: (SPAN_SECS / i64::from(options.reels.max(1))).max(60),
            numbering_year: START.year() - 1,
            last_serial: 0,
            next_shipment_id: 1,
            loading_sold: None,
            loading_delivered: None,
        }
    }

    /// The next reel, and the shipment that had to be closed to make room for it.
    fn next_reel(&mut self) -> (Reel, Option<Shipment>) {
        let received_at = self.advance_clock();
        let reel_number = self.next_reel_number(received_at);
        let status = *pick_weighted(&mut self.rng, &STATUS_MIX);
        let warehouse = pick_weighted_index(&mut self.rng, &WAREHOUSES);
        let warehouse_name = WAREHOUSES[warehouse].0;
        let (grade, gsm_range) = GRADES[self.rng.random_range(0..GRADES.len())];
        let width = self.rng.random_range(60..=280) * 10;
        let gsm = self.rng.random_range(gsm_range.0 / 5..=gsm_range.1 / 5) * 5;
        let length = self.rng.random_range(300..=2_000) * 10;
        let receiver = self.operator();
        let mut logs = format!(
            "{} {receiver}: received in {warehouse_name}",
            stamp_minutes(received_at)
        );

        let (location, last_at, shipment_id, finished) = match status {
            ReelStatus::InStock => {
                self.maybe_log_cancelled_shipment(&mut logs, received_at, warehouse_name);
                (warehouse_name, None, None, None)
            }
            ReelStatus::Sold | ReelStatus::Delivered => {
                let (mut shipment, finished) = self.truck_for(status, received_at);
                shipment.reel_numbers.push(reel_number.clone());
                shipment.net_weight_kg += reel_weight_kg(width, gsm, length);
                let (location, last_at) = log_shipment(&shipment, &mut logs, &mut self.rng);
                let id = shipment.id;
                *self.loading_slot(status) = Some(shipment);
                (location, Some(last_at), Some(id), finished)
            }
        };

        let date = self.stamp_any(last_at.unwrap_or(received_at));
        let reel = Reel {
            qr_code: self.qr_code(&reel_number, width, gsm, length),
            reel_number,
            status,
            location,
            warehouse,
            date,
            receive_date: self.stamp_any(received_at),
            last_date: last_at.map(|t| self.stamp_any(t)),
            width,
            gsm,
            length,
            grade,
            breaks: *pick_weighted(&mut self.rng, &BREAKS),
            comments: self.comment(),
            profile_name: *pick_weighted(&mut self.rng, &PROFILES),
            username: receiver,
            logs,
            shipment_id,
        };
        (reel, finished)
    }

    /// The shipments still loading when the last reel was generated.
    fn finish(self) -> impl Iterator<Item = Shipment> {
        self.loading_sold.into_iter().chain(self.loading_delivered)
    }

    fn advance_clock(&mut self) -> NaiveDateTime {
        let secs = self.rng.random_range(0..=2 * self.mean_step_secs);
        let micros = self.rng.random_range(0..1_000_000);
        self.clock += TimeDelta::seconds(secs) + TimeDelta::microseconds(micros);
        self.clock
    }

    /// `R24-000317`: year of receipt and a serial with gaps (rejected reels keep
    /// their number), restarting each year.
    fn next_reel_number(&mut self, received_at: NaiveDateTime) -> String {
        if received_at.year() != self.numbering_year {
            self.numbering_year = received_at.year();
            self.last_serial = 0;
        }
        self.last_serial += if self.rng.random_bool(0.9) {
            1
        } else {
            self.rng.random_range(2..=4)
        };
        format!(
            "R{:02}-{:06}",
            self.numbering_year.rem_euclid(100),
            self.last_serial
        )
    }

    /// Takes the truck being loaded for `status` out of its slot (the caller puts it
    /// back), starting a new one if it is full or would leave before this reel
    /// arrives (a reel is always received before it is loaded). Also returns the
    /// truck that was closed to make room, to be written.
    fn truck_for(
        &mut self,
        status: ReelStatus,
        received_at: NaiveDateTime,
    ) -> (Shipment, Option<Shipment>) {
        match self.loading_slot(status).take() {
            Some(open)
                if open.reel_numbers.len() < open.capacity
                    && open.loaded_at >= received_at + TimeDelta::hours(1) =>
            {
                (open, None)
            }
            closed => (self.open_shipment(status, received_at), closed),
        }
    }

    fn loading_slot(&mut self, status: ReelStatus) -> &mut Option<Shipment> {
        match status {
            ReelStatus::Delivered => &mut self.loading_delivered,
            ReelStatus::InStock | ReelStatus::Sold => &mut self.loading_sold,
        }
    }

    fn open_shipment(&mut self, status: ReelStatus, first_received: NaiveDateTime) -> Shipment {
        let id = self.next_shipment_id;
        self.next_shipment_id += 1;
        // Loaded between a couple of hours and three weeks after its first reel came in.
        let loaded_at = first_received
            + TimeDelta::minutes(self.rng.random_range(120..=21 * 24 * 60))
            + TimeDelta::microseconds(self.rng.random_range(0..1_000_000));
        let delivered_at = (status == ReelStatus::Delivered)
            .then(|| loaded_at + TimeDelta::minutes(self.rng.random_range(6 * 60..=5 * 24 * 60)));
        Shipment {
            id,
            status,
            truck: &TRUCKS[self.rng.random_range(0..TRUCKS.len())],
            customer: CUSTOMERS[self.rng.random_range(0..CUSTOMERS.len())].name,
            username: self.operator(),
            loaded_at,
            delivered_at,
            capacity: self.rng.random_range(6..=20),
            reel_numbers: Vec::new(),
            net_weight_kg: 0,
        }
    }

    /// About one in-stock reel in fifty was loaded once and came back when its
    /// shipment was cancelled: `In-stock` again with `last_date` NULL.
    fn maybe_log_cancelled_shipment(
        &mut self,
        logs: &mut String,
        received_at: NaiveDateTime,
        warehouse: &str,
    ) {
        if !self.rng.random_bool(0.02) {
            return;
        }
        let loaded = received_at + TimeDelta::minutes(self.rng.random_range(120..=7 * 24 * 60));
        let cancelled = loaded + TimeDelta::minutes(self.rng.random_range(30..=48 * 60));
        let plate = TRUCKS[self.rng.random_range(0..TRUCKS.len())].plate;
        let user = self.operator();
        logs.push_str(&format!(
            "\n{} {user}: loaded on truck {plate}\n{} {user}: shipment cancelled, back to {warehouse}",
            stamp_minutes(loaded),
            stamp_minutes(cancelled)
        ));
    }

    fn operator(&mut self) -> &'static str {
        OPERATORS[self.rng.random_range(0..OPERATORS.len())]
    }

    fn comment(&mut self) -> Option<&'static str> {
        self.rng
            .random_bool(0.12)
            .then(|| COMMENTS[self.rng.random_range(0..COMMENTS.len())])
    }

    /// Two label generations: the old printer encoded a URL, the new one a payload.
    fn qr_code(&mut self, reel_number: &str, width: u32, gsm: u32, length: u32) -> String {
        if self.rng.random_bool(0.5) {
            format!("https://ism.local/reels/{reel_number}")
        } else {
            format!("REEL={reel_number};W={width};GSM={gsm};L={length}")
        }
    }

    /// The app writes all three forms depending on the screen: typed-in dates
    /// carry minutes, scanner events seconds, Django's own timestamps microseconds.
    fn stamp_any(&mut self, t: NaiveDateTime) -> String {
        match self.rng.random_range(0..20) {
            0..=3 => stamp_minutes(t),
            4..=9 => stamp_seconds(t),
            _ => stamp_micros(t),
        }
    }
}

/// Logs the reel's loading (and sales order) and returns its location and
/// `last_date` as its status requires.
fn log_shipment(
    shipment: &Shipment,
    logs: &mut String,
    rng: &mut ChaCha8Rng,
) -> (&'static str, NaiveDateTime) {
    // Reels go on the truck one by one during the loading hour.
    let loaded = shipment.loaded_at - TimeDelta::seconds(rng.random_range(0..3_600));
    logs.push_str(&format!(
        "\n{} {}: loaded on truck {} (shipment {})",
        stamp_minutes(loaded),
        shipment.username,
        shipment.truck.plate,
        shipment.id
    ));
    match shipment.delivered_at {
        Some(delivered) => {
            logs.push_str(&format!(
                "\n{} {}: delivered to {}",
                stamp_minutes(delivered),
                shipment.username,
                shipment.customer
            ));
            (shipment.customer, delivered)
        }
        None => (shipment.truck.plate, loaded),
    }
}

/// Paper weight: width (m) × length (m) × grammage (g/m²).
fn reel_weight_kg(width_mm: u32, gsm: u32, length_m: u32) -> i64 {
    i64::from(width_mm) * i64::from(length_m) * i64::from(gsm) / 1_000_000
}

fn pick_weighted_index<T>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> usize {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (i, (_, weight)) in items.iter().enumerate() {
        if roll < *weight {
            return i;
        }
        roll -= weight;
    }
    items.len().saturating_sub(1)
}

fn pick_weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    &items[pick_weighted_index(rng, items)].0
}

fn stamp_minutes(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn stamp_seconds(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn stamp_micros(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

// ---------------------------------------------------------------------------------
// The vocabulary of the demo mill.
// ---------------------------------------------------------------------------------

/// The first reel is received at Nowruz 2023, 07:30 (a fixed date keeps files
/// reproducible).
const START: NaiveDateTime = match NaiveDate::from_ymd_opt(2023, 3, 21) {
    Some(day) => match day.and_hms_opt(7, 30, 0) {
        Some(t) => t,
        None => panic!("07:30:00 is a valid time"),
    },
    None => panic!("2023-03-21 is a valid date"),
};

const MILL_NAME: &str = "Kaghaz Sazi Mill";

/// The per-warehouse tables of the schema, weighted by how many reels each holds.
const WAREHOUSES: [(&str, u32); 10] = [
    ("Anbar_Akhal", 22),
    ("Anbar_Salon_Tolid", 18),
    ("Anbar_Sangin", 14),
    ("Anbar_Koochak", 8),
    ("Anbar_PAK", 10),
    ("Anbar_Parvandeh", 7),
    ("Anbar_Khamir_Ghadim", 5),
    ("Anbar_Khamir_Kordan", 5),
    ("Anbar_Muhavateh_Homayoun", 6),
    ("Anbar_Muhvateh_Kardan", 5),
];

/// About 70 % in stock, 20 % on trucks, 10 % delivered.
const STATUS_MIX: [(ReelStatus, u32); 3] = [
    (ReelStatus::InStock, 70),
    (ReelStatus::Sold, 20),
    (ReelStatus::Delivered, 10),
];

/// Grades and the grammage range (g/m²) the mill makes them in.
const GRADES: [(&str, (u32, u32)); 5] = [
    ("Kraft Liner", (125, 300)),
    ("Test Liner", (100, 200)),
    ("Fluting", (90, 180)),
    ("White Top", (120, 250)),
    ("Medium", (60, 150)),
];

/// Web breaks while winding: most reels have none.
const BREAKS: [(u32, u32); 4] = [(0, 80), (1, 12), (2, 5), (3, 3)];

const PROFILES: [(Option<&str>, u32); 4] = [
    (Some("Standard"), 50),
    (Some("Export"), 15),
    (Some("Premium"), 10),
    (None, 25),
];

const OPERATORS: [&str; 5] = ["ali", "reza", "maryam", "hossein", "sara"];

const COMMENTS: [&str; 7] = [
    "edge damage on outer layers",
    "wet spot, dried and checked",
    "rewound after break",
    "core slightly crushed",
    "sample taken for lab",
    "لبه آسیب دیده",
    "moisture 8.5%",
];

/// A truck that carries reels to customers.
#[derive(Debug)]
struct Truck {
    /// Iranian plate: two digits, a letter, three digits, and the province code.
    plate: &'static str,
    driver: &'static str,
    phone: &'static str,
    empty_weight_kg: i64,
}

const TRUCKS: [Truck; 8] = [
    Truck {
        plate: "12ع345-67",
        driver: "Hassan Karimi",
        phone: "09121234567",
        empty_weight_kg: 14_200,
    },
    Truck {
        plate: "48ب219-11",
        driver: "Mehdi Rahimi",
        phone: "09133456789",
        empty_weight_kg: 13_850,
    },
    Truck {
        plate: "73ج581-22",
        driver: "Saeed Moradi",
        phone: "09151112233",
        empty_weight_kg: 15_100,
    },
    Truck {
        plate: "25د604-44",
        driver: "Javad Ahmadi",
        phone: "09169876543",
        empty_weight_kg: 12_900,
    },
    Truck {
        plate: "91B372-13",
        driver: "Ebrahim Nouri",
        phone: "09127654321",
        empty_weight_kg: 14_650,
    },
    Truck {
        plate: "36D118-59",
        driver: "Majid Sadeghi",
        phone: "09355551212",
        empty_weight_kg: 13_400,
    },
    Truck {
        plate: "54ل927-33",
        driver: "Karim Jafari",
        phone: "09143334455",
        empty_weight_kg: 15_400,
    },
    Truck {
        plate: "67S450-68",
        driver: "Amir Hosseini",
        phone: "09381239876",
        empty_weight_kg: 14_000,
    },
];

/// A customer that buys reels.
#[derive(Debug)]
struct Customer {
    name: &'static str,
    address: &'static str,
    phone: &'static str,
}

const CUSTOMERS: [Customer; 8] = [
    Customer {
        name: "Kartonsazi Pars",
        address: "Tehran, Shamsabad industrial zone",
        phone: "02156781234",
    },
    Customer {
        name: "Sepahan Packaging Co.",
        address: "Isfahan, Mahmoudabad industrial zone",
        phone: "03134567890",
    },
    Customer {
        name: "شرکت کارتن سازی البرز",
        address: "کرج، شهرک صنعتی سیمین دشت",
        phone: "02634512345",
    },
    Customer {
        name: "Tabriz Box Industries",
        address: "Tabriz, Shahid Salimi industrial zone",
        phone: "04132223344",
    },
    Customer {
        name: "Golestan Carton",
        address: "Gorgan, Aq Qala road km 5",
        phone: "01732145678",
    },
    Customer {
        name: "بسته بندی مهر",
        address: "مشهد، شهرک صنعتی توس",
        phone: "05135412345",
    },
    Customer {
        name: "Kaveh Paper Trading",
        address: "Tehran, Naser Khosrow St.",
        phone: "02133998877",
    },
    Customer {
        name: "Shiraz Corrugated",
        address: "Shiraz, Bozorg industrial zone",
        phone: "07137741122",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn build(dir: &Path, name: &str, reels: u32, seed: u64) -> (PathBuf, DemoSummary) {
        let path = dir.join(name);
        let summary = create_demo_db(&path, &DemoOptions { reels, seed }).expect("demo db");
        (path, summary)
    }

    /// Every row of `table`, every column, as text, in id order.
    fn dump(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!(r#"SELECT * FROM "{table}" ORDER BY id"#))
            .expect("prepare dump");
        let columns = stmt.column_count();
        stmt.query_map([], |row| {
            (0..columns)
                .map(|i| {
                    row.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|values| values.join("|"))
        })
        .expect("query dump")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
    }

    fn schema_of(conn: &Connection) -> Vec<(String, String, Option<String>)> {
        let mut stmt = conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .expect("prepare schema");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query schema")
            .collect::<rusqlite::Result<_>>()
            .expect("schema rows")
    }

    fn anbar_union() -> String {
        WAREHOUSES
            .iter()
            .map(|(t, _)| {
                format!(
                    r#"SELECT '{t}' AS tbl, status, location, date, receive_date, last_date,
                        reel_number, width, gsm, length, grade, breaks, comments, qr_code,
                        profile_name, username, logs, shipment_id_id FROM "{t}""#
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    #[test]
    fn same_seed_gives_identical_content_and_other_seed_differs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = build(dir.path(), "a.sqlite3", 500, 7);
        let (b, _) = build(dir.path(), "b.sqlite3", 500, 7);
        let (c, _) = build(dir.path(), "c.sqlite3", 500, 8);
        let (a, b, c) = (
            Connection::open(a).expect("a"),
            Connection::open(b).expect("b"),
            Connection::open(c).expect("c"),
        );
        for table in ["Products", "Shipments", "Truck", "Customer", "Anbar_Akhal"] {
            assert_eq!(dump(&a, table), dump(&b, table), "{table}");
        }
        assert_ne!(dump(&a, "Products"), dump(&c, "Products"));
    }

    #[test]
    fn summary_matches_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, summary) = build(dir.path(), "w.sqlite3", 2_000, 42);
        let conn = Connection::open(path).expect("open");
        let mut counts = DemoSummary {
            reels: 0,
            in_stock: 0,
            sold: 0,
            delivered: 0,
        };
        let mut stmt = conn
            .prepare("SELECT status, count(*) FROM Products GROUP BY status")
            .expect("prepare");
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
            .expect("query");
        for row in rows {
            let (status, n) = row.expect("row");
            counts.reels += n;
            match status.as_str() {
                "In-stock" => counts.in_stock += n,
                "Sold" => counts.sold += n,
                "Delivered" => counts.delivered += n,
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!(counts, summary);
        assert_eq!(summary.reels, 2_000);
        // About 70/20/10.
        assert!((1_300..=1_500).contains(&summary.in_stock), "{summary:?}");
        assert!((300..=500).contains(&summary.sold), "{summary:?}");
        assert!((120..=280).contains(&summary.delivered), "{summary:?}");
    }

    #[test]
    fn every_reel_has_exactly_one_matching_anbar_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, summary) = build(dir.path(), "w.sqlite3", 1_500, 3);
        let conn = Connection::open(path).expect("open");
        let copies: u32 = conn
            .query_row(
                &format!("SELECT count(*) FROM ({})", anbar_union()),
                [],
                |r| r.get(0),
            )
            .expect("count copies");
        assert_eq!(copies, summary.reels);
        let unmatched: u32 = conn
            .query_row(
                &format!(
                    r#"SELECT count(*) FROM Products p WHERE NOT EXISTS (
                        SELECT 1 FROM ({}) a WHERE a.reel_number = p.reel_number
                        AND a.status = p.status AND a.location = p.location AND a.date = p.date
                        AND a.receive_date IS p.receive_date AND a.last_date IS p.last_date
                        AND a.width = p.width AND a.gsm = p.gsm AND a.length = p.length
                        AND a.grade = p.grade AND a.breaks = p.breaks
                        AND a.comments IS p.comments AND a.qr_code IS p.qr_code
                        AND a.profile_name IS p.profile_name AND a.username = p.username
                        AND a.logs = p.logs AND a.shipment_id_id IS p.shipment_id_id
                        AND (p.status <> 'In-stock' OR a.tbl = p.location))"#,
                    anbar_union()
                ),
                [],
                |r| r.get(0),
            )
            .expect("unmatched");
        assert_eq!(unmatched, 0);
    }

    #[test]
    fn values_follow_the_warehouse_app_formats() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, _) = build(dir.path(), "w.sqlite3", 2_000, 11);
        let conn = Connection::open(path).expect("open");
        let bad: u32 = conn
            .query_row(
                r#"SELECT count(*) FROM Products WHERE NOT (
                    reel_number GLOB 'R[0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'
                    AND (receive_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]'
                      OR receive_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
                      OR receive_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]')
                    AND julianday(date) IS NOT NULL
                    AND width BETWEEN 600 AND 2800 AND width % 10 = 0
                    AND gsm BETWEEN 60 AND 300 AND length BETWEEN 3000 AND 20000
                    AND breaks BETWEEN 0 AND 3 AND logs <> '' AND username <> ''
                    AND CASE status
                        WHEN 'In-stock' THEN last_date IS NULL AND shipment_id_id IS NULL
                            AND location LIKE 'Anbar\_%' ESCAPE '\'
                        WHEN 'Sold' THEN julianday(last_date) > julianday(receive_date)
                            AND location IN (SELECT license_number FROM Truck)
                            AND shipment_id_id IN (SELECT id FROM Shipments WHERE status = 'Sold')
                        WHEN 'Delivered' THEN julianday(last_date) > julianday(receive_date)
                            AND location IN (SELECT customer_name FROM Customer)
                            AND shipment_id_id IN (SELECT id FROM Shipments WHERE status = 'Delivered')
                        ELSE 0 END)"#,
                [],
                |r| r.get(0),
            )
            .expect("check values");
        assert_eq!(bad, 0);
        // All three date forms really occur.
        let forms: u32 = conn
            .query_row(
                "SELECT count(DISTINCT length(receive_date)) FROM Products",
                [],
                |r| r.get(0),
            )
            .expect("forms");
        assert_eq!(forms, 3);
    }

    #[test]
    fn refuses_an_existing_path_and_leaves_it_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("taken.sqlite3");
        fs::write(&path, b"precious").expect("write");
        let err = create_demo_db(&path, &DemoOptions::default()).expect_err("must refuse");
        match err {
            Error::Refused(Refusal::FileExists { file }) => assert_eq!(file, "taken.sqlite3"),
            other => panic!("unexpected error {other:?}"),
        }
        assert_eq!(fs::read(&path).expect("read"), b"precious");
        let entries = fs::read_dir(dir.path()).expect("read dir").count();
        assert_eq!(entries, 1, "no temporary file left behind");
    }

    #[test]
    fn rejects_out_of_range_reel_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        for reels in [0, MAX_REELS + 1] {
            let err = create_demo_db(
                &dir.path().join("x.sqlite3"),
                &DemoOptions { reels, seed: 1 },
            )
            .expect_err("must reject");
            assert!(
                matches!(err, Error::Refused(Refusal::DemoReels { .. })),
                "{err:?}"
            );
        }
        assert_eq!(fs::read_dir(dir.path()).expect("read dir").count(), 0);
    }

    #[test]
    fn result_is_a_sound_rollback_journal_file_with_the_exact_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, _) = build(dir.path(), "w.sqlite3", 200, 5);
        let conn = Connection::open(&path).expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal mode");
        assert_eq!(mode, "delete");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(integrity, "ok");

        let fixture = Connection::open_in_memory().expect("memory");
        fixture.execute_batch(SCHEMA).expect("fixture schema");
        assert_eq!(schema_of(&conn), schema_of(&fixture));
        assert_eq!(fs::read_dir(dir.path()).expect("read dir").count(), 1);
    }

    #[test]
    fn warehouse_list_is_the_schemas_anbar_tables() {
        let fixture = Connection::open_in_memory().expect("memory");
        fixture.execute_batch(SCHEMA).expect("fixture schema");
        let mut stmt = fixture
            .prepare(
                r#"SELECT name FROM sqlite_master WHERE type = 'table'
                   AND name LIKE 'Anbar\_%' ESCAPE '\' ORDER BY name"#,
            )
            .expect("prepare");
        let in_schema: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("names");
        let mut ours: Vec<String> = WAREHOUSES.iter().map(|(t, _)| (*t).to_owned()).collect();
        ours.sort();
        assert_eq!(ours, in_schema);
    }

    /// `cargo test -p engine --release demo::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore = "timing of the 100k-reel benchmark file"]
    fn timing_100k_reels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let started = std::time::Instant::now();
        let (_, summary) = build(dir.path(), "big.sqlite3", 100_000, 42);
        println!("{summary:?} in {:?}", started.elapsed());
    }
}
