//! The planner: a pure function from warehouse rows, the tracked reels they match,
//! the mappings and the run's scope to what must happen to each reel.
//!
//! Dry runs, previews and the applier all share it, so what a dry run shows is what
//! a real run does.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::Reason;
use crate::catalogue::Matching;
use crate::mapping::{FieldValue, Mapped, Mapper, ProductField, display_value};
use crate::report::{Action, Change};
use crate::status::ReelStatus;
use crate::warehouse::{Cell, ExternalRow};

/// How a tracked reel's link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Ok,
    /// Statuses moved apart on both sides at the last sync.
    Conflict,
    /// The reel was gone from the warehouse file at the last sync.
    Missing,
}

impl LinkState {
    /// The spelling stored in the main store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Conflict => "conflict",
            Self::Missing => "missing",
        }
    }

    /// Reads the stored spelling (unknown text reads as `Ok`, the state that
    /// re-checks everything).
    pub fn parse(s: &str) -> Self {
        match s {
            "conflict" => Self::Conflict,
            "missing" => Self::Missing,
            _ => Self::Ok,
        }
    }
}

/// A tracked reel as the main store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    pub product_id: i64,
    pub external_id: i64,
    pub reel_number: String,
    /// The status in the main store (the office's side).
    pub office: ReelStatus,
    /// The status both sides agreed on at the last sync.
    pub base: ReelStatus,
    pub field_hash: i64,
    pub state: LinkState,
    /// When the office status last changed; exported as the warehouse's `last_date`.
    pub status_changed_at: DateTime<Utc>,
    /// The status reelsync itself last wrote to the warehouse.
    pub written: Option<ReelStatus>,
}

/// Which reels an import takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportPolicy {
    None,
    All,
    Reels(HashSet<String>),
    /// The reels a grid filter lets through, but some.
    Matching(Box<Matching>),
}

/// What a run may do; the planner leaves out everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub import: ImportPolicy,
    /// Take warehouse statuses and refresh changed fields.
    pub pull: bool,
    /// Write office statuses to the warehouse.
    pub push: bool,
}

impl Scope {
    /// Whether only untracked `In-stock` rows can matter: an import of everything
    /// importable, or a count of it. Then the other rows need not be read.
    pub fn only_in_stock_matters(&self) -> bool {
        !self.pull && !self.push && !matches!(self.import, ImportPolicy::Reels(_))
    }
}

/// What to do to one reel.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Create the product and start tracking it.
    Import { mapped: Mapped },
    /// Copy changed warehouse fields into the product (never its status).
    Update { product_id: i64, mapped: Mapped },
    /// Take the warehouse's status.
    StatusIn {
        product_id: i64,
        from: ReelStatus,
        to: ReelStatus,
    },
    /// Write the office's status to the warehouse, if it still holds `expected`.
    Export(Export),
    /// Both sides hold `status`: record it as the base (and clear a stale state).
    Agree { product_id: i64, status: ReelStatus },
    /// Both sides moved apart; record it, write nothing.
    Conflict {
        product_id: i64,
        warehouse: ReelStatus,
        office: ReelStatus,
        reason: Reason,
    },
    /// Refused; the reason says why.
    Reject { reason: Reason },
    /// The tracked reel's warehouse row is gone.
    Missing { product_id: i64 },
}

/// A compare-and-set write of an office status.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub product_id: i64,
    /// The warehouse row's id.
    pub external_id: i64,
    /// The warehouse's reel number, raw, as the write matches it.
    pub reel: Cell,
    /// The warehouse's status, raw, as read: written over only if still there.
    pub expected: Cell,
    pub from: ReelStatus,
    pub to: ReelStatus,
    /// The warehouse spelling of `to`.
    pub to_raw: String,
    /// The warehouse's `last_date` cell as read (the before-image kept of it);
    /// NULL when `last_date` is not mapped, and then not written.
    pub last_date_before: Cell,
    /// `None` for a cancellation back to stock, as the warehouse app does.
    pub last_date: Option<String>,
    /// The field hash to store once written: the row's as written, or the stored
    /// one while a refresh is still due.
    pub source_hash_after: i64,
}

/// One reel's step in a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub reel_number: String,
    pub external_id: i64,
    pub op: Op,
}

impl Step {
    /// The action the step is logged as.
    pub fn action(&self) -> Action {
        match self.op {
            Op::Import { .. } => Action::Import,
            Op::Update { .. } => Action::Update,
            Op::StatusIn { .. } => Action::StatusIn,
            Op::Export(_) => Action::Export,
            Op::Agree { .. } => Action::Agree,
            Op::Conflict { .. } => Action::Conflict,
            Op::Reject { .. } => Action::Reject,
            Op::Missing { .. } => Action::Missing,
        }
    }
}

/// A page's plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PagePlan {
    pub steps: Vec<Step>,
    /// Untracked `In-stock` rows seen.
    pub importable: u64,
    /// Tracked reels with nothing to do.
    pub unchanged: u64,
}

/// Everything the planner looks at for one page.
pub struct PageInput<'a> {
    /// The page's rows; the planner moves their values into what it imports.
    pub rows: Vec<ExternalRow>,
    /// Tracked reels whose warehouse ids fall in this page's id range, by warehouse
    /// id; those without a row in `rows` are gone from the warehouse.
    pub tracked: &'a HashMap<i64, Tracked>,
    /// The untracked rows worth planning, from [`candidates`].
    pub candidates: &'a HashMap<i64, Candidate>,
    /// Of the reel numbers from [`reels_to_check`], those that are products
    /// already: a candidate with one was imported from a warehouse row since
    /// replaced (never importable again); a tracked row renamed to one can't be
    /// refreshed onto it.
    pub known_reels: &'a HashSet<String>,
    pub mapper: &'a Mapper,
    pub scope: &'a Scope,
}

/// The reel numbers a page's plan must check against the main store: its
/// candidates' and those that tracked rows now carry instead of their own.
pub fn reels_to_check(
    rows: &[ExternalRow],
    tracked: &HashMap<i64, Tracked>,
    candidates: &HashMap<i64, Candidate>,
    mapper: &Mapper,
) -> Vec<String> {
    let renamed = rows.iter().filter_map(|r| {
        let own = &tracked.get(&r.id)?.reel_number;
        // Nearly every row still holds its own reel number as stored: no need to
        // map it to know.
        if mapper.reel_is_direct()
            && matches!(mapper.raw_reel(&r.values), Cell::Text(raw) if raw == own)
        {
            return None;
        }
        mapper.reel_of(&r.values).filter(|reel| reel != own)
    });
    candidates
        .values()
        .map(|c| c.reel.clone())
        .chain(renamed)
        .collect()
}

/// An untracked row that could be imported or was asked for, with its reel
/// number and status worked out once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub reel: String,
    pub status: Option<ReelStatus>,
}

/// The untracked rows of a page that an import could take (`In-stock`) or that were
/// asked for by reel number, by warehouse id. Their reel numbers are what the
/// caller checks against the main store for [`PageInput::known_reels`].
pub fn candidates(
    rows: &[ExternalRow],
    tracked: &HashMap<i64, Tracked>,
    mapper: &Mapper,
    scope: &Scope,
) -> HashMap<i64, Candidate> {
    rows.iter()
        .filter(|r| !tracked.contains_key(&r.id))
        .filter_map(|r| {
            let asked = matches!(&scope.import, ImportPolicy::Reels(reels)
                if mapper.reel_of(&r.values).is_some_and(|reel| reels.contains(&reel)));
            let status = mapper.status_of(&r.values);
            (asked || status == Some(ReelStatus::InStock)).then(|| {
                let reel = mapper.reel_label(r);
                (r.id, Candidate { reel, status })
            })
        })
        .collect()
}

/// Plans one page.
pub fn plan_page(mut input: PageInput<'_>) -> PagePlan {
    let rows = std::mem::take(&mut input.rows);
    let input = &input;
    let mut plan = PagePlan::default();
    let mut seen = HashSet::with_capacity(rows.len());
    for row in rows {
        seen.insert(row.id);
        match input.tracked.get(&row.id) {
            Some(tracked) => plan_tracked(input, &row, tracked, &mut plan),
            None => plan_untracked(input, row, &mut plan),
        }
    }
    if input.scope.pull || input.scope.push {
        let mut gone: Vec<&Tracked> = input
            .tracked
            .values()
            .filter(|t| !seen.contains(&t.external_id) && t.state != LinkState::Missing)
            .collect();
        gone.sort_by_key(|t| t.external_id);
        plan.steps.extend(gone.into_iter().map(|t| Step {
            reel_number: t.reel_number.clone(),
            external_id: t.external_id,
            op: Op::Missing {
                product_id: t.product_id,
            },
        }));
    }
    plan
}

fn plan_untracked(input: &PageInput<'_>, row: ExternalRow, plan: &mut PagePlan) {
    // Neither in stock nor asked for: nothing to plan.
    let Some(Candidate { reel, status }) = input.candidates.get(&row.id) else {
        return;
    };
    let wanted = match &input.scope.import {
        ImportPolicy::None => false,
        ImportPolicy::All | ImportPolicy::Matching(_) => true,
        ImportPolicy::Reels(reels) => reels.contains(reel),
    };
    let matching = match &input.scope.import {
        ImportPolicy::Matching(matching) => Some(matching),
        _ => None,
    };
    let explicit = matches!(input.scope.import, ImportPolicy::Reels(_));
    let reject = |reason: Reason| Step {
        reel_number: reel.clone(),
        external_id: row.id,
        op: Op::Reject { reason },
    };
    if input.known_reels.contains(reel) {
        if explicit && wanted {
            plan.steps.push(reject(Reason::DuplicateRow));
        }
        return;
    }
    let in_stock = *status == Some(ReelStatus::InStock);
    if in_stock {
        plan.importable += 1;
    }
    if !wanted {
        return;
    }
    match input.mapper.map_owned(row.values) {
        // Not among the reels the filter selects (not even to be told why).
        Ok(mapped) if matching.is_some_and(|m| !m.takes(reel, &mapped)) => {}
        Err(_) if matching.is_some() => {}
        Ok(mapped) if in_stock => plan.steps.push(Step {
            reel_number: reel.clone(),
            external_id: row.id,
            op: Op::Import { mapped },
        }),
        // Only an explicit request is told why; a sold reel is simply not offered.
        Ok(_) if explicit => plan
            .steps
            .push(reject(Reason::NotInStock { status: *status })),
        Ok(_) => {}
        Err(rejection) if in_stock || explicit => {
            plan.steps.push(reject(Reason::BadRow(rejection)))
        }
        Err(_) => {}
    }
}

fn plan_tracked(input: &PageInput<'_>, row: &ExternalRow, tracked: &Tracked, plan: &mut PagePlan) {
    let scope = input.scope;
    let reel = tracked.reel_number.clone();
    if let ImportPolicy::Reels(reels) = &scope.import
        && reels.contains(&reel)
    {
        plan.steps.push(Step {
            reel_number: reel.clone(),
            external_id: row.id,
            op: Op::Reject {
                reason: Reason::AlreadyImported,
            },
        });
    }
    if !scope.pull && !scope.push {
        return;
    }
    let before = plan.steps.len();
    let step = |op| Step {
        reel_number: reel.clone(),
        external_id: row.id,
        op,
    };
    let mapper = input.mapper;
    // Whether the product's fields match the row once this plan is applied.
    let mut fields_in_step = mapper.source_hash(&row.values) == tracked.field_hash;
    if scope.pull && !fields_in_step {
        plan.steps.push(step(match mapper.map(&row.values) {
            Ok(mapped) if takes_anothers_reel_number(&mapped, tracked, input.known_reels) => {
                Op::Reject {
                    reason: reel_number_taken(&mapped),
                }
            }
            Ok(mapped) => {
                fields_in_step = true;
                Op::Update {
                    product_id: tracked.product_id,
                    mapped,
                }
            }
            Err(rejection) => Op::Reject {
                reason: Reason::NotRefreshed(rejection),
            },
        }));
    }
    // The reel number and status are what a compare-and-set write matches: a row
    // whose cells can't be read safely as them is left alone, with its reason
    // (once: a failed refresh has given it already).
    let warehouse = match mapper.sync_key(&row.values) {
        Ok(status) => status,
        Err(rejection) => {
            if plan.steps.len() == before {
                plan.steps.push(step(Op::Reject {
                    reason: Reason::StatusNotSynced(rejection),
                }));
            }
            return;
        }
    };
    let merge = merge_status(
        tracked.base,
        warehouse,
        tracked.office,
        tracked.written == Some(warehouse),
    );
    let op = match merge {
        Merge::Unchanged if tracked.state != LinkState::Ok && scope.pull => Some(Op::Agree {
            product_id: tracked.product_id,
            status: warehouse,
        }),
        Merge::Unchanged => None,
        Merge::TakeWarehouse if scope.pull => Some(Op::StatusIn {
            product_id: tracked.product_id,
            from: tracked.office,
            to: warehouse,
        }),
        Merge::Record if scope.pull => Some(Op::Agree {
            product_id: tracked.product_id,
            status: warehouse,
        }),
        Merge::PushOffice if scope.push => Some(match mapper.last_date_problem(&row.values) {
            // Nothing is overwritten that can't be kept to undo it.
            Some(rejection) => Op::Reject {
                reason: Reason::StatusNotExported(rejection),
            },
            None => Op::Export(export(mapper, row, tracked, warehouse, fields_in_step)),
        }),
        Merge::Conflict(reason) => Some(Op::Conflict {
            product_id: tracked.product_id,
            warehouse,
            office: tracked.office,
            reason,
        }),
        Merge::TakeWarehouse | Merge::Record | Merge::PushOffice => None,
    };
    plan.steps.extend(op.map(step));
    if plan.steps.len() == before {
        plan.unchanged += 1;
    }
}

/// Whether a refresh would give `tracked` a reel number another product has.
fn takes_anothers_reel_number(mapped: &Mapped, tracked: &Tracked, known: &HashSet<String>) -> bool {
    match mapped.get(ProductField::ReelNumber) {
        Some(FieldValue::Text(reel)) => *reel != tracked.reel_number && known.contains(reel),
        _ => false,
    }
}

/// The outcome of the three-way status merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// Nobody moved.
    Unchanged,
    /// Take the warehouse's status into the main store.
    TakeWarehouse,
    /// Write the office's status to the warehouse.
    PushOffice,
    /// Both moved to the same status: record it as the new base.
    Record,
    /// Both moved apart; nothing is written.
    Conflict(Reason),
}

/// The three-way status merge of DESIGN.md: only one side moved → take it; both to
/// the same → record; both forward → the further ahead wins; otherwise a conflict. A
/// warehouse `Delivered` is never pushed back, and an office cancellation is pushed
/// only over a value reelsync wrote (`we_wrote_it`): a `Sold` the warehouse app set
/// itself means the reel is on a truck, which only the warehouse can undo.
pub fn merge_status(
    base: ReelStatus,
    warehouse: ReelStatus,
    office: ReelStatus,
    we_wrote_it: bool,
) -> Merge {
    let warehouse_moved = warehouse != base;
    let office_moved = office != base;
    match (warehouse_moved, office_moved) {
        (false, false) => Merge::Unchanged,
        (true, false) => Merge::TakeWarehouse,
        (false, true) if warehouse == ReelStatus::Delivered => {
            Merge::Conflict(Reason::DeliveredIsFinal { office })
        }
        (false, true) if office < warehouse && !we_wrote_it => {
            Merge::Conflict(Reason::SetByWarehouseApp { office, warehouse })
        }
        (false, true) => Merge::PushOffice,
        (true, true) if warehouse == office => Merge::Record,
        (true, true) if warehouse > base && office > base => {
            if warehouse > office {
                Merge::TakeWarehouse
            } else {
                Merge::PushOffice
            }
        }
        (true, true) => Merge::Conflict(Reason::BothMoved {
            base,
            warehouse,
            office,
        }),
    }
}

/// The export of the office's status over `row`. `fields_in_step` says whether the
/// product's fields match the row (as read, or refreshed by this run): only then may
/// the hash of the row as written be stored, or a refresh still due would be lost.
fn export(
    mapper: &Mapper,
    row: &ExternalRow,
    tracked: &Tracked,
    warehouse: ReelStatus,
    fields_in_step: bool,
) -> Export {
    let to = tracked.office;
    let last_date =
        (to != ReelStatus::InStock).then(|| mapper.warehouse_time(tracked.status_changed_at));
    let to_raw = mapper.warehouse_status(to).to_owned();
    // The row as it will read after the write, so the stored hash matches it and the
    // next sync finds nothing to do.
    let mut after = row.values.clone();
    after[mapper.status_position()] = Cell::Text(to_raw.clone());
    let last_date_before = mapper.last_date_position().map_or(Cell::Null, |i| {
        std::mem::replace(&mut after[i], Cell::from(last_date.clone()))
    });
    Export {
        product_id: tracked.product_id,
        external_id: row.id,
        reel: mapper.raw_reel(&row.values).clone(),
        expected: mapper.raw_status(&row.values).clone(),
        from: warehouse,
        to,
        to_raw,
        last_date_before,
        last_date,
        source_hash_after: if fields_in_step {
            mapper.source_hash(&after)
        } else {
            tracked.field_hash
        },
    }
}

/// The changes a step makes, for logs and previews. `current` is the product's
/// values before an update (needed only for [`Op::Update`]).
pub fn describe(op: &Op, current: Option<&[Option<FieldValue>]>) -> Vec<Change> {
    let status = |from: ReelStatus, to: ReelStatus| Change {
        field: "status".into(),
        old: Some(from.as_str().into()),
        new: Some(to.as_str().into()),
    };
    match op {
        Op::Update { mapped, .. } => current.map_or_else(Vec::new, |c| diff(c, mapped)),
        Op::StatusIn { from, to, .. } => vec![status(*from, *to)],
        Op::Export(e) => export_changes(e),
        Op::Conflict {
            warehouse, office, ..
        } => vec![status(*office, *warehouse)],
        Op::Import { .. } | Op::Agree { .. } | Op::Reject { .. } | Op::Missing { .. } => Vec::new(),
    }
}

/// What an export changes in the warehouse row.
pub fn export_changes(export: &Export) -> Vec<Change> {
    let mut changes = vec![Change {
        field: "status".into(),
        old: Some(export.from.as_str().into()),
        new: Some(export.to.as_str().into()),
    }];
    let before =
        (export.last_date_before != Cell::Null).then(|| display_value(&export.last_date_before));
    if before != export.last_date {
        changes.push(Change {
            field: "last_date".into(),
            old: before,
            new: export.last_date.clone(),
        });
    }
    changes
}

/// The fields (all but status) whose values differ between a product's `old`
/// values and `new` ones.
pub fn diff(old: &[Option<FieldValue>], new: &Mapped) -> Vec<Change> {
    ProductField::ALL
        .iter()
        .filter(|f| {
            **f != ProductField::Status
                && new.fields.contains(**f)
                && old[f.index()].as_ref() != new.get(**f)
        })
        .map(|f| Change {
            field: f.as_str().into(),
            old: old[f.index()].as_ref().map(FieldValue::to_text),
            new: new.get(*f).map(FieldValue::to_text),
        })
        .collect()
}

/// Why a refresh onto `mapped`'s reel number is refused: another product has it.
pub fn reel_number_taken(mapped: &Mapped) -> Reason {
    let reel_number = mapped
        .get(ProductField::ReelNumber)
        .map_or_else(String::new, FieldValue::to_text);
    Reason::ReelNumberTaken { reel_number }
}

/// Why a step is logged as it is, when it needs saying.
pub fn reason(op: &Op) -> Option<Reason> {
    match op {
        Op::Reject { reason } | Op::Conflict { reason, .. } => Some(reason.clone()),
        Op::Missing { .. } => Some(Reason::GoneFromWarehouse),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReelStatus::{Delivered as D, InStock as I, Sold as S};

    #[test]
    fn merge_follows_the_design_table() {
        let cases = [
            // (base, warehouse, office) → outcome
            ((I, I, I), Merge::Unchanged),
            ((I, S, I), Merge::TakeWarehouse),
            ((S, I, S), Merge::TakeWarehouse), // warehouse cancelled a shipment
            ((I, I, S), Merge::PushOffice),
            ((S, S, I), Merge::PushOffice), // office cancellation
            ((I, S, S), Merge::Record),
            ((I, D, S), Merge::TakeWarehouse),
            ((I, S, D), Merge::PushOffice),
        ];
        for ((base, warehouse, office), expected) in cases {
            assert_eq!(
                merge_status(base, warehouse, office, true),
                expected,
                "{base}/{warehouse}/{office}"
            );
        }
    }

    #[test]
    fn a_cancellation_is_pushed_only_over_a_value_reelsync_wrote() {
        assert_eq!(merge_status(S, S, I, true), Merge::PushOffice);
        assert!(matches!(merge_status(S, S, I, false), Merge::Conflict(_)));
        // Forward moves need no such proof.
        assert_eq!(merge_status(I, I, S, false), Merge::PushOffice);
    }

    #[test]
    fn moving_apart_or_back_from_delivered_is_a_conflict() {
        for (base, warehouse, office) in [(S, I, D), (S, D, I), (D, D, S), (D, D, I)] {
            assert!(
                matches!(
                    merge_status(base, warehouse, office, true),
                    Merge::Conflict(_)
                ),
                "{base}/{warehouse}/{office}"
            );
        }
    }
}
