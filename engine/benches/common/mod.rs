//! Helpers both benchmarks use.

use std::path::Path;

use engine::{Engine, ReelStatus};
use rusqlite::Connection;

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
        .set_product_status(&reels, ReelStatus::Sold, "bench")
        .expect("set status");
    change.changed.len() as u64
}
