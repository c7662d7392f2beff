//! Undoing a run: a run of kind `undo` that puts back what an earlier run
//! decided, and makes it stick, so the next sync doesn't simply redo it.
//!
//! - An import: its reels are no longer tracked, and so importable again.
//! - An export: each warehouse row gets its before-image back, by
//!   compare-and-set against what the run wrote (its forklift copy too), and
//!   the office status and the base return to what both sides agreed before.
//! - A resolution: its writes are put back as an export's, and a status it
//!   took in is given back; either way the conflict opens again as it was.
//! - What a sync only took in from the warehouse (statuses, refreshed fields)
//!   follows the warehouse's truth: listed, not undone.
//!
//! A reel a later run, the office or the warehouse app changed since is left
//! as it is, with why. The undo's own warehouse writes are journaled like any
//! export's, so an undo is logged (and its writes kept) like any run.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};
use crate::live::RunObserver;
use crate::lock::RunLock;
use crate::mapping::display_value;
use crate::plan::Tracked;
use crate::report::{
    Action, Change, Counts, Outcome, Phase, Progress, RunItem, RunKind, RunReport, RunRequest,
    RunSummary,
};
use crate::scan::{db, open_checked};
use crate::store::{self, Finish, RunWriter, Stamp, Store, WarehouseWrite};
use crate::sync::{outcome_of, status_write};
use crate::warehouse::{self, Cell, StatusWrite, WriteColumns};
use crate::{Conflict, Engine, Reason, ReelStatus, Refusal, Resolution};

/// One reel's part of an undo.
#[derive(Debug, Clone)]
enum Step {
    /// Stop tracking a reel the run imported.
    Untrack { product_id: i64 },
    /// Write a before-image back.
    WriteBack(Box<WriteBack>),
    /// Give back a status a resolution took in from the warehouse, and open its
    /// conflict again.
    GiveBack {
        product_id: i64,
        conflict: Box<Conflict>,
    },
    /// Leave the reel, with why (`action` is what the item is logged as).
    Leave { action: Action, reason: Reason },
}

/// A before-image written back (`write`, the undo's own write), then the
/// office's status (`office`) or the conflict (`reopen`) restored.
#[derive(Debug, Clone)]
struct WriteBack {
    write: WarehouseWrite,
    office: Option<ReelStatus>,
    reopen: Option<Conflict>,
    changes: Vec<Change>,
}

impl Engine {
    /// Runs `request`, an undo of the run `undone`, as [`Engine::sync`] runs a
    /// sync: a dry run plans only; a real one holds the run lock, writes the
    /// warehouse by compare-and-set, and logs itself with its items.
    pub(crate) fn undo(
        &self,
        request: &RunRequest,
        undone: i64,
        observer: &mut dyn RunObserver,
    ) -> Result<RunReport> {
        let started_at = Utc::now();
        let clock = Instant::now();
        if request.dry_run {
            let store = Store::open_read_only(&self.config.data_dir)?;
            let run = undoable(&store, undone)?;
            let steps = db(&self.config, plan(&store.conn, &run, 0))?;
            let mut counts = Counts::default();
            let items = steps
                .into_iter()
                .map(|(reel, step)| planned_item(reel, &step, &mut counts))
                .collect::<Vec<_>>();
            for item in &items {
                observer.item(item);
            }
            return Ok(report(request, started_at, clock, counts, items, None));
        }
        let mut store = Store::connect_for_run(&self.config.data_dir)?;
        let run = undoable(&store, undone)?;
        let (lock, run_id) = self.start_run(request, started_at)?;
        observer.started(run_id);
        let mut undo = Undo {
            engine: self,
            run_id,
            lease: lock,
            observer,
            stamp: Stamp::new(started_at),
            counts: Counts::default(),
            items: Vec::new(),
            logged: 0,
            clock,
        };
        match undo.execute(&mut store.conn, &run) {
            Ok(()) => Ok(report(
                request,
                started_at,
                clock,
                undo.counts,
                std::mem::take(&mut undo.items),
                Some(run_id),
            )),
            Err(e) => {
                self.record_failure(run_id, &undo.counts, clock, None, &e);
                Err(e)
            }
        }
    }
}

/// The run `id`, if it can be undone: logged, ended, and not an undo itself
/// (an undo's imports are gone for good).
fn undoable(store: &Store, id: i64) -> Result<RunSummary> {
    let run = store::run(&store.conn, id)
        .map_err(|e| store.err(e))?
        .ok_or_else(|| Error::NotFound {
            what: "run",
            key: id.to_string(),
        })?;
    match (run.kind, run.outcome) {
        (_, Outcome::Running) => Err(Refusal::UndoRunning { run_id: id }.into()),
        (RunKind::Undo, _) => Err(Refusal::UndoOfUndo { run_id: id }.into()),
        _ => Ok(run),
    }
}

/// What undoing `run` does, reel by reel, in the order it is logged: the
/// reels it imported, then its warehouse writes, then the statuses a
/// resolution took in, then what it only took in from the warehouse.
/// `run_id` numbers the undo's own writes (0 for a dry run).
fn plan(conn: &Connection, run: &RunSummary, run_id: i64) -> rusqlite::Result<Vec<(String, Step)>> {
    let later = store::reels_changed_after(conn, run.id)?;
    let office_since = store::status_set_since(conn, run.started_at)?;
    let items = store::run_items(conn, run.id)?;
    let resolved = store::conflicts_resolved_by(conn, run.id)?;
    let mut steps = Vec::new();
    let mut covered = HashSet::new();
    // What changed the reel since, when something did.
    let changed = |reel: &str, office_moved: bool| -> Option<Reason> {
        if let Some(run_id) = later.get(reel) {
            Some(Reason::LaterRun { run_id: *run_id })
        } else if office_moved || office_since.contains(reel) {
            Some(Reason::OfficeChangedSince)
        } else {
            None
        }
    };
    let leave = |reason| Step::Leave {
        action: Action::Reject,
        reason,
    };

    let imported: Vec<&str> = items
        .iter()
        .filter(|i| i.action == Action::Import)
        .map(|i| i.reel_number.as_str())
        .collect();
    let tracked = store::tracked_by_reels(conn, imported.iter().copied())?;
    for reel in imported {
        covered.insert(reel.to_owned());
        let step = match tracked.get(reel) {
            None => continue,
            Some(t) => match changed(reel, t.office != ReelStatus::InStock) {
                Some(reason) => leave(reason),
                None => Step::Untrack {
                    product_id: t.product_id,
                },
            },
        };
        steps.push((reel.to_owned(), step));
    }

    let writes = store::writes_of_run(conn, run.id)?;
    let ids: Vec<i64> = writes.iter().map(|(w, _)| w.product_id).collect();
    let links: HashMap<i64, Tracked> = store::tracked_by_ids(conn, &ids)?
        .into_iter()
        .map(|t| (t.product_id, t))
        .collect();
    for (seq, (write, copy_written)) in writes.into_iter().enumerate() {
        covered.insert(write.reel_number.clone());
        let reel = write.reel_number.clone();
        let Some(link) = links.get(&write.product_id) else {
            continue;
        };
        let reopen = resolved
            .iter()
            .find(|c| {
                c.reel_number == reel
                    && c.resolved
                        .as_ref()
                        .is_some_and(|r| r.how == Resolution::KeptOffice)
            })
            .cloned();
        let step = match changed(&reel, link.office != write.to) {
            Some(reason) => leave(reason),
            None => match write_back(&write, copy_written, run_id, seq as u64 + 1) {
                None => leave(Reason::NotRestorable),
                Some((back, before)) => Step::WriteBack(Box::new(WriteBack {
                    changes: back_changes(&write),
                    // A resolution's office status stays: its conflict opens again.
                    office: reopen.is_none().then_some(before),
                    reopen,
                    write: back,
                })),
            },
        };
        steps.push((reel, step));
    }

    for conflict in resolved {
        let kept_warehouse = conflict
            .resolved
            .as_ref()
            .is_some_and(|r| r.how == Resolution::KeptWarehouse);
        if !kept_warehouse || !covered.insert(conflict.reel_number.clone()) {
            continue;
        }
        let link = store::tracked_by_reels(conn, [conflict.reel_number.as_str()])?;
        let Some(link) = link.get(&conflict.reel_number) else {
            continue;
        };
        let reel = conflict.reel_number.clone();
        let step = match changed(&reel, link.office != conflict.warehouse) {
            Some(reason) => leave(reason),
            None => Step::GiveBack {
                product_id: link.product_id,
                conflict: Box::new(conflict),
            },
        };
        steps.push((reel, step));
    }

    for item in items {
        let took_in = matches!(
            item.action,
            Action::StatusIn | Action::Update | Action::Agree | Action::Relink
        );
        if took_in && covered.insert(item.reel_number.clone()) {
            steps.push((
                item.reel_number,
                Step::Leave {
                    action: Action::Skip,
                    reason: Reason::FollowsWarehouse,
                },
            ));
        }
    }
    Ok(steps)
}

/// The undo's write of `write`'s before-image, compare-and-set against what
/// `write` left (its copy too, when that was written), and the status the row
/// had before; `None` when the before-image is not a status as text.
fn write_back(
    write: &WarehouseWrite,
    copy_written: Option<bool>,
    run_id: i64,
    seq: u64,
) -> Option<(WarehouseWrite, ReelStatus)> {
    let Cell::Text(status_before) = &write.status_before else {
        return None;
    };
    let before = status_before.parse().ok()?;
    let written_last_date = Cell::from(write.last_date_after.clone());
    let last_date_back = match &write.last_date_before {
        Cell::Null => None,
        cell => Some(display_value(cell)),
    };
    Some((
        WarehouseWrite {
            run_id,
            seq,
            product_id: write.product_id,
            external_id: write.external_id,
            reel_number: write.reel_number.clone(),
            reel: write.reel.clone(),
            status_before: Cell::Text(write.status_after.clone()),
            last_date_before: if write.writes_last_date {
                written_last_date.clone()
            } else {
                Cell::Null
            },
            status_after: status_before.clone(),
            last_date_after: last_date_back,
            writes_last_date: write.writes_last_date,
            to: before,
            source_hash_after: write.source_hash_before.unwrap_or(write.source_hash_after),
            source_hash_before: Some(write.source_hash_after),
            born: write.born.clone(),
            copy: write
                .copy
                .as_ref()
                .filter(|_| copy_written == Some(true))
                .map(|copy| store::CopyBefore {
                    table: copy.table.clone(),
                    id: copy.id,
                    status_before: Cell::Text(write.status_after.clone()),
                    last_date_before: if copy.writes_last_date {
                        written_last_date.clone()
                    } else {
                        Cell::Null
                    },
                    writes_last_date: copy.writes_last_date,
                }),
        },
        before,
    ))
}

/// What writing `write`'s before-image back changes in the warehouse row.
fn back_changes(write: &WarehouseWrite) -> Vec<Change> {
    let mut changes = vec![Change {
        field: "status".into(),
        old: Some(write.status_after.clone()),
        new: Some(display_value(&write.status_before)),
    }];
    if write.writes_last_date {
        let before =
            (write.last_date_before != Cell::Null).then(|| display_value(&write.last_date_before));
        if before != write.last_date_after {
            changes.push(Change {
                field: "last_date".into(),
                old: write.last_date_after.clone(),
                new: before,
            });
        }
    }
    changes
}

/// The item a step is logged as, before it is made (a dry run's plan), and
/// the counts it adds to.
fn planned_item(reel_number: String, step: &Step, counts: &mut Counts) -> RunItem {
    let (action, reason, changes) = match step {
        Step::Untrack { .. } => {
            counts.updated += 1;
            (Action::Untrack, None, Vec::new())
        }
        Step::WriteBack(back) => {
            counts.exported += 1;
            (Action::Undo, None, back.changes.clone())
        }
        Step::GiveBack { conflict, .. } => {
            counts.updated += 1;
            (Action::Undo, None, give_back_changes(conflict))
        }
        Step::Leave { action, reason } => {
            match action {
                Action::Skip => counts.unchanged += 1,
                _ => counts.rejected += 1,
            }
            (*action, Some(reason.clone()), Vec::new())
        }
    };
    RunItem {
        reel_number,
        action,
        reason,
        changes,
    }
}

/// The office's status back from the warehouse's to its own.
fn give_back_changes(conflict: &Conflict) -> Vec<Change> {
    vec![Change {
        field: "status".into(),
        old: Some(conflict.warehouse.as_str().into()),
        new: Some(conflict.office.as_str().into()),
    }]
}

fn report(
    request: &RunRequest,
    started_at: DateTime<Utc>,
    clock: Instant,
    counts: Counts,
    items: Vec<RunItem>,
    run_id: Option<i64>,
) -> RunReport {
    RunReport {
        run_id,
        kind: request.kind(),
        dry_run: request.dry_run,
        outcome: outcome_of(&counts),
        counts,
        started_at,
        duration_ms: clock.elapsed().as_millis() as u64,
        error: None,
        snapshot: None,
        items,
    }
}

/// A real undo while it goes.
struct Undo<'a> {
    engine: &'a Engine,
    run_id: i64,
    lease: RunLock,
    observer: &'a mut dyn RunObserver,
    stamp: Stamp,
    counts: Counts,
    /// The items that need attention, for the report.
    items: Vec<RunItem>,
    logged: u64,
    clock: Instant,
}

impl Undo<'_> {
    /// Plans under the run lock, records every change but the warehouse
    /// writes (and the record of those writes, synced to disk) in one commit,
    /// then writes the warehouse batch by batch, each recorded as it lands.
    fn execute(&mut self, conn: &mut Connection, run: &RunSummary) -> Result<()> {
        let config = &self.engine.config;
        let (_, reader, mapper, _) = open_checked(config, conn)?;
        self.progress(Phase::Reading);
        let steps = db(config, plan(conn, run, self.run_id))?;
        let (writes, rest): (Vec<_>, Vec<_>) = steps
            .into_iter()
            .partition(|(_, step)| matches!(step, Step::WriteBack(_)));
        db(config, store::durable_commits(conn, true))?;
        self.in_step(conn, |undo, writer| {
            for (reel, step) in rest {
                undo.apply(writer, reel, &step)?;
            }
            let planned: Vec<WarehouseWrite> = writes
                .iter()
                .filter_map(|(_, step)| match step {
                    Step::WriteBack(back) => Some(back.write.clone()),
                    _ => None,
                })
                .collect();
            db(
                &undo.engine.config,
                store::plan_writes(writer.conn(), &planned),
            )
        })?;
        db(config, store::durable_commits(conn, false))?;
        let columns = WriteColumns {
            reel: mapper.reel_column_name(),
            status: mapper.status_column_name(),
            last_date: mapper.last_date_column_name(),
        };
        if !writes.is_empty() {
            self.progress(Phase::WritingWarehouse);
            let mut warehouse = reader.open_write()?;
            for batch in writes.chunks(warehouse::WRITE_BATCH) {
                let cas: Vec<StatusWrite> = batch
                    .iter()
                    .filter_map(|(_, step)| match step {
                        Step::WriteBack(back) => Some(status_write(&back.write)),
                        _ => None,
                    })
                    .collect();
                let applied = warehouse.compare_and_set(&columns, &cas)?;
                self.in_step(conn, |undo, writer| {
                    for ((reel, step), applied) in batch.iter().zip(applied) {
                        undo.record_write_back(writer, reel, step, applied)?;
                    }
                    Ok(())
                })?;
                self.progress(Phase::WritingWarehouse);
            }
        }
        self.in_step(conn, |undo, writer| {
            undo.progress(Phase::Committing);
            let finish = Finish {
                outcome: outcome_of(&undo.counts),
                counts: &undo.counts,
                duration_ms: undo.clock.elapsed().as_millis() as u64,
                error: None,
                snapshot: None,
            };
            db(
                &undo.engine.config,
                store::finish_run(writer.conn(), undo.run_id, &finish),
            )
        })?;
        Ok(())
    }

    /// Applies a step that writes nothing to the warehouse, and logs it.
    fn apply(&mut self, writer: &mut RunWriter<'_>, reel: String, step: &Step) -> Result<()> {
        let conn = writer.conn();
        let config = &self.engine.config;
        match step {
            Step::Untrack { product_id } => db(config, store::untrack(conn, *product_id))?,
            Step::GiveBack {
                product_id,
                conflict,
            } => {
                db(
                    config,
                    store::set_status_from_sync(conn, *product_id, conflict.office, &self.stamp),
                )?;
                db(config, store::reopen_conflict(conn, *product_id, conflict))?;
            }
            Step::WriteBack(_) | Step::Leave { .. } => {}
        }
        let item = planned_item(reel, step, &mut self.counts);
        self.log(writer, item)
    }

    /// Records a write-back the warehouse took (or not: then the reel is left,
    /// the warehouse having changed it since), and logs it.
    fn record_write_back(
        &mut self,
        writer: &mut RunWriter<'_>,
        reel: &str,
        step: &Step,
        applied: warehouse::Applied,
    ) -> Result<()> {
        let Step::WriteBack(back) = step else {
            return Ok(());
        };
        let WriteBack {
            write,
            office,
            reopen,
            ..
        } = back.as_ref();
        let conn = writer.conn();
        let config = &self.engine.config;
        db(
            config,
            store::settle_write(conn, write.run_id, write.seq, applied.took, applied.copy),
        )?;
        let item = if applied.took {
            db(config, store::record_export(conn, write, &self.stamp))?;
            // What is back in the row is not reelsync's decision but what was
            // there before it: an office cancellation is not pushed over it.
            db(
                config,
                store::agree_on_warehouse_status(conn, write.product_id, write.to, &self.stamp),
            )?;
            if let Some(office) = office {
                db(
                    config,
                    store::set_status_from_sync(conn, write.product_id, *office, &self.stamp),
                )?;
            }
            if let Some(conflict) = reopen {
                db(
                    config,
                    store::reopen_conflict(conn, write.product_id, conflict),
                )?;
            }
            planned_item(reel.to_owned(), step, &mut self.counts)
        } else {
            let left = Step::Leave {
                action: Action::Reject,
                reason: Reason::WarehouseChangedSince,
            };
            planned_item(reel.to_owned(), &left, &mut self.counts)
        };
        self.log(writer, item)
    }

    /// Does `work` in one main-store transaction that also saves the counts.
    fn in_step(
        &mut self,
        conn: &mut Connection,
        work: impl FnOnce(&mut Self, &mut RunWriter<'_>) -> Result<()>,
    ) -> Result<()> {
        let config = &self.engine.config;
        let tx = db(
            config,
            conn.transaction_with_behavior(TransactionBehavior::Immediate),
        )?;
        let mut writer = db(config, RunWriter::prepare(&tx))?;
        work(self, &mut writer)?;
        drop(writer);
        db(
            &self.engine.config,
            store::record_counts(&tx, self.run_id, &self.counts),
        )?;
        db(&self.engine.config, tx.commit())
    }

    fn log(&mut self, writer: &mut RunWriter<'_>, item: RunItem) -> Result<()> {
        self.logged += 1;
        db(
            &self.engine.config,
            writer.insert_item(self.run_id, self.logged, &item),
        )?;
        self.observer.item(&item);
        if matches!(item.action, Action::Reject | Action::Skip) {
            self.items.push(item);
        }
        Ok(())
    }

    fn progress(&mut self, phase: Phase) {
        let progress = Progress {
            phase,
            scanned: 0,
            total: 0,
            planned_writes: 0,
            at: Utc::now(),
            counts: self.counts,
        };
        self.lease.publish(&progress);
        self.observer.progress(&progress);
    }
}
