//! Helpers the benchmarks share; each uses some of them.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use engine::demo::{DemoOptions, create_demo_db};
use engine::{Engine, ReelStatus};
use rusqlite::Connection;

/// The flag a bench is re-invoked with to generate a demo warehouse.
const GENERATE: &str = "--generate-demo";

/// Builds the demo warehouse (seed 7) in a child process, so the generator's
/// memory is not left in the process that measures the engine.
pub fn generate(path: &Path, reels: u32) {
    let started = Instant::now();
    let status = Command::new(std::env::current_exe().expect("own path"))
        .args([GENERATE, &path.display().to_string(), &reels.to_string()])
        .status()
        .expect("generator");
    assert!(status.success(), "demo generation failed");
    eprintln!(
        "demo warehouse with {reels} reels generated in {:?}",
        started.elapsed()
    );
}

/// The child's side of [`generate`]: when `args` ask for a demo warehouse, writes
/// it and returns true.
pub fn generate_if_asked(args: &[String]) -> bool {
    let Some(i) = args.iter().position(|a| a == GENERATE) else {
        return false;
    };
    let reels = args[i + 2].parse().expect("reel count");
    create_demo_db(Path::new(&args[i + 1]), &DemoOptions { reels, seed: 7 }).expect("demo db");
    true
}

/// Warehouse reels that are `In-stock`.
pub fn count_in_stock(warehouse: &Path) -> u64 {
    Connection::open(warehouse)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM Products WHERE status = 'In-stock'",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .expect("count") as u64
}

/// Marks `n` tracked in-stock reels as sold by the office.
pub fn office_sells(engine: &Engine, warehouse: &Path, n: usize) -> u64 {
    let conn = Connection::open(warehouse).expect("warehouse");
    let mut stmt = conn
        .prepare("SELECT reel_number FROM Products WHERE status = 'In-stock' ORDER BY id LIMIT ?1")
        .expect("select");
    let reels: Vec<String> = stmt
        .query_map([n as i64], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let change = engine
        .set_product_status(&reels, ReelStatus::Sold, &"bench".into())
        .expect("set status");
    change.changed.len() as u64
}

/// The kernel's high-water mark of this process's resident memory, in MB (reset
/// it by writing 5 to `/proc/self/clear_refs`).
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// The CPU time this process has used so far (user and system, all threads).
/// A phase whose wall time is well above it waited: on the disk, or for a
/// core that another process on this shared machine had.
pub fn cpu_time() -> std::time::Duration {
    // SAFETY: `getrusage` only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let of = |t: libc::timeval| {
        std::time::Duration::from_secs(t.tv_sec as u64)
            + std::time::Duration::from_micros(t.tv_usec as u64)
    };
    of(usage.ru_utime) + of(usage.ru_stime)
}

/// This process's resident memory now, in MB.
pub fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

/// A figure of `/proc/self/status`, in MB.
fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A benchmark's demo warehouse (`REELSYNC_BENCH_REELS` reels, 100,000 unless
/// set) and an engine on it, in a temporary directory.
pub struct Bench {
    pub reels: u32,
    pub dir: tempfile::TempDir,
    pub warehouse: std::path::PathBuf,
    pub engine: Engine,
}

/// Sets a benchmark up; `None` when this process was started only to generate
/// the demo warehouse (see [`generate`]), which it then has done.
pub fn setup() -> Option<Bench> {
    let args: Vec<String> = std::env::args().collect();
    if generate_if_asked(&args) {
        return None;
    }
    let reels: u32 = std::env::var("REELSYNC_BENCH_REELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("ism.sqlite3");
    generate(&warehouse, reels);
    let config = engine::Config::new(dir.path().join("data")).with_external(&warehouse);
    let engine = Engine::open(config).expect("engine");
    Some(Bench {
        reels,
        dir,
        warehouse,
        engine,
    })
}
