//! Commands that look without changing anything (`check`, `status`, `drift`, `runs`, `run`),
//! and `demo-db`, which only ever creates a new file.

use engine::demo::{DemoOptions, create_demo_db};
use engine::{CheckReport, Dashboard};
use serde::Serialize;

use super::output::{Align, Output, Table, local_time, or_dash, pairs};
use super::report;
use super::{DemoDbArgs, Exit, GlobalArgs, RunArgs, RunsArgs};

/// What `check --json` prints on success.
#[derive(Serialize)]
struct CheckJson<'a> {
    ok: bool,
    #[serde(flatten)]
    report: &'a CheckReport,
}

/// `reelsync check`: the warehouse file opens, is SQLite, and has every mapped
/// column. A failure is exit 3 with the engine's message saying which.
pub fn check(global: &GlobalArgs, out: &Output) -> anyhow::Result<Exit> {
    let report = global.reader()?.check()?;
    let json = CheckJson {
        ok: true,
        report: &report,
    };
    out.result(&json, |w| {
        writeln!(w, "ok: {}", report.path)?;
        pairs(
            w,
            "  ",
            &[
                ("reels", report.reels.to_string()),
                ("columns", report.columns.len().to_string()),
                ("mapped fields", report.mapped_fields.to_string()),
                ("time zone", report.time_zone.clone()),
            ],
        )
    })?;
    Ok(Exit::Success)
}

/// `reelsync status`: the dashboard's figures. An unreadable warehouse file does
/// not fail it; the figures say why the importable count is unknown.
pub fn status(global: &GlobalArgs, out: &Output) -> anyhow::Result<Exit> {
    let dashboard = global.reader()?.dashboard()?;
    out.result(&dashboard, |w| pairs(w, "", &dashboard_rows(&dashboard)))?;
    Ok(Exit::Success)
}

fn dashboard_rows(d: &Dashboard) -> Vec<(&'static str, String)> {
    let importable = match (d.importable, &d.warehouse_error) {
        (Some(n), _) => n.to_string(),
        (None, Some(error)) => format!("unknown: {error}"),
        (None, None) => "unknown".to_owned(),
    };
    let last_run = d.last_run.as_ref().map(|run| {
        format!(
            "run {} ({}, {}) at {}",
            run.id,
            run.kind.as_str(),
            run.outcome.as_str(),
            local_time(run.started_at)
        )
    });
    let auto_sync = match (d.auto_sync, d.next_run_at, &d.warehouse_hold) {
        (false, _, _) => "off".to_owned(),
        (true, _, Some(_)) => "on, paused until the warehouse file is accepted".to_owned(),
        (true, Some(next), None) => format!("on, next run at {}", local_time(next)),
        (true, None, None) => "on, due now".to_owned(),
    };
    let mut rows = vec![
        ("importable", importable),
        ("tracked", d.tracked.to_string()),
        ("  in stock", d.by_status.in_stock.to_string()),
        ("  sold", d.by_status.sold.to_string()),
        ("  delivered", d.by_status.delivered.to_string()),
        ("conflicts", d.conflicts.to_string()),
        ("missing", d.missing.to_string()),
        ("last run", or_dash(last_run)),
        ("auto-sync", auto_sync),
    ];
    if let Some(hold) = &d.warehouse_hold {
        rows.push(("held", hold.to_string()));
    }
    rows
}

/// `reelsync drift`: the tracked reels that differ from the warehouse, read-only.
/// Exit 5 when any does.
pub fn drift(global: &GlobalArgs, out: &Output) -> anyhow::Result<Exit> {
    const COLUMNS: [(&str, Align); 4] = [
        ("REEL", Align::Left),
        ("KIND", Align::Left),
        ("OFFICE", Align::Left),
        ("WAREHOUSE", Align::Left),
    ];
    let report = global.reader()?.drift()?;
    out.result(&report, |w| {
        let mut table = Table::new(&COLUMNS);
        for d in &report.drift {
            table.row(vec![
                d.reel_number.clone(),
                d.kind.as_str().to_owned(),
                or_dash(d.office.as_ref()),
                or_dash(d.warehouse.as_ref()),
            ]);
        }
        if !report.drift.is_empty() {
            table.write(w)?;
            writeln!(w)?;
        }
        let counts: Vec<(&str, String)> = report
            .counts
            .iter()
            .map(|(kind, n)| (kind.as_str(), n.to_string()))
            .collect();
        writeln!(
            w,
            "{} tracked reels checked, {} differ",
            report.checked,
            report.drift.len()
        )?;
        pairs(w, "  ", &counts)
    })?;
    Ok(if report.agrees() {
        Exit::Success
    } else {
        Exit::Attention
    })
}

/// `reelsync runs`: the latest runs, newest first.
pub fn runs(global: &GlobalArgs, out: &Output, args: &RunsArgs) -> anyhow::Result<Exit> {
    /// What `runs --json` prints.
    #[derive(Serialize)]
    struct RunsJson<'a> {
        runs: Vec<report::SummaryJson<'a>>,
    }
    let runs = global.reader()?.runs(args.limit)?;
    let json = RunsJson {
        runs: runs.iter().map(report::SummaryJson::new).collect(),
    };
    out.result(&json, |w| report::write_run_list(w, &runs))?;
    Ok(Exit::Success)
}

/// `reelsync run ID`: one run with every reel it logged.
pub fn run(global: &GlobalArgs, out: &Output, args: &RunArgs) -> anyhow::Result<Exit> {
    let detail = global.reader()?.run_detail(args.id)?;
    out.result(&report::DetailJson::new(&detail), |w| {
        report::write_run_detail(w, &detail)
    })?;
    Ok(Exit::Success)
}

/// `reelsync demo-db`: a realistic warehouse file to try reelsync on.
pub fn demo_db(out: &Output, args: &DemoDbArgs) -> anyhow::Result<Exit> {
    let options = DemoOptions {
        reels: args.reels,
        seed: args.seed,
    };
    let summary = create_demo_db(&args.path, &options)?;
    out.result(&summary, |w| {
        writeln!(
            w,
            "created {}: {} reels ({} in stock, {} sold, {} delivered)",
            args.path.display(),
            summary.reels,
            summary.in_stock,
            summary.sold,
            summary.delivered
        )
    })?;
    Ok(Exit::Success)
}
