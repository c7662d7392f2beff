//! Runs: read a warehouse page → map → plan → apply → log, one page at a time, so
//! memory stays flat however large the warehouse file is.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result, RunningRun, WarehouseError};
use crate::forklift::{self, CopyPlan};
use crate::identity::{self, CheckError};
use crate::live::RunObserver;
use crate::lock::RunLock;
use crate::mapping::{Mapper, display_value};
use crate::matching::Matching;
use crate::plan::{
    self, Export, Identity, ImportPolicy, LinkState, Op, PagePlan, Resolving, Scope, Step,
};
use crate::report::{
    Action, Change, Counts, Outcome, Phase, Progress, RunItem, RunReport, RunRequest, RunScope,
};
use crate::scan::{
    db, open_checked, plan_page_of, plan_unseen_of, row_filter, store_err, warehouse_for,
};
use crate::settings::AutoImport;
use crate::store::{self, CopyBefore, Finish, RunWriter, Stamp, Store, WarehouseWrite};
use crate::warehouse::{self, Applied, Cell, CopyWrite, Reader, StatusWrite, WriteColumns};
use crate::{Config, Engine, Keep, Reason, Resolution, RunError, Selection};

impl Engine {
    /// Runs a sync, an import or an export as `request` says, telling `observer`
    /// how it goes (see [`RunObserver`]): its id, its progress after each warehouse
    /// page and at each phase change, each item once it is committed.
    ///
    /// A real run holds the run lock (a second one fails with
    /// [`Error::RunInProgress`]) and is logged with its items. It saves its work in
    /// steps, each with the run's counters, so its log never claims more or less
    /// than was saved: first everything but the exports, then each batch of
    /// warehouse writes, which are recorded (with the before-image of every cell
    /// they overwrite) before they are made. The last step records how the run
    /// ended. A dry run plans on read-only connections, writes nothing anywhere
    /// and logs nothing.
    ///
    /// A run that starts but fails is logged as failed, with the counts of what it
    /// saved, and its error returned.
    ///
    /// A run asked to stop (its observer's [`RunObserver::should_stop`], or
    /// [`Engine::request_cancel`] from any process) stops at the next page
    /// boundary and ends [`Outcome::Cancelled`]: what it committed so far stays,
    /// logged and counted, and the rest is left for the next run. Stopped while it
    /// reads, it writes nothing to the warehouse (the exports the pages it read
    /// called for are planned again by the next run); stopped while it writes the
    /// warehouse, it stops between two batches, every batch written is recorded as
    /// ever, and the writes not made are recorded as not written. A cancelled dry
    /// run returns its plan so far.
    ///
    /// While a real run goes on, its progress is published in the run lease for
    /// other processes ([`Engine::running`]).
    pub fn sync(&self, request: &RunRequest, observer: &mut dyn RunObserver) -> Result<RunReport> {
        if let RunScope::Undo(undone) = request.scope {
            return self.undo(request, undone, observer);
        }
        let started_at = Utc::now();
        if request.dry_run {
            let store = Store::open_read_only(&self.config.data_dir)?;
            let mut run = Run::new(&self.config, request, started_at, None, observer);
            run.execute(store.conn)?;
            return Ok(run.report());
        }
        // Connected first: a run logged as started must get to its end.
        let store = Store::connect_for_run(&self.config.data_dir)?;
        let (lock, run_id) = self.start_run(request, started_at)?;
        observer.started(run_id);
        let lease = Some((run_id, lock));
        let mut run = Run::new(&self.config, request, started_at, lease, observer);
        if let Err(e) = run.execute(store.conn) {
            let schedule_from = (request.scope == RunScope::Full).then_some(started_at);
            self.record_failure(run_id, &run.saved, run.clock, schedule_from, &e);
            return Err(e);
        }
        let report = run.report();
        let write_error = run.write_error.take();
        // Releases the lock.
        drop(run);
        // The run is logged with what it did; the caller still learns that the
        // warehouse could not be written, as the error it is.
        match write_error {
            Some(e) => Err(e.into()),
            None => Ok(report),
        }
    }

    /// Takes the run lock and logs the run as started.
    pub(crate) fn start_run(
        &self,
        request: &RunRequest,
        started_at: DateTime<Utc>,
    ) -> Result<(RunLock, i64)> {
        let mut me = RunningRun {
            run_id: None,
            kind: request.kind(),
            who: request.who.clone(),
            started_at,
            pid: std::process::id(),
        };
        let mut lock = RunLock::acquire(&self.config.data_dir, &me)?;
        let store = Store::connect_existing(&self.config.data_dir)?;
        store::close_interrupted_runs(&store.conn).map_err(|e| store.err(e))?;
        let run_id = store::start_run(
            &store.conn,
            me.kind,
            request.trigger,
            &request.who,
            started_at,
        )
        .map_err(|e| store.err(e))?;
        // A person's run is in the activity log; the schedule's (every few
        // minutes, nobody's doing) only in the run history.
        if request.trigger == crate::report::Trigger::Manual {
            let action = format!("run.{}", me.kind.as_str());
            store::log_activity(
                &store.conn,
                &request.actor(),
                &action,
                &run_id.to_string(),
                None,
            )
            .map_err(|e| store.err(e))?;
        }
        me.run_id = Some(run_id);
        lock.record(&me)?;
        Ok((lock, run_id))
    }

    /// Logs run `run_id`, stopped on `failure`, as failed, with `saved`, the
    /// counts of what it had saved, and the time since `clock`; a full sync
    /// also records when it started (`schedule_from`) for the schedule. On a
    /// full disk even this may not be saved; the next run then closes it as
    /// interrupted, with the same counts.
    pub(crate) fn record_failure(
        &self,
        run_id: i64,
        saved: &Counts,
        clock: Instant,
        schedule_from: Option<DateTime<Utc>>,
        failure: &Error,
    ) {
        let error = failure.run_error();
        let finish = Finish {
            outcome: Outcome::Failed,
            counts: saved,
            duration_ms: clock.elapsed().as_millis() as u64,
            error: Some(&error),
            snapshot: None,
        };
        let recorded = Store::connect_existing(&self.config.data_dir).and_then(|store| {
            store::finish_run(&store.conn, run_id, &finish)
                .and_then(|()| match schedule_from {
                    Some(started_at) => record_schedule(&store.conn, started_at),
                    None => Ok(()),
                })
                .map_err(|e| store.err(e))
        });
        if let Err(e) = recorded {
            tracing::warn!(run_id, "could not log the run as failed: {e}");
        }
    }

    /// Runs a scheduled full sync if one is due (or `force`), logged as `auto` and
    /// as `who` (the scheduler, or whoever forced it). `Ok(None)` means nothing was
    /// due.
    pub fn auto_sync(
        &self,
        force: bool,
        who: &str,
        observer: &mut dyn RunObserver,
    ) -> Result<Option<RunReport>> {
        let settings = self.settings()?;
        if !force && !settings.is_due(Utc::now()) {
            return Ok(None);
        }
        let request = RunRequest {
            scope: RunScope::Full,
            trigger: crate::report::Trigger::Schedule,
            who: who.to_owned(),
            dry_run: false,
            client: None,
        };
        self.sync(&request, observer).map(Some)
    }
}

/// Records that a full sync started at `started_at`, and when the next is due.
fn record_schedule(conn: &Connection, started_at: DateTime<Utc>) -> rusqlite::Result<()> {
    let mut settings = store::settings(conn)?;
    settings.last_run_at = Some(started_at);
    settings.next_run_at = settings.next_after(started_at);
    store::save_settings(conn, &settings)
}

/// One run's state while it goes.
struct Run<'a> {
    config: &'a Config,
    request: &'a RunRequest,
    run_id: Option<i64>,
    /// A real run's lock, whose lease publishes its progress; `None` for a dry run.
    lease: Option<RunLock>,
    observer: &'a mut dyn RunObserver,
    started_at: DateTime<Utc>,
    /// The run's time, stamped on every row it writes.
    stamp: Stamp,
    clock: Instant,
    counts: Counts,
    /// The counts of what has been saved so far (committed with it).
    saved: Counts,
    /// Dry runs: every item; real runs: the ones that need attention.
    items: Vec<RunItem>,
    /// Items logged in the step under way, told to the observer once it commits.
    pending: Vec<RunItem>,
    /// Items stored so far.
    logged: u64,
    /// Warehouse rows read so far, and in the scope when the run started.
    scanned: u64,
    total: u64,
    /// Warehouse writes planned (once the scan is over).
    planned_writes: u64,
    /// Set once the run was asked to stop.
    cancelled: bool,
    exports: Vec<(String, Export)>,
    /// What the scan has learnt about which row each tracked reel is on.
    identity: Identity,
    /// Set when some warehouse writes could not be made; the run is then failed,
    /// but what was written is recorded.
    write_error: Option<WarehouseError>,
}

/// A planned export: the record of it kept before it is made, the changes its
/// log item lists, and what it is logged as once made.
struct PlannedExport {
    write: WarehouseWrite,
    changes: Vec<Change>,
    action: Action,
    reason: Option<Reason>,
}

impl<'a> Run<'a> {
    /// A run; `lease` is a real run's id and lock, `None` for a dry run.
    fn new(
        config: &'a Config,
        request: &'a RunRequest,
        started_at: DateTime<Utc>,
        lease: Option<(i64, RunLock)>,
        observer: &'a mut dyn RunObserver,
    ) -> Self {
        let (run_id, lease) = lease.unzip();
        Self {
            config,
            request,
            run_id,
            lease,
            observer,
            started_at,
            stamp: Stamp::new(started_at),
            clock: Instant::now(),
            counts: Counts::default(),
            saved: Counts::default(),
            items: Vec::new(),
            pending: Vec::new(),
            logged: 0,
            scanned: 0,
            total: 0,
            planned_writes: 0,
            cancelled: false,
            exports: Vec::new(),
            identity: Identity::default(),
            write_error: None,
        }
    }

    fn dry(&self) -> bool {
        self.run_id.is_none()
    }

    /// Failed when warehouse writes failed, cancelled when asked to stop, else
    /// succeeded or partial.
    fn outcome(&self) -> Outcome {
        match self.write_error {
            Some(_) => Outcome::Failed,
            None if self.cancelled => Outcome::Cancelled,
            None => outcome_of(&self.counts),
        }
    }

    /// Tells the observer (and, for a real run, the lease) where the run is.
    fn progress(&mut self, phase: Phase) {
        let progress = Progress {
            phase,
            scanned: self.scanned,
            total: self.total,
            planned_writes: self.planned_writes,
            at: chrono::Utc::now(),
            counts: self.counts,
        };
        if let Some(lease) = &mut self.lease {
            lease.publish(&progress);
        }
        self.observer.progress(&progress);
    }

    /// Whether the run is to stop at this page boundary: its observer says so, or
    /// a cancel request names it. Once asked, it stays asked.
    fn stop_asked(&mut self) -> bool {
        if !self.cancelled {
            self.cancelled = self.observer.should_stop()
                || self.lease.as_ref().is_some_and(RunLock::cancel_requested);
        }
        self.cancelled
    }

    /// Ends a run asked to stop while it read the warehouse: its pages so far are
    /// committed; the exports they called for are not made (the next run plans
    /// them again), and the run records that it was cancelled.
    fn end_cancelled(&mut self, conn: &mut Connection) -> Result<()> {
        self.exports.clear();
        if !self.dry() {
            self.in_step(conn, |run, writer| run.record_end(writer.conn()))?;
        }
        Ok(())
    }

    fn run_error(&self) -> Option<RunError> {
        self.write_error.as_ref().map(|e| RunError::WritesFailed {
            problem: e.problem(),
        })
    }

    /// The report; it takes the items, so call it once, at the end.
    fn report(&mut self) -> RunReport {
        RunReport {
            run_id: self.run_id,
            kind: self.request.kind(),
            dry_run: self.request.dry_run,
            outcome: self.outcome(),
            counts: self.counts,
            started_at: self.started_at,
            duration_ms: self.clock.elapsed().as_millis() as u64,
            error: self.run_error(),
            snapshot: None,
            items: std::mem::take(&mut self.items),
        }
    }

    fn execute(&mut self, mut conn: Connection) -> Result<()> {
        let (warehouse, reader, mapper, settings) = match open_checked(self.config, &conn) {
            Err(Error::Warehouse(WarehouseError::MissingColumns { table, columns }))
                if !self.dry() =>
            {
                return Err(self.hold_for_gone_columns(&conn, table, columns));
            }
            opened => opened?,
        };
        let file = crate::error::file(warehouse.path());
        identity::check_same_warehouse(&conn, &reader, &mapper, &file, !self.dry()).map_err(
            |e| match e {
                CheckError::Held(problem) => WarehouseError::NotTheSame { problem }.into(),
                CheckError::Warehouse(e) => e.into(),
                CheckError::Store(e) => store_err(self.config, e),
            },
        )?;
        if !self.dry() {
            self.settle_earlier_writes(&mut conn, &reader, &mapper)?;
        }
        let scope = scope_for(&self.request.scope, settings.auto_import);
        let filter = row_filter(&scope, &mapper);
        self.total = reader.count_rows(filter.as_ref())?;
        self.identity.known = Some(db(self.config, store::known_numbers(&conn))?);
        self.progress(Phase::Reading);
        let asked = asked_for(&scope);
        let mut requested_seen = HashSet::new();
        let columns = mapper.columns().to_vec();
        let mut pages = reader.pages(&columns, filter.as_ref());
        loop {
            // A page boundary: before each page, and after the last.
            if self.stop_asked() {
                return self.end_cancelled(&mut conn);
            }
            let Some(page) = pages.next() else { break };
            let rows = page?;
            self.scanned += rows.len() as u64;
            if let Some(asked) = &asked {
                requested_seen.extend(
                    rows.iter()
                        .filter_map(|r| mapper.reel_of(&r.values))
                        .filter(|reel| asked.contains(reel)),
                );
            }
            self.in_step(&mut conn, |run, writer| {
                run.plan_and_apply(writer, rows, &mapper, &scope)
            })?;
            self.progress(Phase::Reading);
        }
        // Tracked reels no page showed: a corrected label, or gone.
        if scope.syncs() {
            self.in_step(&mut conn, |run, writer| {
                run.plan_and_apply_unseen(writer, &mapper, &scope)
            })?;
        }
        let copies = if settings.mirror_anbar && !self.exports.is_empty() {
            forklift::find(&reader, &self.exports)?
        } else {
            HashMap::new()
        };
        // Its commit holds the record of the warehouse writes to come: it must
        // survive a power cut, as the writes will.
        if !self.dry() {
            db(self.config, store::durable_commits(&conn, true))?;
        }
        let planned = self.in_step(&mut conn, |run, writer| {
            run.planned_writes = run.exports.len() as u64;
            if !run.dry() && run.planned_writes > 0 {
                run.progress(Phase::Snapshot);
            }
            if let Some(asked) = &asked {
                run.reject_unseen(writer, asked, &requested_seen)?;
            }
            if run.dry() {
                run.log_planned_exports(writer, &copies)?;
                return Ok(Vec::new());
            }
            // Before the first warehouse write: the record of each write about to
            // be made.
            let planned = run.plan_exports(&mapper, &copies);
            let writes: Vec<WarehouseWrite> = planned.iter().map(|p| p.write.clone()).collect();
            db(run.config, store::plan_writes(writer.conn(), &writes))?;
            if planned.is_empty() {
                run.record_end(writer.conn())?;
            }
            Ok(planned)
        })?;
        if !self.dry() {
            db(self.config, store::durable_commits(&conn, false))?;
        }
        self.write_exports(&mut conn, &reader, &mapper, planned)
    }

    /// The error for mapped `columns` gone from the warehouse: a hold when an
    /// earlier run saw them, else the missing columns as they are.
    fn hold_for_gone_columns(
        &self,
        conn: &Connection,
        table: String,
        columns: Vec<String>,
    ) -> Error {
        let file = store::settings(conn)
            .ok()
            .and_then(|settings| warehouse_for(self.config, &settings).ok())
            .map(|w| crate::error::file(w.path()))
            .unwrap_or_default();
        match identity::hold_for_gone_columns(conn, &file, &columns) {
            Ok(Some(problem)) => WarehouseError::NotTheSame { problem }.into(),
            Ok(None) => WarehouseError::MissingColumns { table, columns }.into(),
            Err(e) => store_err(self.config, e),
        }
    }

    /// Does `work` in one main-store transaction, which for a real run also saves
    /// the counters and commits: a run saves its work page by page, so the main
    /// store's writes (and the disk syncs of its checkpoints) come in small steps
    /// rather than one burst at the end, which would hold up the warehouse app's
    /// own disk syncs on the same card.
    fn in_step<T>(
        &mut self,
        conn: &mut Connection,
        work: impl FnOnce(&mut Self, &mut RunWriter<'_>) -> Result<T>,
    ) -> Result<T> {
        let behavior = if self.dry() {
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Immediate
        };
        let config = self.config;
        let tx = conn
            .transaction_with_behavior(behavior)
            .map_err(|e| store_err(config, e))?;
        let done = RunWriter::prepare(&tx)
            .map_err(|e| store_err(config, e))
            .and_then(|mut writer| work(self, &mut writer));
        let committed = done.and_then(|out| {
            if !self.dry() {
                self.record_counts(&tx)?;
                tx.commit().map_err(|e| store_err(config, e))?;
                self.saved = self.counts;
            }
            Ok(out)
        });
        match committed {
            Ok(out) => {
                self.flush_items();
                Ok(out)
            }
            Err(e) => {
                // Rolled back: never stored, never told.
                self.pending.clear();
                Err(e)
            }
        }
    }

    /// Tells the observer the items of the step just committed, and keeps those
    /// the report lists.
    fn flush_items(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        for item in pending.drain(..) {
            self.observer.item(&item);
            let attention = matches!(
                item.action,
                Action::Reject
                    | Action::Conflict
                    | Action::Skip
                    | Action::Missing
                    | Action::Relink
                    | Action::Rewritten
            ) || (item.action == Action::Export && item.reason.is_some());
            if self.dry() || attention {
                self.items.push(item);
            }
        }
        self.pending = pending;
    }

    /// Rejects the reels asked for by number that no warehouse row has.
    fn reject_unseen(
        &mut self,
        writer: &mut RunWriter<'_>,
        asked: &HashSet<String>,
        seen: &HashSet<String>,
    ) -> Result<()> {
        let mut unseen: Vec<&String> = asked.difference(seen).collect();
        unseen.sort();
        for reel in unseen {
            self.log(
                writer,
                RunItem {
                    reel_number: reel.clone(),
                    action: Action::Reject,
                    reason: Some(Reason::NotFound),
                    changes: Vec::new(),
                },
            )?;
            self.counts.rejected += 1;
        }
        Ok(())
    }

    fn plan_and_apply(
        &mut self,
        writer: &mut RunWriter<'_>,
        rows: Vec<warehouse::ExternalRow>,
        mapper: &Mapper,
        scope: &Scope,
    ) -> Result<()> {
        let plan = db(
            self.config,
            plan_page_of(writer.conn(), rows, mapper, scope, &mut self.identity),
        )?;
        self.apply_plan(writer, plan)
    }

    fn plan_and_apply_unseen(
        &mut self,
        writer: &mut RunWriter<'_>,
        mapper: &Mapper,
        scope: &Scope,
    ) -> Result<()> {
        let plan = db(
            self.config,
            plan_unseen_of(writer.conn(), &mut self.identity, mapper, scope),
        )?;
        self.apply_plan(writer, plan)
    }

    fn apply_plan(&mut self, writer: &mut RunWriter<'_>, plan: PagePlan) -> Result<()> {
        self.counts.importable += plan.importable;
        self.counts.unchanged += plan.unchanged;
        for step in plan.steps {
            self.apply(writer, step)?;
        }
        Ok(())
    }

    /// Applies one step to the main store (real runs) and logs it. Exports wait
    /// until the scan is over, so the warehouse is written in few short batches.
    fn apply(&mut self, writer: &mut RunWriter<'_>, step: Step) -> Result<()> {
        if matches!(step.op, Op::Import { .. } | Op::Update { .. }) {
            self.note_known(&step.reel_number);
        }
        let conn = writer.conn();
        let dry = self.dry();
        let now = &self.stamp;
        let config = self.config;
        let mut action = step.action();
        let mut reason = plan::reason(&step.op);
        let mut changes = Vec::new();
        match &step.op {
            Op::Import { mapped, born } => {
                let mut inserted =
                    || writer.insert_product(step.external_id, mapped, born.as_deref(), now);
                let imported = if dry { None } else { db(config, inserted())? };
                if let Some(product_id) = imported {
                    // Found on its row by this run: not missing at its end.
                    self.identity.seen.insert(product_id);
                }
                if dry || imported.is_some() {
                    self.counts.imported += 1;
                } else {
                    action = Action::Reject;
                    reason = Some(Reason::ReelNumberExists);
                    self.counts.rejected += 1;
                }
            }
            Op::Update { product_id, mapped } => {
                let current = db(config, store::product_values(conn, *product_id))?;
                changes = plan::describe(&step.op, current.as_deref());
                if dry || db(config, store::update_fields(conn, *product_id, mapped, now))? {
                    // A new hash alone (the mappings changed, the values did not)
                    // updates nothing anyone sees.
                    if changes.is_empty() {
                        return Ok(());
                    }
                    self.counts.updated += 1;
                } else {
                    action = Action::Reject;
                    reason = Some(plan::reel_number_taken(mapped));
                    self.counts.rejected += 1;
                }
            }
            Op::StatusIn { product_id, to, .. } => {
                changes = plan::describe(&step.op, None);
                if !dry {
                    db(
                        config,
                        store::set_status_from_sync(conn, *product_id, *to, now),
                    )?;
                    db(
                        config,
                        store::agree_on_warehouse_status(conn, *product_id, *to, now),
                    )?;
                    self.end_conflict(conn, *product_id, self.closing(Keep::Warehouse))?;
                }
                self.counts.status_in += 1;
            }
            Op::Agree { product_id, status } => {
                if !dry {
                    db(
                        config,
                        store::agree_on_warehouse_status(conn, *product_id, *status, now),
                    )?;
                    self.end_conflict(conn, *product_id, Resolution::Settled)?;
                }
            }
            Op::Conflict(apart) => {
                changes = plan::describe(&step.op, None);
                if let Some(run_id) = self.run_id {
                    let product_id = apart.product_id;
                    db(
                        config,
                        store::set_state(conn, product_id, LinkState::Conflict, reason.as_ref()),
                    )?;
                    let reel = &step.reel_number;
                    let recorded =
                        store::office_status_setter(conn, reel, apart.office).and_then(|by| {
                            store::record_conflict(conn, reel, apart, by.as_deref(), run_id, now)
                        });
                    db(config, recorded)?;
                }
                self.counts.conflicts += 1;
            }
            Op::Missing { product_id, .. } => {
                if !dry {
                    db(
                        config,
                        store::set_state(conn, *product_id, LinkState::Missing, reason.as_ref()),
                    )?;
                    self.end_conflict(conn, *product_id, Resolution::Gone)?;
                }
                self.counts.missing += 1;
            }
            Op::Relink(relink) => {
                if !dry {
                    db(config, store::relink(conn, relink, now))?;
                }
                // A file with new ids moves every hint: nothing to tell.
                if relink.reason.is_none() {
                    return Ok(());
                }
            }
            Op::Reject { .. } => self.counts.rejected += 1,
            Op::Export(export) => {
                self.exports.push((step.reel_number, export.clone()));
                return Ok(());
            }
        }
        self.log(
            writer,
            RunItem {
                reel_number: step.reel_number,
                action,
                reason,
                changes,
            },
        )
    }

    /// Ends the product's open conflict, if it has one, as `how`, in this run
    /// and by whoever asked for it.
    fn end_conflict(&self, conn: &Connection, product_id: i64, how: Resolution) -> Result<()> {
        let run_id = self.run_id.unwrap_or_default();
        let who = &self.request.who;
        let closed = store::close_conflict(conn, product_id, how, who, run_id, &self.stamp);
        db(self.config, closed)
    }

    /// How a reel's open conflict ends when the run brings its sides in step by
    /// taking `side`'s status: kept by the person, in a resolution that keeps
    /// that side; else settled by the sync itself.
    fn closing(&self, side: Keep) -> Resolution {
        match &self.request.scope {
            RunScope::Resolve(resolve) if resolve.keep == side => Resolution::kept(side),
            _ => Resolution::Settled,
        }
    }

    /// Keeps a reel number a product may now carry among the known ones, so a
    /// later page's row with it is looked up.
    fn note_known(&mut self, reel: &str) {
        if let Some(known) = &mut self.identity.known {
            known.add(reel);
        }
    }

    /// Logs an item: stored for real runs; once its step has committed, told to
    /// the observer and kept in the report for dry runs and for items that need
    /// attention ([`Run::flush_items`]).
    fn log(&mut self, writer: &mut RunWriter<'_>, item: RunItem) -> Result<()> {
        if let Some(run_id) = self.run_id {
            self.logged += 1;
            db(self.config, writer.insert_item(run_id, self.logged, &item))?;
        }
        self.pending.push(item);
        Ok(())
    }

    /// Counts a warehouse write made (or, in a dry run, planned), as `action`
    /// logs it: a lost write written again, or an export.
    fn count_written(&mut self, action: Action) {
        match action {
            Action::Rewritten => self.counts.rewritten += 1,
            _ => self.counts.exported += 1,
        }
    }

    /// A dry run's exports: listed in the plan, never written.
    fn log_planned_exports(
        &mut self,
        writer: &mut RunWriter<'_>,
        copies: &HashMap<i64, CopyPlan>,
    ) -> Result<()> {
        for (reel, export) in std::mem::take(&mut self.exports) {
            self.count_written(export.action());
            let copy = copies.get(&export.product_id);
            let (changes, reason) = export_item(&export, copy);
            self.log(
                writer,
                RunItem {
                    reel_number: reel,
                    action: export.action(),
                    reason,
                    changes,
                },
            )?;
        }
        Ok(())
    }

    /// The record of each export about to be written: the before-image of the
    /// cells it overwrites (in `Products` and in the forklift's copy, `copies`)
    /// and the after-image it writes.
    fn plan_exports(
        &mut self,
        mapper: &Mapper,
        copies: &HashMap<i64, CopyPlan>,
    ) -> Vec<PlannedExport> {
        let run_id = self.run_id.unwrap_or_default();
        let writes_last_date = mapper.last_date_column_name().is_some();
        std::mem::take(&mut self.exports)
            .into_iter()
            .enumerate()
            .map(|(i, (reel, export))| {
                let copy = copies.get(&export.product_id);
                let (changes, reason) = export_item(&export, copy);
                let copy_before = match copy {
                    Some(CopyPlan::Row {
                        row,
                        writes_last_date,
                    }) => Some(CopyBefore {
                        table: row.table.clone(),
                        id: row.id,
                        status_before: row.status.clone(),
                        last_date_before: row.last_date.clone(),
                        writes_last_date: *writes_last_date,
                    }),
                    _ => None,
                };
                let action = export.action();
                let write = WarehouseWrite {
                    run_id,
                    seq: i as u64 + 1,
                    product_id: export.product_id,
                    external_id: export.external_id,
                    reel_number: reel,
                    reel: export.reel,
                    status_before: export.expected,
                    last_date_before: export.last_date_before,
                    status_after: export.to_raw,
                    last_date_after: export.last_date,
                    writes_last_date,
                    to: export.to,
                    source_hash_after: export.source_hash_after,
                    source_hash_before: Some(export.source_hash_before),
                    born: export.born,
                    copy: copy_before,
                };
                PlannedExport {
                    write,
                    changes,
                    action,
                    reason,
                }
            })
            .collect()
    }

    /// Writes the planned exports by compare-and-set, batch by batch. After each
    /// warehouse commit, one main-store commit records what the warehouse took
    /// (the last one also how the run ended), so a write that succeeded is known
    /// even if the run stops right after.
    ///
    /// A run asked to stop stops between two batches (or before the first): the
    /// batches written are recorded as they were, and the writes not made are
    /// recorded as not written (and not logged as items: they were not touched),
    /// in the commit that ends the run.
    fn write_exports(
        &mut self,
        conn: &mut Connection,
        reader: &Reader,
        mapper: &Mapper,
        planned: Vec<PlannedExport>,
    ) -> Result<()> {
        if planned.is_empty() {
            return Ok(());
        }
        let columns = WriteColumns {
            reel: mapper.reel_column_name(),
            status: mapper.status_column_name(),
            last_date: mapper.last_date_column_name(),
        };
        let mut warehouse_writer = reader
            .open_write()
            .map_err(|e| self.write_error = Some(e))
            .ok();
        self.progress(Phase::WritingWarehouse);
        let batches: Vec<&[PlannedExport]> = planned.chunks(warehouse::WRITE_BATCH).collect();
        let last = batches.len() - 1;
        for (i, batch) in batches.iter().enumerate() {
            // Once writes fail, the rest are only recorded as not written.
            if self.write_error.is_none() && self.stop_asked() {
                let not_made = batches[i..].iter().flat_map(|b| b.iter());
                return self.in_step(conn, |run, writer| {
                    for PlannedExport { write, .. } in not_made {
                        db(
                            run.config,
                            store::settle_write(
                                writer.conn(),
                                write.run_id,
                                write.seq,
                                false,
                                None,
                            ),
                        )?;
                    }
                    run.record_end(writer.conn())
                });
            }
            let not_made = Applied {
                took: false,
                copy: None,
            };
            let applied = match (&self.write_error, warehouse_writer.as_mut()) {
                (None, Some(writer)) => {
                    let writes: Vec<StatusWrite> =
                        batch.iter().map(|p| status_write(&p.write)).collect();
                    writer
                        .compare_and_set(&columns, &writes)
                        .unwrap_or_else(|e| {
                            self.write_error = Some(e);
                            vec![not_made; batch.len()]
                        })
                }
                _ => vec![not_made; batch.len()],
            };
            self.in_step(conn, |run, writer| {
                for (planned, took) in batch.iter().zip(applied) {
                    run.record_export(writer, planned, took)?;
                }
                if i == last {
                    run.record_end(writer.conn())?;
                }
                Ok(())
            })?;
            if i != last {
                self.progress(Phase::WritingWarehouse);
            }
        }
        Ok(())
    }

    fn record_export(
        &mut self,
        writer: &mut RunWriter<'_>,
        planned: &PlannedExport,
        applied: Applied,
    ) -> Result<()> {
        let Applied { took, copy } = applied;
        let PlannedExport {
            write,
            changes,
            action,
            reason,
        } = planned;
        let conn = writer.conn();
        db(
            self.config,
            store::settle_write(conn, write.run_id, write.seq, took, copy),
        )?;
        let (action, reason) = if took {
            db(self.config, store::record_export(conn, write, &self.stamp))?;
            self.end_conflict(conn, write.product_id, self.closing(Keep::Office))?;
            self.count_written(*action);
            // The copy changed between the read and the write: said, unless the
            // item says something weightier.
            let copy_changed = write
                .copy
                .as_ref()
                .filter(|_| copy == Some(false))
                .map(|c| Reason::CopyChanged {
                    table: c.table.clone(),
                });
            (*action, reason.clone().or(copy_changed))
        } else {
            let reason = match &self.write_error {
                Some(e) => Reason::NotWritten {
                    problem: e.problem(),
                },
                None => Reason::ChangedSinceRead,
            };
            (Action::Skip, Some(reason))
        };
        let item = RunItem {
            reel_number: write.reel_number.clone(),
            action,
            reason,
            changes: changes.clone(),
        };
        self.log(writer, item)
    }

    /// Saves the counters so far with the work they count.
    fn record_counts(&self, conn: &Connection) -> Result<()> {
        let run_id = self.run_id.unwrap_or_default();
        db(
            self.config,
            store::record_counts(conn, run_id, &self.counts),
        )
    }

    /// Saves how the run ended, in its last commit (and, after a full sync, when
    /// the schedule runs next: a cancelled one counts too, or the schedule would
    /// start it again at its next tick).
    fn record_end(&mut self, conn: &Connection) -> Result<()> {
        self.progress(Phase::Committing);
        let error = self.run_error();
        let finish = Finish {
            outcome: self.outcome(),
            counts: &self.counts,
            duration_ms: self.clock.elapsed().as_millis() as u64,
            error: error.as_ref(),
            snapshot: None,
        };
        let run_id = self.run_id.unwrap_or_default();
        db(self.config, store::finish_run(conn, run_id, &finish))?;
        if self.request.scope == RunScope::Full {
            db(self.config, record_schedule(conn, self.started_at))?;
        }
        Ok(())
    }

    /// Settles the warehouse writes an earlier run recorded but did not live to
    /// confirm (its main-store commit failed, or it died): each row that holds
    /// what was to be written was written by reelsync, and is recorded as its
    /// own write, in that run's log; the others were not written.
    fn settle_earlier_writes(
        &mut self,
        conn: &mut Connection,
        reader: &Reader,
        mapper: &Mapper,
    ) -> Result<()> {
        let pending = db(self.config, store::planned_writes(conn))?;
        if pending.is_empty() {
            return Ok(());
        }
        let mut columns = vec![mapper.status_column_name().to_owned()];
        columns.extend(mapper.last_date_column_name().map(str::to_owned));
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_err(self.config, e))?;
        for write in &pending {
            let now = reader.cells_where(&columns, mapper.reel_column_name(), &write.reel)?;
            let took = now.is_some_and(|cells| holds_after_image(write, &cells));
            db(
                self.config,
                store::settle_write(&tx, write.run_id, write.seq, took, None),
            )?;
            if took {
                db(self.config, store::record_export(&tx, write, &self.stamp))?;
                let item = RunItem {
                    reel_number: write.reel_number.clone(),
                    action: Action::Export,
                    reason: Some(Reason::RecordedLate {
                        run_id: self.run_id.unwrap_or_default(),
                    }),
                    changes: vec![Change {
                        field: "status".into(),
                        old: Some(display_value(&write.status_before)),
                        new: Some(write.to.as_str().into()),
                    }],
                };
                db(
                    self.config,
                    store::record_late_export(&tx, write.run_id, &item),
                )?;
            }
        }
        tx.commit().map_err(|e| store_err(self.config, e))
    }
}

/// Whether a warehouse row's status (and `last_date`, when written) read as `write`
/// was to leave them.
fn holds_after_image(write: &WarehouseWrite, cells: &[Cell]) -> bool {
    let status = cells[0] == Cell::Text(write.status_after.clone());
    let last_date =
        !write.writes_last_date || cells.get(1) == Some(&Cell::from(write.last_date_after.clone()));
    status && last_date
}

/// The compare-and-set write of a recorded write (and of its forklift copy).
pub(crate) fn status_write(write: &WarehouseWrite) -> StatusWrite {
    StatusWrite {
        reel: write.reel.clone(),
        expected_status: write.status_before.clone(),
        status: write.status_after.clone(),
        last_date: write.last_date_after.clone(),
        copy: write.copy.as_ref().map(|c| CopyWrite {
            table: c.table.clone(),
            id: c.id,
            expected_status: c.status_before.clone(),
            writes_last_date: c.writes_last_date,
        }),
    }
}

/// What an export's log item lists and says: its changes, the forklift copy's
/// with them, and why, when that needs saying (a lost write, another reel's
/// status, a copy not written).
fn export_item(export: &Export, copy: Option<&CopyPlan>) -> (Vec<Change>, Option<Reason>) {
    let mut changes = plan::export_changes(export);
    changes.extend(copy.and_then(|c| c.change(export)));
    let reason = export.reason().or_else(|| copy.and_then(CopyPlan::note));
    (changes, reason)
}

/// Succeeded, or partial when some reels need attention.
pub(crate) fn outcome_of(counts: &Counts) -> Outcome {
    if counts.rejected > 0 || counts.conflicts > 0 || counts.missing > 0 {
        Outcome::Partial
    } else {
        Outcome::Succeeded
    }
}

/// The reels a run was asked for by number, when it was: each one no warehouse
/// row carries is rejected as not found.
fn asked_for(scope: &Scope) -> Option<HashSet<String>> {
    match (&scope.import, &scope.resolving) {
        (ImportPolicy::Reels(reels), _) => Some(reels.clone()),
        (_, Some(resolving)) => Some(resolving.shown.keys().cloned().collect()),
        _ => None,
    }
}

/// What a request may do, given the stored auto-import policy.
fn scope_for(scope: &RunScope, auto_import: AutoImport) -> Scope {
    match scope {
        RunScope::Full => Scope {
            import: match auto_import {
                AutoImport::Off => ImportPolicy::None,
                AutoImport::All => ImportPolicy::All,
            },
            pull: true,
            push: true,
            resolving: None,
        },
        RunScope::Import(Selection::All) => Scope {
            import: ImportPolicy::All,
            pull: false,
            push: false,
            resolving: None,
        },
        RunScope::Import(Selection::Reels(reels)) => Scope {
            import: ImportPolicy::Reels(reels.iter().map(|r| r.trim().to_owned()).collect()),
            pull: false,
            push: false,
            resolving: None,
        },
        RunScope::Import(Selection::Matching { filter, except }) => Scope {
            import: ImportPolicy::Matching(Box::new(Matching::new(filter, except))),
            pull: false,
            push: false,
            resolving: None,
        },
        RunScope::Export => Scope {
            import: ImportPolicy::None,
            pull: false,
            push: true,
            resolving: None,
        },
        // An undo reads no warehouse page ([`Engine::sync`] hands it to the undo).
        RunScope::Undo(_) => Scope {
            import: ImportPolicy::None,
            pull: false,
            push: false,
            resolving: None,
        },
        RunScope::Resolve(resolve) => Scope {
            import: ImportPolicy::None,
            pull: true,
            push: true,
            resolving: Some(Resolving {
                keep: resolve.keep,
                shown: resolve
                    .reels
                    .iter()
                    .map(|shown| (shown.reel_number.trim().to_owned(), shown.warehouse))
                    .collect(),
            }),
        },
    }
}
