//! The command line, end to end: the real `reelsync` binary on real SQLite files
//! in a temporary directory (a 200-reel demo warehouse, edited with rusqlite where
//! a test needs a broken or busy one).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use engine::demo::{DemoOptions, create_demo_db};
use serde_json::Value;
use tempfile::TempDir;

/// A data directory and a demo warehouse file, private to one test.
struct Site {
    dir: TempDir,
    data: PathBuf,
    warehouse: PathBuf,
}

impl Site {
    fn new() -> Self {
        Self::with_reels(200)
    }

    /// A site whose demo warehouse holds `reels` reels.
    fn with_reels(reels: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let warehouse = dir.path().join("warehouse.sqlite3");
        create_demo_db(&warehouse, &DemoOptions { reels, seed: 7 }).unwrap();
        Self {
            dir,
            data,
            warehouse,
        }
    }

    /// `reelsync` with this site's data directory and warehouse, and nothing from
    /// the caller's environment that could change its behaviour.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_reelsync"));
        for var in [
            "REELSYNC_DATA_DIR",
            "REELSYNC_EXTERNAL",
            "REELSYNC_BUSY_TIMEOUT_MS",
            "REELSYNC_PASSWORD",
            "RUST_LOG",
        ] {
            command.env_remove(var);
        }
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("REELSYNC_DATA_DIR", &self.data)
            .env("REELSYNC_EXTERNAL", &self.warehouse)
            .env("USER", "tester")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args).output().unwrap())
    }

    /// Runs `reelsync` with `input` on its stdin.
    fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Run::of(child.wait_with_output().unwrap())
    }

    fn store(&self) -> PathBuf {
        self.data.join("reelsync.sqlite3")
    }

    fn warehouse_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.warehouse).unwrap()
    }

    /// The first `n` warehouse reels with this status.
    fn reels(&self, status: &str, n: usize) -> Vec<String> {
        let conn = self.warehouse_db();
        let mut stmt = conn
            .prepare("SELECT reel_number FROM Products WHERE status = ?1 ORDER BY id LIMIT ?2")
            .unwrap();
        let reels: Vec<String> = stmt
            .query_map(rusqlite::params![status, n as i64], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(reels.len(), n, "the demo file has too few {status} reels");
        reels
    }

    fn warehouse_status(&self, reel: &str) -> String {
        self.warehouse_db()
            .query_row(
                "SELECT status FROM Products WHERE reel_number = ?1",
                [reel],
                |r| r.get(0),
            )
            .unwrap()
    }
}

/// What one `reelsync` invocation did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn of(output: std::process::Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Asserts the exit code, showing what was printed when it is wrong.
    fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Stdout as the one JSON object `--json` promises (nothing else on stdout).
    fn json(&self) -> Value {
        let value: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{}", self.stdout));
        assert!(value.is_object(), "{value}");
        value
    }
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::new();
    site.run(&["sync", "--import-only", "--export-only"])
        .expect(2);
    site.run(&["import"]).expect(2);
    site.run(&["no-such-command"]).expect(2);
    site.run(&["runs", "--limit", "0"]).expect(2);
    site.run(&["product", "set-status", "lost", "R1"]).expect(2);

    let run = site.run(&["import", "--json"]).expect(2);
    assert_eq!(run.json()["exit_code"], 2);
    assert!(
        run.json()["error"].as_str().unwrap().contains("required"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_reports_a_good_file_and_names_the_problem_with_a_bad_one() {
    let site = Site::new();
    let ok = site.run(&["check", "--json"]).expect(0).json();
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["reels"], 200);

    let missing = site.dir.path().join("nowhere.sqlite3");
    let run = site
        .run(&["check", "--external", missing.to_str().unwrap()])
        .expect(3);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);

    let text = site.dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, just some notes\n".repeat(100)).unwrap();
    let run = site
        .run(&["check", "--json", "--external", text.to_str().unwrap()])
        .expect(3);
    assert_eq!(run.json()["exit_code"], 3);
    assert!(
        run.stderr.contains("not a SQLite database"),
        "{}",
        run.stderr
    );

    let run = site
        .command(&["check"])
        .env_remove("REELSYNC_EXTERNAL")
        .output()
        .unwrap();
    let run = Run::of(run).expect(3);
    assert!(
        run.stderr.contains("no warehouse database is configured"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_warehouse_lacking_a_mapped_column_is_refused_untouched() {
    let site = Site::new();
    site.warehouse_db()
        .execute_batch("ALTER TABLE Products DROP COLUMN gsm")
        .unwrap();
    let before = bytes(&site.warehouse);

    let run = site.run(&["check"]).expect(3);
    assert!(run.stderr.contains("gsm"), "{}", run.stderr);
    for args in [&["sync"][..], &["import", "--all"], &["sync", "--dry-run"]] {
        let run = site.run(args).expect(3);
        assert!(
            run.stderr.contains("lacks column(s) gsm"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(
        bytes(&site.warehouse) == before,
        "the warehouse file changed"
    );
}

#[test]
fn import_takes_importable_reels_and_rejects_the_rest_with_a_reason() {
    let site = Site::new();
    let in_stock = site.reels("In-stock", 2);
    let sold = site.reels("Sold", 1);
    let run = site
        .run(&["import", &in_stock[0], &in_stock[1], &sold[0], "--json"])
        .expect(5);
    let report = run.json();
    assert_eq!(report["kind"], "import");
    assert_eq!(report["outcome"], "partial");
    assert_eq!(report["dry_run"], false);
    assert!(report["run_id"].is_i64());
    assert_eq!(report["counts"]["imported"], 2);
    assert_eq!(report["counts"]["rejected"], 1);
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["reel_number"], sold[0].as_str());
    assert_eq!(items[0]["action"], "reject");
    assert!(
        items[0]["reason"].as_str().unwrap().contains("Sold"),
        "{items:?}"
    );

    // Imported reels are tracked: never offered again.
    let again = site
        .run(&["import", &in_stock[0], "--json"])
        .expect(5)
        .json();
    assert_eq!(again["counts"]["imported"], 0);
    assert_eq!(again["counts"]["rejected"], 1);
}

#[test]
fn dry_run_plans_and_leaves_both_files_byte_identical() {
    let site = Site::new();
    let reels = site.reels("In-stock", 3);
    site.run(&["import", &reels[0], &reels[1], &reels[2]])
        .expect(0);
    site.run(&["product", "set-status", "sold", &reels[0]])
        .expect(0);
    let (store, warehouse) = (bytes(&site.store()), bytes(&site.warehouse));

    let plan = site.run(&["sync", "--dry-run", "--json"]).expect(0).json();
    assert_eq!(plan["run_id"], Value::Null);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["kind"], "dry-run");
    assert_eq!(plan["outcome"], "succeeded");
    assert_eq!(plan["counts"]["exported"], 1);
    let items = plan["items"].as_array().unwrap();
    let export = items.iter().find(|i| i["action"] == "export").unwrap();
    assert_eq!(export["reel_number"], reels[0].as_str());
    assert!(export["reason"].is_null());
    let status = export["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "status")
        .unwrap();
    assert_eq!(
        (&status["old"], &status["new"]),
        (&"In-stock".into(), &"Sold".into())
    );

    let imports = site
        .run(&["import", "--all", "--dry-run", "--json"])
        .expect(0)
        .json();
    let planned = imports["items"].as_array().unwrap().len() as u64;
    assert_eq!(planned, imports["counts"]["importable"].as_u64().unwrap());
    assert!(planned > 0);

    let text = site.run(&["sync", "--dry-run"]).expect(0);
    assert!(
        text.stdout.starts_with("dry run: nothing written"),
        "{}",
        text.stdout
    );
    let planned_export = |line: &str| {
        line.trim_start().starts_with("export")
            && line.contains(&reels[0])
            && line.contains("status In-stock → Sold")
    };
    assert!(text.stdout.lines().any(planned_export), "{}", text.stdout);

    assert!(bytes(&site.store()) == store, "the main store changed");
    assert!(
        bytes(&site.warehouse) == warehouse,
        "the warehouse file changed"
    );
    let runs = site.run(&["runs", "--json"]).expect(0).json();
    assert_eq!(
        runs["runs"].as_array().unwrap().len(),
        1,
        "dry runs are not logged"
    );
}

#[test]
fn a_locked_warehouse_fails_within_the_busy_timeout() {
    let site = Site::new();
    let holder = site.warehouse_db();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let started = Instant::now();
    let run = site
        .run(&["sync", "--json", "--busy-timeout", "300"])
        .expect(3);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(run.stderr.contains("locked"), "{}", run.stderr);
    assert_eq!(run.json()["exit_code"], 3);
    holder.execute_batch("ROLLBACK").unwrap();

    // The run that could not read is logged as failed, with the reason.
    let runs = site.run(&["runs", "--json"]).expect(0).json();
    let last = &runs["runs"][0];
    assert_eq!(last["outcome"], "failed");
    assert!(last["error"].as_str().unwrap().contains("locked"), "{last}");
}

#[test]
fn a_second_run_is_told_which_run_is_in_the_way() {
    let site = Site::new();
    std::fs::create_dir_all(&site.data).unwrap();
    // Hold the engine's run lock the way a running sync does.
    let mut lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(site.data.join("run.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let holder = engine::RunningRun {
        run_id: Some(41),
        kind: engine::RunKind::Auto,
        who: "scheduler".into(),
        started_at: chrono::Utc::now(),
        pid: 1,
    };
    lock.write_all(&serde_json::to_vec(&holder).unwrap())
        .unwrap();

    let run = site.run(&["sync", "--json"]).expect(4);
    let error = run.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("run 41 (auto)") && error.contains("scheduler"),
        "{error}"
    );
    site.run(&["import", "--all"]).expect(4);

    drop(lock);
    site.run(&["sync"]).expect(0);
}

#[test]
fn settings_validate_the_interval() {
    let site = Site::new();
    let run = site
        .run(&["settings", "--interval", "0", "--json"])
        .expect(2);
    assert!(
        run.json()["error"]
            .as_str()
            .unwrap()
            .contains("out of range"),
        "{}",
        run.stdout
    );
    site.run(&["settings", "--interval", "10081"]).expect(2);

    let saved = site
        .run(&["settings", "--interval", "10080", "--json"])
        .expect(0)
        .json();
    assert_eq!(saved["interval_minutes"], 10080);
    let shown = site.run(&["settings", "--json"]).expect(0).json();
    assert_eq!(shown["interval_minutes"], 10080);
    assert_eq!(shown["auto_sync"], false);
}

#[test]
fn an_office_sale_is_exported_to_the_warehouse() {
    let site = Site::new();
    let reels = site.reels("In-stock", 2);
    site.run(&["import", &reels[0], &reels[1]]).expect(0);

    let change = site
        .run(&[
            "product",
            "set-status",
            "sold",
            &reels[0],
            "NO-SUCH-REEL",
            "--json",
        ])
        .expect(5)
        .json();
    assert_eq!(change["changed"], serde_json::json!([reels[0]]));
    assert_eq!(change["not_found"], serde_json::json!(["NO-SUCH-REEL"]));

    let report = site
        .run(&["sync", "--export-only", "--json"])
        .expect(0)
        .json();
    assert_eq!(report["kind"], "export");
    assert_eq!(report["counts"]["exported"], 1);
    assert!(
        report["snapshot"].is_null(),
        "no whole-file copy: the run records the cells it overwrites instead"
    );
    assert_eq!(site.warehouse_status(&reels[0]), "Sold");
    assert_eq!(site.warehouse_status(&reels[1]), "In-stock");
}

#[test]
fn an_export_is_undone_after_a_preview_of_what_it_writes_back() {
    let site = Site::new();
    let reels = site.reels("In-stock", 1);
    site.run(&["import", &reels[0]]).expect(0);
    site.run(&["product", "set-status", "sold", &reels[0]])
        .expect(0);
    let export = site
        .run(&["sync", "--export-only", "--json"])
        .expect(0)
        .json();
    let run = export["run_id"].as_i64().unwrap().to_string();

    let preview = site
        .run(&["undo", &run, "--dry-run", "--json"])
        .expect(0)
        .json();
    assert_eq!(preview["kind"], "dry-run");
    let item = &preview["items"][0];
    assert_eq!(item["reel_number"], reels[0].as_str());
    assert_eq!(item["action"], "undo");
    assert_eq!(item["changes"][0]["field"], "status");
    assert_eq!(item["changes"][0]["old"], "Sold");
    assert_eq!(item["changes"][0]["new"], "In-stock");
    assert_eq!(
        site.warehouse_status(&reels[0]),
        "Sold",
        "a preview writes nothing"
    );

    let undo = site.run(&["undo", &run, "--json"]).expect(0).json();
    assert_eq!(undo["kind"], "undo");
    assert_eq!(site.warehouse_status(&reels[0]), "In-stock");
    // An undo is not undone; a run no one logged is not found.
    let undo_id = undo["run_id"].as_i64().unwrap().to_string();
    let refused = site.run(&["undo", &undo_id]).expect(2);
    assert!(refused.stderr.contains("is an undo"), "{}", refused.stderr);
    let missing = site.run(&["undo", "999"]).expect(1);
    assert!(
        missing.stderr.contains("run 999 not found"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_mapping_change_is_tried_on_the_rows_before_it_is_saved() {
    let site = Site::new();
    let reels = site.reels("In-stock", 2);
    site.run(&["import", &reels[0], &reels[1]]).expect(0);
    let trial = site
        .run(&["mappings", "try", "comments", "--column", "grade", "--json"])
        .expect(0)
        .json();
    assert_eq!(trial["refresh"], 2, "{trial}");
    assert_eq!(trial["changed"][0]["reel_number"], reels[0].as_str());
    assert!(trial["tried"].as_u64().unwrap() > 0, "{trial}");
    let text = site
        .run(&["mappings", "try", "comments", "--column", "grade"])
        .expect(0);
    assert!(
        text.stdout.contains("a save would refresh 2 tracked reels"),
        "{}",
        text.stdout
    );
    // Nothing saved; a bad pattern is refused with why.
    let list = site.run(&["mappings", "list", "--json"]).expect(0).json();
    let comments = list["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["field"] == "comments")
        .unwrap();
    assert_eq!(comments["column"], "comments");
    let refused = site
        .run(&["mappings", "try", "width", "--transform", "replace=(=>x"])
        .expect(2);
    assert!(refused.stderr.contains("pattern"), "{}", refused.stderr);
}

#[test]
fn set_status_reads_reels_from_a_file_or_stdin() {
    let site = Site::new();
    let reels = site.reels("In-stock", 2);
    site.run(&["import", &reels[0], &reels[1]]).expect(0);

    let list = site.dir.path().join("sold.txt");
    std::fs::write(&list, format!("# sold to Ahmadi\n{}\n\n", reels[0])).unwrap();
    let run = site
        .run(&[
            "product",
            "set-status",
            "Sold",
            "--from-file",
            list.to_str().unwrap(),
        ])
        .expect(0);
    assert!(run.stdout.contains("changed    1"), "{}", run.stdout);

    let input = format!("{}\n{}\nGHOST\n", reels[0], reels[1]);
    let change = site
        .run_with_stdin(
            &[
                "product",
                "set-status",
                "sold",
                "--from-file",
                "-",
                "--json",
            ],
            &input,
        )
        .expect(5)
        .json();
    assert_eq!(change["changed"], serde_json::json!([reels[1]]));
    assert_eq!(change["unchanged"], serde_json::json!([reels[0]]));
    assert_eq!(change["not_found"], serde_json::json!(["GHOST"]));
}

#[test]
fn a_delivered_reel_is_refused_back_in_stock_with_the_reason() {
    let site = Site::new();
    let reels = site.reels("In-stock", 2);
    site.run(&["import", &reels[0], &reels[1]]).expect(0);
    site.run(&["product", "set-status", "delivered", &reels[0]])
        .expect(0);

    let run = site
        .run(&["product", "set-status", "in_stock", &reels[0], &reels[1]])
        .expect(5);
    assert!(
        run.stdout.contains(&format!(
            "{}: A delivered reel stays delivered: the office can't set it back to In stock.",
            reels[0]
        )),
        "{}",
        run.stdout
    );
    let change = site
        .run(&["product", "set-status", "sold", &reels[0], "--json"])
        .expect(5)
        .json();
    assert_eq!(change["changed"], serde_json::json!([]));
    assert_eq!(change["refused"][0]["reel_number"], reels[0].as_str());
    assert_eq!(
        change["refused"][0]["refusal"]["refusal"],
        "delivered_stays_delivered"
    );
}

#[test]
fn run_history_and_run_detail_have_their_shapes() {
    let site = Site::new();
    let reels = site.reels("In-stock", 2);
    let id = site
        .run(&["import", &reels[0], &reels[1], "--json"])
        .expect(0)
        .json()["run_id"]
        .as_i64()
        .unwrap();

    let runs = site
        .run(&["runs", "--json", "--limit", "5"])
        .expect(0)
        .json();
    let run = &runs["runs"][0];
    assert_eq!(run["id"], id);
    assert_eq!(run["kind"], "import");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["who"], "cli:tester");
    assert_eq!(run["outcome"], "succeeded");
    assert_eq!(run["counts"]["imported"], 2);
    assert!(run["duration_ms"].is_u64());

    let detail = site
        .run(&["run", &id.to_string(), "--json"])
        .expect(0)
        .json();
    assert_eq!(detail["run"]["id"], id);
    let items = detail["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["action"] == "import"));

    let text = site.run(&["runs"]).expect(0);
    assert!(text.stdout.starts_with("ID  STARTED"), "{}", text.stdout);

    let missing = site.run(&["run", "999", "--json"]).expect(1);
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap()
            .contains("not found")
    );
}

#[test]
fn a_super_admin_needs_a_twelve_character_password_and_a_visible_name() {
    let site = Site::new();
    let add = |name: &str, password: &str| {
        Run::of(
            site.command(&["user", "add", name, "--superuser"])
                .env("REELSYNC_PASSWORD", password)
                .output()
                .unwrap(),
        )
    };
    let short = add("boss", "eleven char");
    assert_ne!(short.code, 0);
    assert!(short.stderr.contains("12 characters"), "{}", short.stderr);
    let hidden = add("ad\u{202e}nimda", "twelve chars");
    assert_ne!(hidden.code, 0);
    assert!(hidden.stderr.contains("U+202E"), "{}", hidden.stderr);
    add("boss", "twelve chars").expect(0);
}

#[test]
fn user_add_takes_the_password_from_the_environment() {
    let site = Site::new();
    let added = Run::of(
        site.command(&["user", "add", "admin", "--superuser", "--json"])
            .env("REELSYNC_PASSWORD", "correct horse")
            .output()
            .unwrap(),
    )
    .expect(0)
    .json();
    assert_eq!(added["username"], "admin");
    assert_eq!(added["superuser"], true);
    assert_eq!(
        site.run(&["user", "count", "--json"]).expect(0).json()["users"],
        1
    );

    // No password and no terminal to ask on: a clear usage error.
    let run = site.run(&["user", "add", "clerk"]).expect(2);
    assert!(run.stderr.contains("REELSYNC_PASSWORD"), "{}", run.stderr);
}

#[test]
fn users_are_managed_from_the_command_line_and_the_last_super_admin_stays() {
    let site = Site::new();
    let add = |name: &str, flags: &[&str]| {
        let mut args = vec!["user", "add", name];
        args.extend_from_slice(flags);
        Run::of(
            site.command(&args)
                .env("REELSYNC_PASSWORD", "a long enough password")
                .output()
                .unwrap(),
        )
        .expect(0);
    };
    add("boss", &["--superuser"]);
    add("sara", &["--one-time"]);
    let refused = site.run(&["user", "disable", "boss"]).expect(2);
    assert!(
        refused.stderr.contains("last active super admin"),
        "{}",
        refused.stderr
    );
    site.run(&["user", "demote", "boss"]).expect(2);
    let disabled = site
        .run(&["user", "disable", "sara", "--json"])
        .expect(0)
        .json();
    assert_eq!(disabled["active"], false);
    site.run(&["user", "promote", "sara"]).expect(0);
    site.run(&["user", "enable", "sara"]).expect(0);
    let list = site.run(&["user", "list", "--json"]).expect(0).json();
    let sara = &list["users"][1];
    assert_eq!(
        (&sara["username"], &sara["active"], &sara["is_superuser"]),
        (&"sara".into(), &true.into(), &true.into())
    );
    assert_eq!(sara["must_change_password"], true);
    // Now boss is not the last one.
    site.run(&["user", "demote", "boss"]).expect(0);
    let unknown = site.run(&["user", "enable", "nobody"]).expect(2);
    assert!(unknown.stderr.contains("nobody"), "{}", unknown.stderr);
}

#[test]
fn auto_sync_runs_only_when_due_or_forced() {
    let site = Site::new();
    let idle = site.run(&["auto-sync", "--json"]).expect(0).json();
    assert_eq!(
        idle,
        serde_json::json!({ "due": false, "next_run_at": null })
    );

    let forced = site
        .run(&["auto-sync", "--force", "--json"])
        .expect(0)
        .json();
    assert_eq!(forced["due"], true);
    assert_eq!(forced["kind"], "auto");
    assert!(forced["run_id"].is_i64());

    site.run(&["settings", "--auto", "on", "--interval", "60"])
        .expect(0);
    let later = site.run(&["auto-sync"]).expect(0);
    assert!(
        later.stdout.starts_with("not due; next run at "),
        "{}",
        later.stdout
    );
    let runs = site.run(&["runs", "--json"]).expect(0).json();
    assert_eq!(runs["runs"][0]["trigger"], "schedule");
}

#[test]
fn mappings_are_checked_against_the_warehouse_columns() {
    let site = Site::new();
    let run = site
        .run(&["mappings", "set", "gsm", "--column", "grammage", "--json"])
        .expect(2);
    assert!(
        run.json()["error"].as_str().unwrap().contains("grammage"),
        "{}",
        run.stdout
    );

    let set = site
        .run(&[
            "mappings",
            "set",
            "grade",
            "--transform",
            "trim",
            "--transform",
            "upper",
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(
        set["mapping"]["transforms"],
        serde_json::json!([{ "op": "trim" }, { "op": "upper" }])
    );
    let list = site.run(&["mappings", "list"]).expect(0);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("grade") && l.ends_with("trim | upper")),
        "{}",
        list.stdout
    );

    let reset = site.run(&["mappings", "reset", "--json"]).expect(0).json();
    let grade = reset["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["field"] == "grade")
        .unwrap();
    assert_eq!(grade["transforms"], serde_json::json!([]));

    let missing = site.dir.path().join("gone.sqlite3");
    site.run(&[
        "mappings",
        "set",
        "grade",
        "--direct",
        "--external",
        missing.to_str().unwrap(),
    ])
    .expect(3);
}

#[test]
fn demo_db_creates_a_file_once() {
    let site = Site::new();
    let path = site.dir.path().join("demo.sqlite3");
    let path = path.to_str().unwrap();
    let summary = site
        .run(&["demo-db", path, "--reels", "50", "--json"])
        .expect(0)
        .json();
    assert_eq!(summary["reels"], 50);
    let total = ["in_stock", "sold", "delivered"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(total, 50);
    site.run(&["demo-db", path]).expect(2);
}

#[test]
fn a_dry_run_or_a_look_on_a_new_data_directory_creates_nothing() {
    let site = Site::new();
    let plan = site
        .run(&["import", "--all", "--dry-run", "--json"])
        .expect(0)
        .json();
    assert!(plan["counts"]["imported"].as_u64().unwrap() > 0);
    site.run(&["status"]).expect(0);
    site.run(&["check"]).expect(0);
    site.run(&["runs"]).expect(0);
    site.run(&["settings"]).expect(0);
    site.run(&["mappings", "list"]).expect(0);
    site.run(&["drift"]).expect(0);
    assert!(!site.data.exists(), "the data directory was created");
}

#[test]
fn drift_lists_each_reel_that_differs_and_exits_5() {
    let site = Site::new();
    let reels = site.reels("In-stock", 3);
    site.run(&["import", &reels[0], &reels[1], &reels[2]])
        .expect(0);
    let agree = site.run(&["drift", "--json"]).expect(0).json();
    assert_eq!(agree["checked"], 3);
    assert_eq!(agree["drift"], serde_json::json!([]));
    assert_eq!(agree["counts"]["missing"], 0);

    site.run(&["product", "set-status", "sold", &reels[0]])
        .expect(0);
    site.warehouse_db()
        .execute("DELETE FROM Products WHERE reel_number = ?1", [&reels[1]])
        .unwrap();
    let before = bytes(&site.warehouse);
    let store = bytes(&site.store());
    let report = site.run(&["drift", "--json"]).expect(5).json();
    assert_eq!(report["counts"]["unexported"], 1);
    assert_eq!(report["counts"]["missing"], 1);
    let entries = report["drift"].as_array().unwrap();
    assert!(entries.contains(&serde_json::json!({
        "reel_number": reels[0], "kind": "unexported", "office": "Sold", "warehouse": "In-stock"
    })));
    assert!(entries.contains(&serde_json::json!({
        "reel_number": reels[1], "kind": "missing", "office": "In-stock", "warehouse": null
    })));
    assert_eq!(bytes(&site.warehouse), before, "drift writes nothing");
    assert_eq!(bytes(&site.store()), store, "drift writes nothing");
    let text = site.run(&["drift"]).expect(5);
    assert!(
        text.stdout.contains("3 tracked reels checked, 2 differ"),
        "{}",
        text.stdout
    );

    // Missing reels end a sync partial, and status counts them.
    let sync = site.run(&["sync", "--json"]).expect(5).json();
    assert_eq!(sync["counts"]["missing"], 1);
    let status = site.run(&["status", "--json"]).expect(0).json();
    assert_eq!(status["missing"], 1);
}

#[test]
fn another_warehouse_file_exits_3_until_accepted() {
    let site = Site::new();
    site.run(&["import", "--all"]).expect(0);
    site.run(&["sync"]).expect(0);
    // A wrong file copied over the warehouse: another mill's demo warehouse.
    create_demo_db(
        &site.dir.path().join("other.sqlite3"),
        &DemoOptions {
            reels: 200,
            seed: 99,
        },
    )
    .unwrap();
    std::fs::rename(site.dir.path().join("other.sqlite3"), &site.warehouse).unwrap();
    let before = bytes(&site.warehouse);
    let refused = site.run(&["sync"]).expect(3);
    assert!(
        refused
            .stderr
            .contains("not the warehouse reelsync has been syncing")
            && refused.stderr.contains("reelsync accept-warehouse"),
        "{}",
        refused.stderr
    );
    assert_eq!(bytes(&site.warehouse), before);
    site.run(&["sync"]).expect(3);
    let status = site.run(&["status", "--json"]).expect(0).json();
    assert!(status["warehouse_hold"].is_object(), "{status}");
    let accepted = site.run(&["accept-warehouse", "--json"]).expect(0).json();
    assert_eq!(accepted["accepted"], true);
    assert!(
        accepted["lifted"]
            .as_str()
            .unwrap()
            .contains("not the warehouse")
    );
    let status = site.run(&["status", "--json"]).expect(0).json();
    assert!(status["warehouse_hold"].is_null(), "{status}");
    let code = site.run(&["sync"]).code;
    assert!(
        code == 0 || code == 5,
        "the accepted file syncs (exit {code})"
    );
}

#[test]
fn the_warehouse_time_zone_is_a_setting_shown_by_check() {
    let site = Site::new();
    let saved = site
        .run(&["settings", "--warehouse-time-zone", "Asia/Tehran", "--json"])
        .expect(0)
        .json();
    assert_eq!(saved["warehouse_time_zone"], "Asia/Tehran");
    let check = site.run(&["check", "--json"]).expect(0).json();
    assert_eq!(check["time_zone"], "Asia/Tehran");
    let text = site.run(&["settings"]).expect(0);
    assert!(text.stdout.contains("Asia/Tehran"), "{}", text.stdout);
    site.run(&["settings", "--warehouse-time-zone", "Asia/Teheran"])
        .expect(2);
    let host = site
        .run(&["settings", "--warehouse-time-zone", "host", "--json"])
        .expect(0)
        .json();
    assert!(host["warehouse_time_zone"].is_null());
}

#[test]
fn a_snapshot_is_taken_on_request() {
    let site = Site::new();
    let taken = site.run(&["snapshot", "--json"]).expect(0).json();
    let file = taken["file"].as_str().unwrap();
    let copy = site.data.join("snapshots").join(file);
    assert_eq!(
        std::fs::metadata(&copy).unwrap().len(),
        taken["bytes"].as_u64().unwrap()
    );
    let reels = |path: &std::path::Path| -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("SELECT count(*) FROM Products", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(reels(&copy), reels(&site.warehouse));
}

/// Waits until the run lease in `data` shows a run other than `not` that has
/// imported reels from a page, and returns it. Fails if `child` ends first.
fn wait_for_a_page(
    data: &Path,
    child: &mut std::process::Child,
    not: Option<i64>,
) -> engine::LiveRun {
    let engine = engine::Engine::open_for_reading(engine::Config::new(data)).unwrap();
    let started = Instant::now();
    loop {
        // A page that imported something: cancelled any earlier, a run that
        // starts on pages an earlier run already took in would import nothing.
        let live = engine.running().unwrap().filter(|live| {
            live.run_id.is_some()
                && live.run_id != not
                && live.progress.is_some_and(|p| p.counts.imported > 0)
        });
        if let Some(live) = live {
            return live;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before it was seen going");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never showed progress"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_run_stopped_by_ctrl_c_or_from_another_process_exits_6_and_the_next_goes_on() {
    // About 42,000 reels in stock: 21 pages for an import.
    let site = Site::with_reels(60_000);
    let in_stock: u64 = site
        .warehouse_db()
        .query_row(
            "SELECT count(*) FROM Products WHERE status = 'In-stock'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as u64;
    let spawn = || {
        site.command(&["--json", "import", "--all"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    // Ctrl-C, once.
    let mut child = spawn();
    let live = wait_for_a_page(&site.data, &mut child, None);
    assert_eq!(live.kind, engine::RunKind::Import);
    assert_eq!(live.who, "cli:tester");
    assert_eq!(live.pid, child.id());
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let first = Run::of(child.wait_with_output().unwrap()).expect(6);
    assert!(
        first.stderr.contains("stopping at the next page boundary"),
        "{}",
        first.stderr
    );
    let report = first.json();
    assert_eq!(report["outcome"], "cancelled");
    assert_eq!(report["run_id"], live.run_id.unwrap());
    let first_imported = report["counts"]["imported"].as_u64().unwrap();
    assert!(
        first_imported > 0 && first_imported < in_stock,
        "{first_imported} of {in_stock}"
    );

    // A cancel asked for by another process (as the web server does).
    let mut child = spawn();
    let live = wait_for_a_page(&site.data, &mut child, live.run_id);
    let engine = engine::Engine::open_for_reading(engine::Config::new(&site.data)).unwrap();
    let asked = engine.request_cancel(live.run_id.unwrap()).unwrap();
    assert!(asked.cancel_requested);
    let second = Run::of(child.wait_with_output().unwrap()).expect(6);
    let report = second.json();
    assert_eq!(report["outcome"], "cancelled");
    let second_imported = report["counts"]["imported"].as_u64().unwrap();
    assert!(second_imported > 0, "{}", second.stdout);

    // The next run carries on with the rest.
    let rest = site.run(&["--json", "import", "--all"]).expect(0).json();
    assert_eq!(rest["outcome"], "succeeded");
    assert_eq!(
        rest["counts"]["imported"].as_u64().unwrap(),
        in_stock - first_imported - second_imported
    );
    let runs = site.run(&["runs", "--json"]).expect(0).json();
    let outcomes: Vec<&str> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["succeeded", "cancelled", "cancelled"]);
    let text = site.run(&["runs"]).expect(0);
    assert!(text.stdout.contains("cancelled"), "{}", text.stdout);
}
