//! Read-only views: the dashboard figures, the connection check, the importable
//! reels and the run history.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::mapping::{FieldValue, Mapped, ProductField};
use crate::plan::{self, ImportPolicy, Scope};
use crate::report::{ItemFilter, LoggedItem, RunDetail, RunFilter, RunSummary};
use crate::scan::{open_checked, plan_rows, row_filter};
use crate::store::{self, Store};
use crate::warehouse;
use crate::{CheckReport, Dashboard, Engine, StatusCounts};
use crate::{Reason, WarehouseZone};

/// A warehouse reel that may be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportableReel {
    /// The warehouse row id (keyset cursor for the next page).
    pub external_id: i64,
    pub reel_number: String,
    /// Mapped values by field name; rows that would be rejected still list what maps.
    pub fields: HashMap<String, Option<String>>,
    /// Why an import would reject it, if it would.
    pub problem: Option<Reason>,
}

const NOTHING: Scope = Scope {
    import: ImportPolicy::None,
    pull: false,
    push: false,
    resolving: None,
};

impl Engine {
    /// Checks that the warehouse file opens read-only, is SQLite, has a `Products`
    /// table with every mapped column, and is not locked past the busy timeout.
    pub fn check(&self) -> Result<CheckReport> {
        check_with(self.config())
    }

    /// [`Engine::check`] of the file at `path` instead of the configured one: the
    /// settings page tests a path before it is saved.
    pub fn check_file(&self, path: &std::path::Path) -> Result<CheckReport> {
        check_with(&self.config().clone().with_external(path))
    }

    /// The dashboard's live figures. A warehouse that cannot be read does not fail
    /// the call: `importable` is then `None` and `warehouse_error` says why.
    pub fn dashboard(&self) -> Result<Dashboard> {
        self.dashboard_knowing(None)
    }

    /// [`Engine::dashboard`], with the count of importable reels given when the
    /// caller knows it already (a [`Catalogue`](crate::Catalogue) that is up to
    /// date holds exactly those reels), which spares a scan of the warehouse.
    pub fn dashboard_knowing(&self, importable: Option<u64>) -> Result<Dashboard> {
        let store = self.read_store()?;
        let conn = &store.conn;
        let by_status = status_counts(conn).map_err(|e| store.err(e))?;
        let scalar = |sql: &str| {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| store.err(e))
        };
        let tracked = scalar("SELECT count(*) FROM product_mappings")?;
        let conflicts = store::open_conflict_count(conn).map_err(|e| store.err(e))?;
        let missing = scalar("SELECT count(*) FROM product_mappings WHERE state = 'missing'")?;
        let last_run = store::runs(conn, 1)
            .map_err(|e| store.err(e))?
            .into_iter()
            .next();
        let settings = store::settings(conn).map_err(|e| store.err(e))?;
        let counted = match importable {
            Some(known) => Ok(known),
            None => self.count_importable(&store),
        };
        let (importable, warehouse_error, warehouse_problem) = match counted {
            Ok(n) => (Some(n), None, None),
            Err(Error::Warehouse(e)) => (None, Some(e.to_string()), Some(e.problem())),
            Err(other) => return Err(other),
        };
        Ok(Dashboard {
            importable,
            warehouse_error,
            warehouse_problem,
            tracked,
            by_status,
            conflicts,
            missing,
            last_run,
            auto_sync: settings.auto_sync,
            next_run_at: settings.next_run_at,
            warehouse_hold: settings.warehouse_hold,
        })
    }

    fn count_importable(&self, store: &Store) -> Result<u64> {
        let mut count = 0;
        self.scan(store, |plan| count += plan.importable)?;
        Ok(count)
    }

    /// Importable reels after warehouse id `after`, at most `limit`, in warehouse
    /// order: the import grid's pages.
    pub fn importable(&self, after: i64, limit: usize) -> Result<Vec<ImportableReel>> {
        let store = self.read_store()?;
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let columns = mapper.columns().to_vec();
        let scope = Scope {
            import: ImportPolicy::All,
            ..NOTHING
        };
        let filter = row_filter(&scope, &mapper);
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < limit {
            let page = reader.page(&columns, filter.as_ref(), cursor, warehouse::PAGE_SIZE)?;
            let (rows, up_to) = (page.rows, page.read_to);
            let plan = plan_rows(&store, rows.clone(), &mapper, &scope)?;
            out.extend(plan.steps.into_iter().map(|step| {
                let (fields, problem) = match step.op {
                    plan::Op::Import { mapped, .. } => (field_texts(&mapped), None),
                    plan::Op::Reject { reason } => {
                        // A row that does not map shows its raw values.
                        let row = rows.iter().find(|r| r.id == step.external_id);
                        let fields = row.map(|r| mapper.raw_texts(&r.values)).unwrap_or_default();
                        (fields, Some(reason))
                    }
                    _ => (HashMap::new(), None),
                };
                ImportableReel {
                    external_id: step.external_id,
                    reel_number: step.reel_number,
                    fields,
                    problem,
                }
            }));
            cursor = up_to;
            if !page.more {
                break;
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// Plans every warehouse page with nothing to do but count.
    fn scan(&self, store: &Store, mut each: impl FnMut(plan::PagePlan)) -> Result<()> {
        let (_, reader, mapper, _) = open_checked(self.config(), &store.conn)?;
        let columns = mapper.columns().to_vec();
        let filter = row_filter(&NOTHING, &mapper);
        for page in reader.pages(&columns, filter.as_ref()) {
            let plan = plan_rows(store, page?, &mapper, &NOTHING)?;
            each(plan);
        }
        Ok(())
    }

    /// The latest runs, newest first.
    pub fn runs(&self, limit: u32) -> Result<Vec<RunSummary>> {
        let store = self.read_store()?;
        store::runs(&store.conn, limit).map_err(|e| store.err(e))
    }

    /// Runs that pass `filter`, newest first: up to `limit` older than the run
    /// `before` (the last run of the previous page), or the newest.
    pub fn runs_page(
        &self,
        filter: &RunFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<RunSummary>> {
        let store = self.read_store()?;
        store::runs_page(&store.conn, filter, before, limit).map_err(|e| store.err(e))
    }

    /// One logged run, without its items.
    pub fn run_summary(&self, id: i64) -> Result<RunSummary> {
        let store = self.read_store()?;
        store::run(&store.conn, id)
            .map_err(|e| store.err(e))?
            .ok_or_else(|| not_found(id))
    }

    /// A run as it stands and its items logged after `after_seq` that pass
    /// `filter` (up to `limit`). The summary is read first, in the same read
    /// transaction: when it says the run has ended, the items are all there is.
    pub fn run_items(
        &self,
        id: i64,
        filter: &ItemFilter,
        after_seq: u64,
        limit: u32,
    ) -> Result<(RunSummary, Vec<LoggedItem>)> {
        let store = self.read_store()?;
        let read = |conn: &rusqlite::Connection| -> rusqlite::Result<_> {
            let tx = conn.unchecked_transaction()?;
            let run = store::run(&tx, id)?;
            let items = store::run_items_page(&tx, id, filter, after_seq, limit)?;
            Ok(run.map(|run| (run, items)))
        };
        let found = read(&store.conn).map_err(|e| store.err(e))?;
        found.ok_or_else(|| not_found(id))
    }

    /// How many items the run `id` has logged so far (its last item's `seq`).
    pub fn logged_items(&self, id: i64) -> Result<u64> {
        let store = self.read_store()?;
        store::logged_items(&store.conn, id).map_err(|e| store.err(e))
    }

    /// One run with every item it logged.
    pub fn run_detail(&self, id: i64) -> Result<RunDetail> {
        let store = self.read_store()?;
        let run = store::run(&store.conn, id)
            .map_err(|e| store.err(e))?
            .ok_or_else(|| not_found(id))?;
        let items = store::run_items(&store.conn, id).map_err(|e| store.err(e))?;
        Ok(RunDetail { run, items })
    }
}

/// The connection check with `config`'s warehouse file.
fn check_with(config: &crate::Config) -> Result<CheckReport> {
    let store = Store::open_read_only(&config.data_dir)?;
    let (warehouse, reader, _, settings) = open_checked(config, &store.conn)?;
    let mappings = store::mappings(&store.conn).map_err(|e| store.err(e))?;
    Ok(CheckReport {
        time_zone: WarehouseZone::of(&settings)?.to_string(),
        path: warehouse.path().display().to_string(),
        reels: reader.count_rows(None)?,
        columns: reader.product_columns()?,
        mapped_fields: mappings.iter().filter(|m| m.active).count(),
    })
}

fn not_found(run_id: i64) -> Error {
    Error::NotFound {
        what: "run",
        key: run_id.to_string(),
    }
}

fn status_counts(conn: &Connection) -> rusqlite::Result<StatusCounts> {
    let mut counts = StatusCounts::default();
    let mut stmt = conn.prepare("SELECT status, count(*) FROM products GROUP BY status")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    for row in rows {
        let (status, n) = row?;
        match status.as_str() {
            "In-stock" => counts.in_stock = n,
            "Sold" => counts.sold = n,
            "Delivered" => counts.delivered = n,
            _ => {}
        }
    }
    Ok(counts)
}

fn field_texts(mapped: &Mapped) -> HashMap<String, Option<String>> {
    ProductField::ALL
        .iter()
        .map(|f| {
            (
                f.as_str().to_owned(),
                mapped.get(*f).map(FieldValue::to_text),
            )
        })
        .collect()
}
