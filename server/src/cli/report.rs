//! How runs are printed: a run's report, the run history and one run's detail.
//!
//! Every command that runs a sync prints its report through [`print_run`] (or
//! [`RunJson`] and [`write_run`] when it adds to it), so `sync`, `import` and
//! `auto-sync` read the same and their JSON has the same shape.

use std::io::{self, Write};

use std::fmt::Display;

use chrono::{DateTime, Utc};
use engine::{
    Action, Change, Counts, Outcome, RunDetail, RunError, RunItem, RunKind, RunReport, RunSummary,
    Trigger,
};
use serde::{Serialize, Serializer};

use super::Exit;
use super::output::{
    Align, Output, Table, duration, local_minute, local_time, numbers, or_dash, pairs,
};

/// How many items a text listing shows before "… and N more".
const ITEMS_SHOWN: usize = 50;

/// A run report as `--json` prints it. The shape is the command line's contract
/// with scripts, so it is spelled out here rather than left to the engine's types.
#[derive(Debug, Serialize)]
pub struct RunJson<'a> {
    /// `null` for a dry run, which is not logged.
    run_id: Option<i64>,
    kind: &'static str,
    dry_run: bool,
    outcome: &'static str,
    counts: &'a Counts,
    started_at: DateTime<Utc>,
    duration_ms: u64,
    #[serde(serialize_with = "english")]
    error: Option<&'a RunError>,
    snapshot: Option<&'a str>,
    /// A dry run's whole plan; a real run's reels that need attention.
    items: Vec<ItemJson<'a>>,
}

/// A run item as `--json` prints it: its reason in English words, as before
/// reasons were codes.
#[derive(Debug, Serialize)]
pub struct ItemJson<'a> {
    reel_number: &'a str,
    action: Action,
    #[serde(serialize_with = "english")]
    reason: Option<&'a engine::Reason>,
    changes: &'a [Change],
}

impl<'a> ItemJson<'a> {
    pub fn list(items: &'a [RunItem]) -> Vec<Self> {
        items
            .iter()
            .map(|item| Self {
                reel_number: &item.reel_number,
                action: item.action,
                reason: item.reason.as_ref(),
                changes: &item.changes,
            })
            .collect()
    }
}

/// A logged run as `runs --json` and `run ID --json` print it: its error in
/// English words.
#[derive(Debug, Serialize)]
pub struct SummaryJson<'a> {
    id: i64,
    kind: RunKind,
    trigger: Trigger,
    who: &'a str,
    started_at: DateTime<Utc>,
    duration_ms: Option<u64>,
    outcome: Outcome,
    counts: &'a Counts,
    #[serde(serialize_with = "english")]
    error: Option<&'a RunError>,
}

impl<'a> SummaryJson<'a> {
    pub fn new(run: &'a RunSummary) -> Self {
        Self {
            id: run.id,
            kind: run.kind,
            trigger: run.trigger,
            who: &run.who,
            started_at: run.started_at,
            duration_ms: run.duration_ms,
            outcome: run.outcome,
            counts: &run.counts,
            error: run.error.as_ref(),
        }
    }
}

/// What `run ID --json` prints.
#[derive(Debug, Serialize)]
pub struct DetailJson<'a> {
    run: SummaryJson<'a>,
    items: Vec<ItemJson<'a>>,
}

impl<'a> DetailJson<'a> {
    pub fn new(detail: &'a RunDetail) -> Self {
        Self {
            run: SummaryJson::new(&detail.run),
            items: ItemJson::list(&detail.items),
        }
    }
}

/// A code (a reason, a run's error) in its English words.
fn english<T: Display, S: Serializer>(value: &Option<&T>, out: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => out.collect_str(value),
        None => out.serialize_none(),
    }
}

impl<'a> RunJson<'a> {
    pub fn new(report: &'a RunReport) -> Self {
        Self {
            run_id: report.run_id,
            kind: report.kind.as_str(),
            dry_run: report.dry_run,
            outcome: report.outcome.as_str(),
            counts: &report.counts,
            started_at: report.started_at,
            duration_ms: report.duration_ms,
            error: report.error.as_ref(),
            snapshot: report.snapshot.as_deref(),
            items: ItemJson::list(&report.items),
        }
    }
}

/// Prints a run's report and says how the command ends: 0 succeeded, 5 partial, 1
/// failed, 6 cancelled.
pub fn print_run(out: &Output, report: &RunReport) -> anyhow::Result<Exit> {
    out.result(&RunJson::new(report), |w| write_run(w, report))?;
    Ok(Exit::of_outcome(report.outcome))
}

/// A run's report as text: what happened, the counts, then the plan (dry runs) or
/// the reels that need attention.
pub fn write_run(w: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    let took = duration(report.duration_ms);
    match (report.run_id, &report.error) {
        (None, _) => writeln!(w, "dry run: nothing written, planned in {took}")?,
        (Some(id), None) => writeln!(
            w,
            "run {id} ({}): {} in {took}",
            report.kind.as_str(),
            report.outcome.as_str()
        )?,
        (Some(id), Some(error)) => writeln!(
            w,
            "run {id} ({}): {} after {took}: {error}",
            report.kind.as_str(),
            report.outcome.as_str()
        )?,
    }
    if report.outcome == Outcome::Cancelled {
        let note = if report.dry_run {
            "stopped on request: the plan covers only the reels read before"
        } else {
            "stopped on request: what is counted here is saved; the next run does the rest"
        };
        writeln!(w, "{note}")?;
    }
    write_counts(w, &report.counts)?;
    if let Some(snapshot) = &report.snapshot {
        writeln!(w, "warehouse snapshot: {snapshot}")?;
    }
    match (report.dry_run, report.items.is_empty()) {
        (_, true) => Ok(()),
        (true, false) => {
            writeln!(w, "planned:")?;
            write_items(w, &report.items)
        }
        (false, false) => {
            writeln!(w, "needs attention:")?;
            write_items(w, &report.items)
        }
    }
}

/// The eight counters in an aligned block.
fn write_counts(w: &mut dyn Write, c: &Counts) -> io::Result<()> {
    let rows = numbers([
        ("importable", c.importable),
        ("imported", c.imported),
        ("updated", c.updated),
        ("exported", c.exported),
        ("status in", c.status_in),
        ("conflicts", c.conflicts),
        ("rejected", c.rejected),
        ("unchanged", c.unchanged),
    ]);
    pairs(w, "  ", &rows)
}

/// Items as `action  reel  field old → new, …  reason`, the first [`ITEMS_SHOWN`] of
/// them.
fn write_items(w: &mut dyn Write, items: &[RunItem]) -> io::Result<()> {
    const COLUMNS: [(&str, Align); 3] = [
        ("ACTION", Align::Left),
        ("REEL", Align::Left),
        ("DETAIL", Align::Left),
    ];
    let mut table = Table::new(&COLUMNS).without_header().indented("  ");
    for item in items.iter().take(ITEMS_SHOWN) {
        table.row(vec![
            item.action.as_str().to_owned(),
            item.reel_number.clone(),
            item_detail(item),
        ]);
    }
    table.write(w)?;
    if let Some(more) = items.len().checked_sub(ITEMS_SHOWN).filter(|&n| n > 0) {
        writeln!(w, "  … and {more} more (--json lists them all)")?;
    }
    Ok(())
}

/// An item's changes (`status In-stock → Sold`) followed by its reason.
fn item_detail(item: &RunItem) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "∅".to_owned());
    let changes = item
        .changes
        .iter()
        .map(|c| format!("{} {} → {}", c.field, value(&c.old), value(&c.new)));
    changes
        .chain(item.reason.as_ref().map(ToString::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The run history as a table, newest first.
pub fn write_run_list(w: &mut dyn Write, runs: &[RunSummary]) -> io::Result<()> {
    if runs.is_empty() {
        return writeln!(w, "no runs yet");
    }
    const COLUMNS: [(&str, Align); 12] = [
        ("ID", Align::Right),
        ("STARTED", Align::Left),
        ("KIND", Align::Left),
        ("OUTCOME", Align::Left),
        ("TIME", Align::Right),
        ("IMP", Align::Right),
        ("UPD", Align::Right),
        ("EXP", Align::Right),
        ("IN", Align::Right),
        ("CONF", Align::Right),
        ("REJ", Align::Right),
        ("WHO", Align::Left),
    ];
    let mut table = Table::new(&COLUMNS);
    for run in runs {
        let c = &run.counts;
        table.row(vec![
            run.id.to_string(),
            local_minute(run.started_at),
            run.kind.as_str().to_owned(),
            run.outcome.as_str().to_owned(),
            or_dash(run.duration_ms.map(duration)),
            c.imported.to_string(),
            c.updated.to_string(),
            c.exported.to_string(),
            c.status_in.to_string(),
            c.conflicts.to_string(),
            c.rejected.to_string(),
            run.who.clone(),
        ]);
    }
    table.write(w)
}

/// One logged run: what it was, its counts and every item it logged.
pub fn write_run_detail(w: &mut dyn Write, detail: &RunDetail) -> io::Result<()> {
    let run = &detail.run;
    let mut rows = vec![
        ("run", run.id.to_string()),
        ("kind", run.kind.as_str().to_owned()),
        ("who", run.who.clone()),
        ("started", local_time(run.started_at)),
        ("duration", or_dash(run.duration_ms.map(duration))),
        ("outcome", run.outcome.as_str().to_owned()),
    ];
    if let Some(error) = &run.error {
        rows.push(("error", error.to_string()));
    }
    pairs(w, "", &rows)?;
    writeln!(w, "counts:")?;
    write_counts(w, &run.counts)?;
    if detail.items.is_empty() {
        return writeln!(w, "no reels logged");
    }
    writeln!(w, "reels:")?;
    write_items(w, &detail.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    use engine::{Reason, ReelStatus};

    fn item(action: Action, changes: Vec<Change>, reason: Option<Reason>) -> RunItem {
        RunItem {
            reel_number: "R1".into(),
            action,
            reason,
            changes,
        }
    }

    #[test]
    fn details_show_changes_then_the_reason() {
        let change = Change {
            field: "status".into(),
            old: Some("In-stock".into()),
            new: Some("Sold".into()),
        };
        assert_eq!(
            item_detail(&item(Action::Export, vec![change], None)),
            "status In-stock → Sold"
        );
        let cleared = Change {
            field: "comments".into(),
            old: Some("wet".into()),
            new: None,
        };
        assert_eq!(
            item_detail(&item(
                Action::Update,
                vec![cleared],
                Some(Reason::ReelNumberExists)
            )),
            "comments wet → ∅; a product with this reel number exists already"
        );
    }

    #[test]
    fn json_words_reasons_and_errors_in_english() {
        let sold = Reason::NotInStock {
            status: Some(ReelStatus::Sold),
        };
        let json = serde_json::to_value(ItemJson::list(&[item(
            Action::Reject,
            Vec::new(),
            Some(sold),
        )]))
        .unwrap();
        assert_eq!(
            json[0]["reason"],
            "is Sold in the warehouse: only In-stock reels can be imported"
        );
        let json = serde_json::to_value(ItemJson::list(&[item(Action::Import, Vec::new(), None)]))
            .unwrap();
        assert!(json[0]["reason"].is_null());
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let items: Vec<RunItem> = (0..ITEMS_SHOWN + 3)
            .map(|_| item(Action::Import, Vec::new(), None))
            .collect();
        let mut out = Vec::new();
        write_items(&mut out, &items).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), ITEMS_SHOWN + 1);
        assert!(
            text.ends_with("… and 3 more (--json lists them all)\n"),
            "{text}"
        );
    }
}
