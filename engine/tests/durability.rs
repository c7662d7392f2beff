//! DESIGN.md "Nothing lost" and "Every run is logged" under failure: a warehouse
//! write that succeeded is never forgotten, and a run's log commits with its data,
//! even when the main store cannot save (a full disk).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Fixture;
use engine::{Action, Config, Engine, Error, Outcome, Reason, ReelStatus, RunError, RunScope};

/// Makes the main store refuse to record an export, as a full disk would refuse
/// the commit that follows the warehouse batch: a real failure of a real SQLite
/// statement, injected through the store's own schema.
fn refuse_export_records(f: &Fixture) {
    f.store()
        .execute_batch(
            "CREATE TRIGGER refuse_export BEFORE UPDATE OF written_status ON product_mappings
             WHEN NEW.written_status IS NOT NULL
             BEGIN SELECT RAISE(ABORT, 'injected failure: the disk is full'); END;",
        )
        .unwrap();
}

fn allow_export_records(f: &Fixture) {
    f.store()
        .execute_batch("DROP TRIGGER refuse_export")
        .unwrap();
}

#[test]
fn a_warehouse_write_whose_record_failed_is_recorded_by_the_next_run() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    refuse_export_records(&f);
    let err = f.sync(RunScope::Export, false).unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    // The warehouse took the write; the run could not record it.
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("Sold"));
    let failed = f.engine.runs(1).unwrap().remove(0);
    assert_eq!(failed.outcome, Outcome::Failed);
    assert_eq!(
        failed.counts.exported, 0,
        "the log claims only what was saved"
    );

    allow_export_records(&f);
    let next = f.full();
    assert_eq!(next.counts.exported, 0, "nothing to write again");
    assert_eq!(next.counts.conflicts, 0);
    assert_eq!(f.base_status("R1"), "Sold");
    // The failed run's log now holds the write it made.
    let detail = f.engine.run_detail(failed.id).unwrap();
    assert_eq!(detail.run.counts.exported, 1);
    let item = detail.items.iter().find(|i| i.reel_number == "R1").unwrap();
    assert_eq!(item.action, Action::Export);
    assert!(matches!(item.reason, Some(Reason::RecordedLate { .. })));

    // The write is reelsync's own: the office may cancel it, and the cancellation
    // is exported instead of being reported as a conflict.
    f.office_sets(&["R1"], ReelStatus::InStock);
    let cancel = f.full();
    assert_eq!(cancel.counts.exported, 1, "{:?}", cancel.items);
    assert_eq!(f.wh_value("R1", "status").as_deref(), Some("In-stock"));
}

#[test]
fn a_planned_write_that_never_reached_the_warehouse_is_settled_as_not_written() {
    let f = Fixture::with(&[("R1", "In-stock")]);
    f.import_all();
    f.office_sets(&["R1"], ReelStatus::Sold);
    refuse_export_records(&f);
    f.sync(RunScope::Export, false).unwrap_err();
    // The warehouse app undoes the sale before the next run: the write is no longer
    // there, so it is not reelsync's to claim.
    f.wh_set("R1", "status", Some("In-stock"));
    f.wh_set("R1", "last_date", None);
    allow_export_records(&f);
    let next = f.full();
    assert_eq!(next.counts.exported, 1, "the sale is exported again");
    let states: Vec<String> = f
        .store()
        .prepare("SELECT state FROM warehouse_writes ORDER BY run_id, seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(states, ["not_written", "written"]);
}

/// A tmpfs of `size` mounted at a new directory, unmounted when dropped; `None`
/// where this process may not mount (not root, or in a container without the
/// capability).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        mounted.then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn demo_warehouse(dir: &Path, reels: u32) -> PathBuf {
    let path = dir.join("warehouse.sqlite3");
    engine::demo::create_demo_db(&path, &engine::demo::DemoOptions { reels, seed: 7 }).unwrap();
    path
}

fn count(store: &rusqlite::Connection, sql: &str) -> u64 {
    store.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

#[test]
fn an_import_on_a_full_disk_says_so_and_logs_the_truth() {
    let Some(disk) = SmallDisk::mount("8m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)");
        return;
    };
    // Room taken by something else on the same disk, freed later.
    let filler = disk.path().join("filler");
    std::fs::write(&filler, vec![0u8; 6 << 20]).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let warehouse = demo_warehouse(elsewhere.path(), 8_000);
    let data = disk.path().join("data");
    let engine = Engine::open(Config::new(&data).with_external(&warehouse)).unwrap();
    let request = engine::RunRequest {
        scope: RunScope::Import(engine::Selection::All),
        trigger: engine::Trigger::Manual,
        who: "test".into(),
        dry_run: false,
        client: None,
    };
    let err = engine.sync(&request, &mut ()).unwrap_err();
    assert!(matches!(err, Error::StoreFull { .. }), "{err}");
    assert!(err.to_string().contains("is full"), "{err}");

    // A truthful log: failed, saying why, and counting exactly what was saved
    // (a run saves page by page); nothing half-recorded.
    let runs = engine.runs(5).unwrap();
    assert_eq!(runs.len(), 1);
    let failed = &runs[0];
    assert_eq!(failed.outcome, Outcome::Failed, "{failed:?}");
    assert_eq!(failed.error, Some(RunError::StoreFull));
    let store = rusqlite::Connection::open(data.join("reelsync.sqlite3")).unwrap();
    let saved = count(&store, "SELECT count(*) FROM products");
    assert!(saved < 8_000, "the disk was too small for everything");
    assert_eq!(failed.counts.imported, saved);
    assert_eq!(
        count(&store, "SELECT count(*) FROM product_mappings"),
        saved
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM run_items WHERE action = 'import'"
        ),
        saved
    );

    // With room again, the next run goes on with the rest.
    std::fs::remove_file(&filler).unwrap();
    let rest = engine.sync(&request, &mut ()).unwrap();
    let in_stock = rest.counts.importable;
    assert_eq!(rest.counts.imported, in_stock);
    assert_eq!(
        count(&store, "SELECT count(*) FROM products"),
        saved + in_stock
    );
}

#[test]
fn a_snapshot_on_request_is_consistent_while_the_warehouse_app_writes_and_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = demo_warehouse(dir.path(), 5_000);
    let engine =
        Engine::open(Config::new(dir.path().join("data")).with_external(&warehouse)).unwrap();
    engine
        .update_settings(
            &engine::SettingsUpdate {
                snapshot_retention: Some(2),
                ..Default::default()
            },
            &"t".into(),
        )
        .unwrap();
    // The warehouse app commits now and then while the copy goes on.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let app = {
        let (stop, path) = (stop.clone(), warehouse.clone());
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                conn.execute("UPDATE Products SET logs = logs || '.' WHERE id = 1", [])
                    .unwrap();
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        })
    };
    let taken: Vec<engine::Snapshot> = (0..3)
        .map(|_| engine.snapshot_warehouse(&"t".into()).unwrap())
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    app.join().unwrap();
    let dir = engine.data_dir().join("snapshots");
    let kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let copy = rusqlite::Connection::open(dir.join(&taken[2].file)).unwrap();
    let ok: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    assert_eq!(count(&copy, "SELECT count(*) FROM Products"), 5_000);
}
