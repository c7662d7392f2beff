//! What the mill does to the warehouse file, at random: copies taken and restored,
//! the file rebuilt with new ids, reels deleted and entered again, two labels
//! swapped, another warehouse's file put in its place (and accepted), between
//! office sales, cancellations and syncs. After each sync that takes the file:
//! every office sale is in the warehouse (`Products` and the forklift's copy), or
//! is an open conflict, or its reel is missing from the file; no warehouse row
//! holds a status reelsync wrote for another reel; a second sync writes nothing.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use common::{Fixture, add_reel, bytes};
use engine::{Error, ReelStatus, RunScope, WarehouseError};
use proptest::prelude::*;
use rusqlite::Connection;

/// The reels of every test warehouse.
const REELS: usize = 8;

#[derive(Debug, Clone)]
enum Step {
    /// The office sells reel `i`.
    Sell(usize),
    /// The office takes back its sale of reel `i`.
    Cancel(usize),
    Sync,
    /// The cron job copies the file.
    Backup,
    /// Staff restore the `i`th copy taken so far (modulo how many there are).
    Restore(usize),
    /// The file is dumped and reloaded: the same rows, new ids.
    Rebuild,
    /// Reel `i` is deleted (its label was misprinted) and entered again.
    Reenter(usize),
    /// The labels of reels `i` and `j` are swapped in `Products`.
    Swap(usize, usize),
    /// Another warehouse's file is copied over this one.
    Replace,
    /// An admin accepts the file at the path.
    Accept,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..REELS).prop_map(Step::Sell),
        1 => (0..REELS).prop_map(Step::Cancel),
        4 => Just(Step::Sync),
        2 => Just(Step::Backup),
        2 => (0..4usize).prop_map(Step::Restore),
        1 => Just(Step::Rebuild),
        1 => (0..REELS).prop_map(Step::Reenter),
        2 => (0..REELS, 0..REELS).prop_map(|(i, j)| Step::Swap(i, j)),
        1 => Just(Step::Replace),
        1 => Just(Step::Accept),
    ]
}

fn reel(i: usize) -> String {
    format!("R{i:05}")
}

struct World {
    f: Fixture,
    backups: Vec<PathBuf>,
    /// The reels the office sold (and has not taken back).
    sold: std::collections::BTreeSet<String>,
    /// The reels whose `Products` labels were swapped (their forklift copies
    /// keep their numbers: the warehouse's two tables then disagree, which only
    /// the warehouse app can settle).
    swapped: std::collections::BTreeSet<String>,
}

impl World {
    fn new() -> Self {
        let f = Fixture::new();
        f.add_many("R", REELS, "In-stock");
        f.import_all();
        Self {
            f,
            backups: Vec::new(),
            sold: Default::default(),
            swapped: Default::default(),
        }
    }

    fn apply(&mut self, step: &Step) -> Result<(), TestCaseError> {
        let f = &self.f;
        match step {
            Step::Sell(i) => {
                f.office_sets(&[&reel(*i + 1)], ReelStatus::Sold);
                self.sold.insert(reel(*i + 1));
            }
            Step::Cancel(i) => {
                f.office_sets(&[&reel(*i + 1)], ReelStatus::InStock);
                self.sold.remove(&reel(*i + 1));
            }
            Step::Sync => self.sync_and_check()?,
            Step::Backup => {
                let copy = f
                    .dir
                    .path()
                    .join(format!("backup-{}.sqlite3", self.backups.len()));
                std::fs::copy(&f.warehouse, &copy).unwrap();
                self.backups.push(copy);
            }
            Step::Restore(i) if !self.backups.is_empty() => {
                let copy = &self.backups[i % self.backups.len()];
                put_in_place(f, copy);
            }
            Step::Restore(_) => {}
            Step::Rebuild => {
                let rebuilt = f.dir.path().join("rebuilt.sqlite3");
                let _ = std::fs::remove_file(&rebuilt);
                let conn = Connection::open(&rebuilt).unwrap();
                conn.execute_batch(common::SCHEMA).unwrap();
                conn.execute("ATTACH ?1 AS old", [f.warehouse.to_str().unwrap()])
                    .unwrap();
                conn.execute_batch(
                    "INSERT INTO sqlite_sequence (name, seq)
                         SELECT 'Products', coalesce(max(id), 0) + 100 FROM old.Products;
                     INSERT INTO Products (date, location, status, receive_date, last_date,
                             reel_number, width, gsm, length, grade, breaks, username, logs)
                         SELECT date, location, status, receive_date, last_date, reel_number,
                             width, gsm, length, grade, breaks, username, logs
                         FROM old.Products ORDER BY id DESC;
                     INSERT INTO Anbar_Akhal SELECT * FROM old.Anbar_Akhal;",
                )
                .unwrap();
                conn.execute("DETACH old", []).unwrap();
                drop(conn);
                put_in_place(f, &rebuilt);
            }
            Step::Reenter(i) => {
                let name = reel(*i + 1);
                let wh = f.wh();
                let deleted = wh
                    .execute("DELETE FROM Products WHERE reel_number = ?1", [&name])
                    .unwrap();
                wh.execute("DELETE FROM Anbar_Akhal WHERE reel_number = ?1", [&name])
                    .unwrap();
                if deleted == 1 {
                    add_reel(&wh, &name, "In-stock");
                }
            }
            Step::Swap(i, j) if i != j => {
                let (a, b) = (reel(*i + 1), reel(*j + 1));
                let wh = f.wh();
                let n: i64 = wh
                    .query_row(
                        "SELECT count(*) FROM Products WHERE reel_number IN (?1, ?2)",
                        [&a, &b],
                        |r| r.get(0),
                    )
                    .unwrap();
                if n == 2 {
                    self.swapped.extend([a.clone(), b.clone()]);
                    wh.execute_batch(&format!(
                        "UPDATE Products SET reel_number = 'swap' WHERE reel_number = '{a}';
                         UPDATE Products SET reel_number = '{a}' WHERE reel_number = '{b}';
                         UPDATE Products SET reel_number = '{b}' WHERE reel_number = 'swap';"
                    ))
                    .unwrap();
                }
            }
            Step::Swap(..) => {}
            Step::Replace => {
                let other = f.dir.path().join("other.sqlite3");
                let _ = std::fs::remove_file(&other);
                let conn = Connection::open(&other).unwrap();
                conn.execute_batch(common::SCHEMA).unwrap();
                for i in 0..REELS {
                    add_reel(&conn, &format!("X{i:05}"), "In-stock");
                }
                // Two numbers this warehouse has too, on reels of its own.
                add_reel(&conn, &reel(1), "In-stock");
                add_reel(&conn, &reel(2), "Sold");
                drop(conn);
                put_in_place(f, &other);
            }
            Step::Accept => {
                f.engine.accept_warehouse(&"test".into()).unwrap();
            }
        }
        Ok(())
    }

    /// Syncs; when the run takes the file, checks the invariants and that a second
    /// sync writes nothing.
    fn sync_and_check(&self) -> Result<(), TestCaseError> {
        let f = &self.f;
        match f.sync(RunScope::Full, false) {
            Ok(_) => {}
            Err(Error::Warehouse(WarehouseError::NotTheSame { .. })) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("the sync failed: {e}"))),
        }
        self.check_sales_are_written()?;
        self.check_no_row_holds_anothers_status()?;
        let before = bytes(&f.warehouse);
        let again = f.sync(RunScope::Full, false);
        prop_assert!(again.is_ok(), "the second sync failed: {:?}", again.err());
        let counts = again.unwrap().counts;
        prop_assert_eq!(
            (counts.exported, counts.rewritten, counts.status_in),
            (0, 0, 0),
            "the second sync had work"
        );
        prop_assert!(bytes(&f.warehouse) == before, "the second sync wrote");
        Ok(())
    }

    /// Every office sale is in the warehouse's `Products` row of its number and in
    /// the forklift's copy, unless the reel is an open conflict or missing.
    fn check_sales_are_written(&self) -> Result<(), TestCaseError> {
        let f = &self.f;
        let store = f.store();
        let sold: Vec<(String, String)> = self
            .sold
            .iter()
            .map(|reel| {
                let state = store
                    .query_row(
                        "SELECT m.state FROM products p JOIN product_mappings m
                             ON m.product_id = p.id WHERE p.reel_number = ?1",
                        [reel],
                        |r| r.get(0),
                    )
                    .unwrap();
                (reel.clone(), state)
            })
            .collect();
        let wh = f.wh();
        for (reel, state) in sold {
            if state != "ok" {
                continue;
            }
            let status: Option<String> = wh
                .query_row(
                    "SELECT status FROM Products WHERE reel_number = ?1",
                    [&reel],
                    |r| r.get(0),
                )
                .ok();
            prop_assert!(
                matches!(status.as_deref(), Some("Sold" | "Delivered")),
                "{} is sold in the office, {:?} in the warehouse",
                reel,
                status
            );
            if self.swapped.contains(&reel) {
                continue;
            }
            let loadable: i64 = wh
                .query_row(
                    "SELECT count(*) FROM Anbar_Akhal WHERE reel_number = ?1 AND status = 'In-stock'",
                    [&reel],
                    |r| r.get(0),
                )
                .unwrap();
            prop_assert_eq!(loadable, 0, "{} is still loadable to the forklift", reel);
        }
        Ok(())
    }

    /// No row holds a status that reelsync's last write to it wrote for another
    /// reel, unless that is its own reel's status in the office too.
    fn check_no_row_holds_anothers_status(&self) -> Result<(), TestCaseError> {
        let f = &self.f;
        let mut last: HashMap<String, (String, String)> = HashMap::new();
        let store = f.store();
        let mut stmt = store
            .prepare(
                "SELECT born, reel_number, status_after FROM warehouse_writes
                 WHERE state = 'written' AND born IS NOT NULL ORDER BY run_id, seq",
            )
            .unwrap();
        for row in stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
        {
            let (born, reel, status) = row.unwrap();
            last.insert(born, (reel, status));
        }
        let wh = f.wh();
        let mut rows = wh
            .prepare("SELECT date, reel_number, status FROM Products")
            .unwrap();
        for row in rows
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .unwrap()
        {
            let (born, reel, status) = row.unwrap();
            let office: Option<String> = store
                .query_row(
                    "SELECT status FROM products WHERE reel_number = ?1",
                    [&reel],
                    |r| r.get(0),
                )
                .ok();
            if let Some((written_for, written)) = last.get(&born) {
                prop_assert!(
                    !(written_for != &reel
                        && written == &status
                        && status != "In-stock"
                        && office.as_ref() != Some(&status)),
                    "the row of {} holds {} written for {}",
                    reel,
                    status,
                    written_for
                );
            }
        }
        Ok(())
    }
}

/// Puts `file` at the warehouse path, as a copy renamed into place.
fn put_in_place(f: &Fixture, file: &std::path::Path) {
    let staged = f.dir.path().join("staged.sqlite3");
    std::fs::copy(file, &staged).unwrap();
    std::fs::rename(&staged, &f.warehouse).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig {
        max_shrink_iters: 256,
        ..ProptestConfig::with_cases(64)
    })]

    #[test]
    fn no_file_operation_loses_or_moves_a_sale(steps in prop::collection::vec(step(), 1..30)) {
        let mut world = World::new();
        for step in &steps {
            world.apply(step)?;
        }
        world.apply(&Step::Sync)?;
    }
}
