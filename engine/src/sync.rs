//! Runs: read a warehouse page → map → plan → apply → log, one page at a time, so
//! memory stays flat however large the warehouse file is.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result, RunningRun, WarehouseError};
use crate::lock::RunLock;
use crate::mapping::{self, FieldValue, Mapper, ProductField};
use crate::plan::{self, Export, ImportPolicy, LinkState, Op, PageInput, PagePlan, Scope, Step};
use crate::report::{
    Action, Counts, Outcome, Progress, RunItem, RunReport, RunRequest, RunScope, Selection,
};
use crate::settings::{AutoImport, SyncSettings};
use crate::store::{self, Finish, RunWriter, Stamp, Store};
use crate::warehouse::{self, Reader, StatusWrite, Warehouse, WriteColumns};
use crate::{Config, Engine};

const SNAPSHOT_DIR: &str = "snapshots";

const RETRY: &str = "the next run will retry the exports not written";

impl Engine {
    /// Runs a sync, an import or an export as `request` says, reporting progress
    /// after each warehouse page.
    ///
    /// A real run holds the run lock (a second one fails with
    /// [`Error::RunInProgress`]), is logged with its items, and snapshots the
    /// warehouse file before its first write there. A dry run plans on read-only
    /// connections, writes nothing anywhere and logs nothing.
    ///
    /// A run that starts but fails is logged as failed and its error returned.
    pub fn sync(
        &self,
        request: &RunRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<RunReport> {
        let started_at = Utc::now();
        if request.dry_run {
            let store = Store::open_read_only(&self.config.data_dir)?;
            let mut run = Run::new(&self.config, request, started_at, None);
            run.execute(store.conn, progress)?;
            return Ok(run.report(outcome_of(&run.counts), None));
        }
        // Connected first: a run logged as started must get to its end.
        let store = Store::connect_for_run(&self.config.data_dir)?;
        let (lock, run_id) = self.start_run(request, started_at)?;
        let mut run = Run::new(&self.config, request, started_at, Some(run_id));
        let result = run.execute(store.conn, progress);
        let report = self.finish_run(&mut run, run_id, result.as_ref().err())?;
        drop(lock);
        // The run is logged with what it did; the caller still learns that the
        // warehouse could not be written, as the error it is.
        if let Some(e) = run.write_error {
            return Err(e.into());
        }
        result.map(|()| report)
    }

    /// Takes the run lock and logs the run as started.
    fn start_run(&self, request: &RunRequest, started_at: DateTime<Utc>) -> Result<(RunLock, i64)> {
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
        me.run_id = Some(run_id);
        lock.record(&me)?;
        Ok((lock, run_id))
    }

    /// Logs how a run ended (a failed run counts nothing, as it committed nothing)
    /// and, after a full sync, when the schedule runs next.
    fn finish_run(
        &self,
        run: &mut Run<'_>,
        run_id: i64,
        failure: Option<&Error>,
    ) -> Result<RunReport> {
        let error = failure
            .map(ToString::to_string)
            .or_else(|| run.write_error.as_ref().map(|e| format!("{e}; {RETRY}")));
        let outcome = match error {
            Some(_) => Outcome::Failed,
            None => outcome_of(&run.counts),
        };
        let mut report = run.report(outcome, error);
        if failure.is_some() {
            report.counts = Counts::default();
        }
        let store = Store::connect_existing(&self.config.data_dir)?;
        let finish = Finish {
            outcome,
            counts: &report.counts,
            duration_ms: report.duration_ms,
            error: report.error.as_deref(),
            snapshot: report.snapshot.as_deref(),
        };
        store::finish_run(&store.conn, run_id, &finish).map_err(|e| store.err(e))?;
        if run.request.scope == RunScope::Full {
            record_schedule(&store, run.started_at)?;
        }
        Ok(report)
    }

    /// Runs a scheduled full sync if one is due (or `force`), logged as `auto` and
    /// as `who` (the scheduler, or whoever forced it). `Ok(None)` means nothing was
    /// due.
    pub fn auto_sync(
        &self,
        force: bool,
        who: &str,
        progress: &mut dyn FnMut(Progress),
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
        };
        self.sync(&request, progress).map(Some)
    }

    /// The warehouse file this engine uses: the configured one, else the stored
    /// setting.
    pub(crate) fn warehouse_with(
        &self,
        settings: &SyncSettings,
    ) -> Result<Warehouse, WarehouseError> {
        warehouse_for(&self.config, settings)
    }
}

fn warehouse_for(config: &Config, settings: &SyncSettings) -> Result<Warehouse, WarehouseError> {
    let path = config
        .external
        .clone()
        .or_else(|| settings.external_path.as_ref().map(PathBuf::from))
        .ok_or(WarehouseError::NotConfigured)?;
    Ok(Warehouse::new(path, config.busy_timeout))
}

/// Opens the warehouse file read-only and binds the stored mappings to its columns.
pub(crate) fn open_checked(
    config: &Config,
    conn: &Connection,
) -> Result<(Warehouse, Reader, Mapper, SyncSettings)> {
    let settings = store::settings(conn).map_err(|e| store_err(config, e))?;
    let mappings = store::mappings(conn).map_err(|e| store_err(config, e))?;
    let warehouse = warehouse_for(config, &settings)?;
    let reader = warehouse.open_read()?;
    let columns = reader.product_columns()?;
    let missing = mapping::missing_columns(&mappings, &columns);
    if !missing.is_empty() {
        return Err(WarehouseError::MissingColumns {
            table: warehouse::PRODUCTS_TABLE.to_owned(),
            columns: missing,
        }
        .into());
    }
    let mapper = Mapper::new(&mappings)?;
    Ok((warehouse, reader, mapper, settings))
}

/// The warehouse rows a scope needs: only `In-stock` ones when nothing else can
/// matter to it (and the status column can be matched as stored).
pub(crate) fn row_filter(scope: &Scope, mapper: &Mapper) -> Option<warehouse::RowFilter> {
    scope
        .only_in_stock_matters()
        .then(|| mapper.in_stock_filter())
        .flatten()
}

/// Plans warehouse `rows` against the tracked reels whose warehouse ids lie in
/// `(after, up_to]`.
fn plan_page_of(
    conn: &Connection,
    rows: Vec<warehouse::ExternalRow>,
    after: i64,
    up_to: i64,
    mapper: &Mapper,
    scope: &Scope,
) -> rusqlite::Result<PagePlan> {
    let tracked = store::tracked_in_range(conn, after, up_to)?;
    let candidates = plan::candidates(&rows, &tracked, mapper, scope);
    let reels: Vec<&str> = candidates.values().map(|c| c.reel.as_str()).collect();
    let known_reels = store::known_reels(conn, &reels)?;
    Ok(plan::plan_page(PageInput {
        rows,
        tracked: &tracked,
        candidates: &candidates,
        known_reels: &known_reels,
        mapper,
        scope,
    }))
}

/// [`plan_page_of`] on a store connection, with its errors in context.
pub(crate) fn plan_rows(
    store: &Store,
    rows: Vec<warehouse::ExternalRow>,
    after: i64,
    up_to: i64,
    mapper: &Mapper,
    scope: &Scope,
) -> Result<PagePlan> {
    plan_page_of(&store.conn, rows, after, up_to, mapper, scope).map_err(|e| store.err(e))
}

/// Gives a main-store error its context.
fn db<T>(config: &Config, result: rusqlite::Result<T>) -> Result<T> {
    result.map_err(|e| store_err(config, e))
}

fn store_err(config: &Config, source: rusqlite::Error) -> Error {
    Error::Store {
        path: config.data_dir.join(store::STORE_FILE),
        source,
    }
}

fn record_schedule(store: &Store, started_at: DateTime<Utc>) -> Result<()> {
    let mut settings = store::settings(&store.conn).map_err(|e| store.err(e))?;
    settings.last_run_at = Some(started_at);
    settings.next_run_at = settings.next_after(started_at);
    store::save_settings(&store.conn, &settings).map_err(|e| store.err(e))
}

/// One run's state while it goes.
struct Run<'a> {
    config: &'a Config,
    request: &'a RunRequest,
    run_id: Option<i64>,
    started_at: DateTime<Utc>,
    /// The run's time, stamped on every row it writes.
    stamp: Stamp,
    clock: Instant,
    counts: Counts,
    /// Dry runs: every item; real runs: the ones that need attention.
    items: Vec<RunItem>,
    /// Items stored so far.
    logged: u64,
    exports: Vec<(String, Export)>,
    snapshot: Option<String>,
    /// Set when some warehouse writes could not be made; the run is then failed,
    /// but what was written is recorded.
    write_error: Option<WarehouseError>,
}

impl<'a> Run<'a> {
    fn new(
        config: &'a Config,
        request: &'a RunRequest,
        started_at: DateTime<Utc>,
        run_id: Option<i64>,
    ) -> Self {
        Self {
            config,
            request,
            run_id,
            started_at,
            stamp: Stamp::new(started_at),
            clock: Instant::now(),
            counts: Counts::default(),
            items: Vec::new(),
            logged: 0,
            exports: Vec::new(),
            snapshot: None,
            write_error: None,
        }
    }

    fn dry(&self) -> bool {
        self.run_id.is_none()
    }

    /// The report so far; it takes the items, so call it once, at the end.
    fn report(&mut self, outcome: Outcome, error: Option<String>) -> RunReport {
        RunReport {
            run_id: self.run_id,
            kind: self.request.kind(),
            dry_run: self.request.dry_run,
            outcome,
            counts: self.counts,
            started_at: self.started_at,
            duration_ms: self.clock.elapsed().as_millis() as u64,
            error,
            snapshot: self.snapshot.clone(),
            items: std::mem::take(&mut self.items),
        }
    }

    fn execute(&mut self, mut conn: Connection, progress: &mut dyn FnMut(Progress)) -> Result<()> {
        let (warehouse, reader, mapper, settings) = open_checked(self.config, &conn)?;
        let scope = scope_for(&self.request.scope, settings.auto_import);
        let behavior = if self.dry() {
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Immediate
        };
        let tx = conn
            .transaction_with_behavior(behavior)
            .map_err(|e| store_err(self.config, e))?;
        let filter = row_filter(&scope, &mapper);
        let total = reader.count_rows(filter.as_ref())?;
        let mut scanned = 0;
        let mut last_id = 0;
        let mut requested_seen = HashSet::new();
        let columns = mapper.columns().to_vec();
        let mut writer = RunWriter::prepare(&tx).map_err(|e| store_err(self.config, e))?;
        for page in reader.pages(&columns, filter.as_ref()) {
            let rows = page?;
            let up_to = rows.last().map_or(last_id, |r| r.id);
            scanned += rows.len() as u64;
            if let ImportPolicy::Reels(reels) = &scope.import {
                requested_seen.extend(
                    rows.iter()
                        .filter_map(|r| mapper.reel_of(&r.values))
                        .filter(|reel| reels.contains(reel)),
                );
            }
            self.plan_and_apply(&mut writer, rows, last_id, up_to, &mapper, &scope)?;
            last_id = up_to;
            progress(Progress {
                scanned,
                total,
                counts: self.counts,
            });
        }
        // Tracked reels past the last row are gone from the warehouse.
        self.plan_and_apply(&mut writer, Vec::new(), last_id, i64::MAX, &mapper, &scope)?;
        if let ImportPolicy::Reels(reels) = &scope.import {
            let mut unseen: Vec<&String> = reels.difference(&requested_seen).collect();
            unseen.sort();
            for reel in unseen {
                self.log(
                    &mut writer,
                    RunItem {
                        reel_number: reel.clone(),
                        action: Action::Reject,
                        reason: Some("not found in the warehouse file".into()),
                        changes: Vec::new(),
                    },
                )?;
                self.counts.rejected += 1;
            }
        }
        self.write_exports(&mut writer, &warehouse, &reader, &mapper, &settings)?;
        // Its statements borrow the transaction, which committing consumes.
        drop(writer);
        if self.dry() {
            return Ok(());
        }
        tx.commit().map_err(|e| store_err(self.config, e))?;
        Ok(())
    }

    fn plan_and_apply(
        &mut self,
        writer: &mut RunWriter<'_>,
        rows: Vec<warehouse::ExternalRow>,
        after: i64,
        up_to: i64,
        mapper: &Mapper,
        scope: &Scope,
    ) -> Result<()> {
        let plan = db(
            self.config,
            plan_page_of(writer.conn(), rows, after, up_to, mapper, scope),
        )?;
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
        let conn = writer.conn();
        let dry = self.dry();
        let now = &self.stamp;
        let config = self.config;
        let mut action = step.action();
        let mut reason = plan::reason(&step.op);
        let mut changes = Vec::new();
        match &step.op {
            Op::Import { mapped } => {
                if dry || db(config, writer.insert_product(step.external_id, mapped, now))? {
                    self.counts.imported += 1;
                } else {
                    action = Action::Reject;
                    reason = Some("a product with this reel number exists already".into());
                    self.counts.rejected += 1;
                }
            }
            Op::Update { product_id, mapped } => {
                let current = db(config, store::product_values(conn, *product_id))?;
                changes = plan::describe(&step.op, current.as_deref());
                if dry || db(config, store::update_fields(conn, *product_id, mapped, now))? {
                    self.counts.updated += 1;
                } else {
                    action = Action::Reject;
                    let taken = mapped
                        .get(ProductField::ReelNumber)
                        .map_or_else(String::new, FieldValue::to_text);
                    reason = Some(format!(
                        "warehouse row cannot be refreshed: its new reel number {taken} is another product's"
                    ));
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
                }
                self.counts.status_in += 1;
            }
            Op::Agree { product_id, status } => {
                if !dry {
                    db(
                        config,
                        store::agree_on_warehouse_status(conn, *product_id, *status, now),
                    )?;
                }
            }
            Op::Conflict { product_id, .. } => {
                changes = plan::describe(&step.op, None);
                if !dry {
                    db(
                        config,
                        store::set_state(conn, *product_id, LinkState::Conflict, reason.as_deref()),
                    )?;
                }
                self.counts.conflicts += 1;
            }
            Op::Missing { product_id } => {
                if !dry {
                    db(
                        config,
                        store::set_state(conn, *product_id, LinkState::Missing, reason.as_deref()),
                    )?;
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

    /// Logs an item: kept in the report for dry runs and for items that need
    /// attention, stored for real runs.
    fn log(&mut self, writer: &mut RunWriter<'_>, item: RunItem) -> Result<()> {
        if let Some(run_id) = self.run_id {
            self.logged += 1;
            db(self.config, writer.insert_item(run_id, self.logged, &item))?;
        }
        let attention = matches!(
            item.action,
            Action::Reject | Action::Conflict | Action::Skip | Action::Missing
        );
        if self.dry() || attention {
            self.items.push(item);
        }
        Ok(())
    }

    /// Snapshots the warehouse, then writes the planned exports by compare-and-set
    /// and records, in the main transaction, the ones the warehouse took.
    fn write_exports(
        &mut self,
        writer: &mut RunWriter<'_>,
        warehouse: &Warehouse,
        reader: &Reader,
        mapper: &Mapper,
        settings: &SyncSettings,
    ) -> Result<()> {
        let exports = std::mem::take(&mut self.exports);
        if exports.is_empty() {
            return Ok(());
        }
        if self.dry() {
            for (reel, export) in exports {
                self.counts.exported += 1;
                let changes = plan::export_changes(&export);
                self.log(
                    writer,
                    RunItem {
                        reel_number: reel,
                        action: Action::Export,
                        reason: None,
                        changes,
                    },
                )?;
            }
            return Ok(());
        }
        self.snapshot = Some(self.take_snapshot(reader, settings.snapshot_retention)?);
        let columns = WriteColumns {
            reel: mapper.reel_column_name(),
            status: mapper.status_column_name(),
            last_date: mapper.last_date_column_name(),
        };
        let mut warehouse_writer = warehouse.open_write()?;
        for batch in exports.chunks(warehouse::WRITE_BATCH) {
            let writes: Vec<StatusWrite> = batch
                .iter()
                .map(|(_, e)| StatusWrite {
                    reel: e.reel.clone(),
                    expected_status: e.expected.clone(),
                    status: e.to_raw.clone(),
                    last_date: e.last_date.clone(),
                })
                .collect();
            let applied = match self.write_error {
                Some(_) => vec![false; batch.len()],
                None => warehouse_writer
                    .compare_and_set(&columns, &writes)
                    .unwrap_or_else(|e| {
                        self.write_error = Some(e);
                        vec![false; batch.len()]
                    }),
            };
            for ((reel, export), took) in batch.iter().zip(applied) {
                self.record_export(writer, reel, export, took, columns.last_date.is_some())?;
            }
        }
        Ok(())
    }

    fn record_export(
        &mut self,
        writer: &mut RunWriter<'_>,
        reel: &str,
        export: &Export,
        took: bool,
        writes_last_date: bool,
    ) -> Result<()> {
        let changes = plan::export_changes(export);
        let item = if took {
            db(
                self.config,
                store::record_export(
                    writer.conn(),
                    export.product_id,
                    export.to,
                    writes_last_date.then_some(export.last_date.as_deref()),
                    export.source_hash_after,
                    &self.stamp,
                ),
            )?;
            self.counts.exported += 1;
            RunItem {
                reel_number: reel.to_owned(),
                action: Action::Export,
                reason: None,
                changes,
            }
        } else {
            let reason = match &self.write_error {
                Some(e) => format!("not written: {e}; {RETRY}"),
                None => "the warehouse changed this reel since it was read; the next run will look again".into(),
            };
            RunItem {
                reel_number: reel.to_owned(),
                action: Action::Skip,
                reason: Some(reason),
                changes,
            }
        };
        self.log(writer, item)
    }

    /// Copies the warehouse file into the data directory and prunes old copies.
    fn take_snapshot(&self, reader: &Reader, retention: u32) -> Result<String> {
        let dir = self.config.data_dir.join(SNAPSHOT_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            context: format!("cannot create snapshot directory {}", dir.display()),
            source,
        })?;
        let name = format!(
            "warehouse-{}-run{}.sqlite3",
            self.started_at.format("%Y%m%dT%H%M%S%.3fZ"),
            self.run_id.unwrap_or_default()
        );
        reader.snapshot(&dir.join(&name))?;
        prune_snapshots(&dir, retention as usize)?;
        Ok(name)
    }
}

/// Deletes the oldest snapshots beyond `keep` (names sort by time).
fn prune_snapshots(dir: &Path, keep: usize) -> Result<()> {
    let io = |source| Error::Io {
        context: format!("cannot prune snapshots in {}", dir.display()),
        source,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("warehouse-") && n.ends_with(".sqlite3"))
        })
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for old in &names[..excess] {
        std::fs::remove_file(old).map_err(io)?;
    }
    Ok(())
}

/// Succeeded, or partial when some reels need attention.
fn outcome_of(counts: &Counts) -> Outcome {
    if counts.rejected > 0 || counts.conflicts > 0 {
        Outcome::Partial
    } else {
        Outcome::Succeeded
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
        },
        RunScope::Import(Selection::All) => Scope {
            import: ImportPolicy::All,
            pull: false,
            push: false,
        },
        RunScope::Import(Selection::Reels(reels)) => Scope {
            import: ImportPolicy::Reels(reels.iter().map(|r| r.trim().to_owned()).collect()),
            pull: false,
            push: false,
        },
        RunScope::Export => Scope {
            import: ImportPolicy::None,
            pull: false,
            push: true,
        },
    }
}
