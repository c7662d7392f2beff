//! The planner: a pure function from warehouse rows, the tracked reels they match,
//! the mappings and the run's scope to what must happen to each reel.
//!
//! A reel is its reel number: a row is matched to the tracked reel whose number it
//! carries, and a row id only tells a corrected label from a new reel. A row created
//! at another time than the reel's is a new row of it (entered again, or a swapped
//! label), whose merge starts from `In-stock`; a row back at the before-image of
//! reelsync's own last write lost that write. What a page can't settle (a tracked
//! reel no page carried) is planned once the scan is over ([`plan_unseen`]).
//!
//! Dry runs, previews and the applier all share it, so what a dry run shows is what
//! a real run does.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::mapping::{FieldValue, Mapped, Mapper, ProductField, display_value};
use crate::matching::Matching;
use crate::report::{Action, Change};
use crate::status::ReelStatus;
use crate::warehouse::{Cell, ExternalRow};
use crate::{Keep, Reason};

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
    /// The warehouse row it was last found on: only a hint (the reel is found by
    /// its number), used to tell a corrected label from a new reel.
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
    /// When its warehouse row was created, as last seen (`None`: not known yet).
    pub born: Option<String>,
    /// reelsync's last write to the reel's row, while the link still holds the
    /// status it wrote: what a file that lost the write holds again.
    pub last_write: Option<LastWrite>,
}

/// The before-image of reelsync's last write to a reel's warehouse row.
#[derive(Debug, Clone, PartialEq)]
pub struct LastWrite {
    pub run_id: i64,
    /// The raw status the write overwrote.
    pub status_before: Cell,
    /// The row's field hash just before the write.
    pub source_hash_before: i64,
    /// The row's creation time when written.
    pub born: Option<String>,
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
    /// A resolution: only its reels, and the side it keeps where they conflict.
    pub resolving: Option<Resolving>,
}

impl Scope {
    /// Whether only untracked `In-stock` rows can matter: an import of everything
    /// importable, or a count of it. Then the other rows need not be read.
    pub fn only_in_stock_matters(&self) -> bool {
        !self.pull && !self.push && !matches!(self.import, ImportPolicy::Reels(_))
    }

    /// Whether the run looks at tracked reels (and so at those it can't find).
    pub fn syncs(&self) -> bool {
        self.pull || self.push
    }
}

/// What to do to one reel.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Create the product and start tracking it (`born`: when its row was created).
    Import {
        mapped: Mapped,
        born: Option<String>,
    },
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
    Conflict(Apart),
    /// Refused; the reason says why.
    Reject { reason: Reason },
    /// The tracked reel's number is on no warehouse row.
    Missing { product_id: i64, reason: Reason },
    /// The tracked reel is on another warehouse row than its link says: a file
    /// with new ids (no reason: nothing to tell), a reel entered again or a
    /// corrected label (the reason says which). `base` starts the link afresh.
    Relink(Relink),
}

/// A tracked reel whose statuses moved apart on both sides, as a sync found
/// it: what its conflict record keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Apart {
    pub product_id: i64,
    /// The status both sides last agreed on.
    pub base: ReelStatus,
    pub office: ReelStatus,
    /// When the office status last changed.
    pub office_at: DateTime<Utc>,
    /// The status the warehouse decided, with the row's `last_date` and
    /// `location` as read.
    pub warehouse: ReelStatus,
    pub warehouse_at: Option<String>,
    pub location: Option<String>,
    pub reason: Reason,
}

impl Apart {
    /// `tracked` apart from the warehouse's `warehouse` status on `row`.
    fn of(
        tracked: &Tracked,
        mapper: &Mapper,
        row: &ExternalRow,
        warehouse: ReelStatus,
        reason: Reason,
    ) -> Self {
        Self {
            product_id: tracked.product_id,
            base: tracked.base,
            office: tracked.office,
            office_at: tracked.status_changed_at,
            warehouse,
            warehouse_at: mapper.last_date_of(&row.values),
            location: mapper.location_of(&row.values),
            reason,
        }
    }
}

/// A resolution run's reels: only these are looked at, and where their
/// statuses are still apart, `keep` decides, as long as the warehouse still
/// holds the status the person was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolving {
    pub keep: Keep,
    /// The warehouse status shown, by reel number.
    pub shown: HashMap<String, ReelStatus>,
}

impl Resolving {
    /// The merge of a reel being resolved: `merge` as the sync found it, unless
    /// still a conflict, which the side kept decides. A warehouse that moved
    /// since the person looked keeps the conflict open, with its new status.
    fn decide(&self, reel: &str, merge: Merge, warehouse: ReelStatus) -> Merge {
        match self.shown.get(reel) {
            Some(shown) if *shown != warehouse => Merge::Conflict(Reason::ChangedSinceShown {
                shown: *shown,
                now: warehouse,
            }),
            _ => match (merge, self.keep) {
                (Merge::Conflict(_), Keep::Warehouse) => Merge::TakeWarehouse,
                (Merge::Conflict(_), Keep::Office) => Merge::PushOffice,
                (merge, _) => merge,
            },
        }
    }
}

/// A tracked reel's link moved to another warehouse row.
#[derive(Debug, Clone, PartialEq)]
pub struct Relink {
    pub product_id: i64,
    pub external_id: i64,
    pub born: Option<String>,
    /// The status both sides are taken to agree on from now (a new row starts
    /// `In-stock`); `None` keeps the base.
    pub base: Option<ReelStatus>,
    /// With a new base: the status reelsync wrote to the row, when it holds one
    /// (another reel's: then a later run, should this one not put the reel's own
    /// status there, still knows the row's status is reelsync's to overwrite).
    pub written: Option<ReelStatus>,
    /// What to tell; `None` for a silent move of the hint.
    pub reason: Option<Reason>,
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
    /// The row's field hash as read (kept to tell a lost write later).
    pub source_hash_before: i64,
    /// The row's creation time, when known.
    pub born: Option<String>,
    /// The row's location as read (it names the forklift's `Anbar_` table).
    pub location: Option<String>,
    /// The run whose write of this status the warehouse file lost, when this
    /// writes it again.
    pub lost_from: Option<i64>,
    /// The reel whose status, written by reelsync, the row held instead of this
    /// reel's own (labels swapped), when this puts the reel's own back.
    pub corrects: Option<String>,
    /// What the reel's forklift copy holds while in step with the warehouse: the
    /// status the warehouse decided (not the row's, when that is another reel's).
    pub copy_expected: Cell,
}

impl Export {
    /// The action the export is logged as once written.
    pub fn action(&self) -> Action {
        if self.lost_from.is_some() {
            Action::Rewritten
        } else {
            Action::Export
        }
    }

    /// Why, when it needs saying: a lost write written again, or another reel's
    /// status replaced.
    pub fn reason(&self) -> Option<Reason> {
        match (&self.lost_from, &self.corrects) {
            (Some(run_id), _) => Some(Reason::LostWrite { run_id: *run_id }),
            (None, Some(reel_number)) => Some(Reason::AnothersStatus {
                reel_number: reel_number.clone(),
            }),
            (None, None) => None,
        }
    }
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
        match &self.op {
            Op::Import { .. } => Action::Import,
            Op::Update { .. } => Action::Update,
            Op::StatusIn { .. } => Action::StatusIn,
            Op::Export(export) => export.action(),
            Op::Agree { .. } => Action::Agree,
            Op::Conflict(_) => Action::Conflict,
            Op::Reject { .. } => Action::Reject,
            Op::Missing { .. } => Action::Missing,
            Op::Relink(_) => Action::Relink,
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

/// What a run has learnt about identity so far, page after page: the tracked
/// reels found under their numbers, and the rows held back as perhaps a tracked
/// reel under a corrected label until the scan shows whether its old number is
/// anywhere else.
#[derive(Debug, Default)]
pub struct Identity {
    /// Products found on a warehouse row by their reel number.
    pub seen: HashSet<i64>,
    /// Rows on a tracked reel's last row that carry a number nobody tracks and
    /// were not provably created at another time.
    pub relabelled: Vec<Relabelled>,
    /// The reel numbers of the main store's products, when loaded: a page's
    /// other numbers are not looked up.
    pub known: Option<KnownNumbers>,
}

/// A set of reel numbers kept as 64-bit digests, a few bytes each: it can say
/// that a number is surely not in it, which spares a sync the look-up of every
/// warehouse row reelsync never imported. A digest shared by two numbers only
/// costs a look-up that finds nothing.
#[derive(Debug, Default)]
pub struct KnownNumbers(HashSet<u64>);

impl KnownNumbers {
    /// Whether `reel` may be in the set.
    pub fn may_hold(&self, reel: &str) -> bool {
        self.0.contains(&digest(reel))
    }

    /// Adds `reel` to the set.
    pub fn add(&mut self, reel: &str) {
        self.0.insert(digest(reel));
    }
}

fn digest(reel: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(reel.as_bytes())
}

/// Tracked reels by the warehouse row id they were last found on (two links
/// may point at one row for a while: after a rebuilt file, or a reel gone).
pub type LinksByRow = HashMap<i64, Vec<Tracked>>;

/// A row that may be a tracked reel under a corrected label.
#[derive(Debug)]
pub struct Relabelled {
    pub tracked: Tracked,
    pub row: ExternalRow,
    /// Its reel number, as read.
    pub reel: String,
    /// Whether it was created when the reel was (both times known): then it is
    /// that reel. Without a time to compare, it may be, or may not.
    pub certain: bool,
}

/// Everything the planner looks at for one page.
pub struct PageInput<'a> {
    /// The page's rows; the planner moves their values into what it imports.
    pub rows: Vec<ExternalRow>,
    /// Each row's reel number ([`Mapper::reel_of`]), in the same order.
    pub reels: Vec<Option<String>>,
    /// The tracked reels among the page's reel numbers, by reel number.
    pub tracked: &'a HashMap<String, Tracked>,
    /// Tracked reels last found on one of the page's other rows, by that row's
    /// id: the row may be the reel under a corrected label.
    pub hinted: &'a LinksByRow,
    /// reelsync's writes to each row new to the reel its number names, newest
    /// first, by the row's creation time: the row may hold another reel's status.
    pub row_writes: &'a HashMap<String, Vec<RowWrite>>,
    pub mapper: &'a Mapper,
    pub scope: &'a Scope,
}

/// A write of reelsync's to a warehouse row, whichever reel it was for.
#[derive(Debug, Clone, PartialEq)]
pub struct RowWrite {
    pub reel_number: String,
    /// The raw reel number the write matched.
    pub reel: Cell,
    pub status_before: Cell,
    pub status_after: String,
    /// The row's field hash as the write left it.
    pub source_hash_after: i64,
}

/// The creation times of the rows new to the tracked reel whose number they
/// carry (created at another time than the reel's): their last write may be
/// another reel's.
pub fn reborn_rows(
    rows: &[ExternalRow],
    reels: &[Option<String>],
    tracked: &HashMap<String, Tracked>,
    mapper: &Mapper,
) -> Vec<String> {
    rows.iter()
        .zip(reels)
        .filter_map(|(row, reel)| {
            let t = reel.as_ref().and_then(|r| tracked.get(r))?;
            let born = mapper.born_of(&row.values)?;
            born_apart(Some(&born), t.born.as_deref()).then_some(born)
        })
        .collect()
}

/// Plans one page, adding to what `identity` knows.
pub fn plan_page(mut input: PageInput<'_>, identity: &mut Identity) -> PagePlan {
    let rows = std::mem::take(&mut input.rows);
    let reels = std::mem::take(&mut input.reels);
    let input = &input;
    let mut plan = PagePlan::default();
    for (row, reel) in rows.into_iter().zip(reels) {
        // A resolution looks at its own reels only.
        if let Some(resolving) = &input.scope.resolving
            && !reel
                .as_ref()
                .is_some_and(|r| resolving.shown.contains_key(r))
        {
            continue;
        }
        match reel.as_ref().and_then(|r| input.tracked.get(r)) {
            Some(tracked) if !identity.seen.insert(tracked.product_id) => {
                // Only when mapping makes two raw numbers one (the column is UNIQUE).
                if input.scope.syncs() {
                    plan.steps.push(Step {
                        reel_number: tracked.reel_number.clone(),
                        external_id: row.id,
                        op: Op::Reject {
                            reason: Reason::TwoRows,
                        },
                    });
                }
            }
            Some(tracked) => plan_tracked(input, &row, tracked, &mut plan),
            None => match hinted_reel(input, &row, identity) {
                // The reel's own row, its number unreadable, and not created at
                // another time: told why it can't be synced, never taken for gone,
                // never offered.
                Some(hinted) if reel.is_none() && !born_elsewhen(input.mapper, &row, hinted) => {
                    identity.seen.insert(hinted.product_id);
                    plan_tracked(input, &row, hinted, &mut plan);
                }
                Some(hinted) => {
                    let born = input.mapper.born_of(&row.values);
                    match (born_elsewhen(input.mapper, &row, hinted), reel) {
                        // An import decides nothing about tracked reels: the row,
                        // maybe the reel under a corrected label, is not offered,
                        // and one asked for by number is told why.
                        (false, Some(reel)) if !input.scope.syncs() => {
                            if matches!(&input.scope.import, ImportPolicy::Reels(asked) if asked.contains(&reel))
                            {
                                plan.steps.push(Step {
                                    reel_number: reel,
                                    external_id: row.id,
                                    op: Op::Reject {
                                        reason: Reason::AlreadyImported,
                                    },
                                });
                            }
                        }
                        (false, Some(reel)) => identity.relabelled.push(Relabelled {
                            tracked: hinted.clone(),
                            certain: born.is_some() && born == hinted.born,
                            row,
                            reel,
                        }),
                        (_, reel) => plan_untracked(input, row, reel, &mut plan),
                    }
                }
                _ => plan_untracked(input, row, reel, &mut plan),
            },
        }
    }
    plan
}

/// The tracked reel, not found yet, last found on `row` (which carries no
/// tracked number): of several, one created when the row was, else one whose
/// creation time is unknown, else the first.
fn hinted_reel<'i>(
    input: &'i PageInput<'_>,
    row: &ExternalRow,
    identity: &Identity,
) -> Option<&'i Tracked> {
    let candidates: Vec<&Tracked> = input
        .hinted
        .get(&row.id)?
        .iter()
        .filter(|t| !identity.seen.contains(&t.product_id))
        .collect();
    let born = input.mapper.born_of(&row.values);
    candidates
        .iter()
        .find(|t| born.is_some() && t.born == born)
        .or_else(|| {
            candidates
                .iter()
                .find(|t| !born_elsewhen(input.mapper, row, t))
        })
        .or(candidates.first())
        .copied()
}

/// Whether `row` was created at another time than `tracked`'s row (both times
/// known): then it is another reel's row, whatever its id.
fn born_elsewhen(mapper: &Mapper, row: &ExternalRow, tracked: &Tracked) -> bool {
    born_apart(
        mapper.born_of(&row.values).as_deref(),
        tracked.born.as_deref(),
    )
}

/// Whether two creation times are both known and differ: then they are two rows,
/// whatever else they share.
pub(crate) fn born_apart(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a != b)
}

/// Plans, once the scan is over, the tracked reels it did not find under their
/// numbers (`unseen`), and the rows held back meanwhile. A reel whose last row
/// now carries a number nobody tracks and was created when the reel was is that
/// reel with its label corrected: followed. Where the row's creation time can't
/// be compared, it may or may not be: a conflict on the reel, and the row is not
/// offered, until someone checks the label. The other reels are missing. A row
/// held for a reel that turned up under its own number is planned as any other.
pub fn plan_unseen(
    unseen: Vec<Tracked>,
    identity: &mut Identity,
    mapper: &Mapper,
    scope: &Scope,
) -> PagePlan {
    let mut plan = PagePlan::default();
    let input = PageInput {
        rows: Vec::new(),
        reels: Vec::new(),
        tracked: &HashMap::new(),
        hinted: &HashMap::new(),
        row_writes: &HashMap::new(),
        mapper,
        scope,
    };
    let mut relabelled = HashMap::new();
    for held in std::mem::take(&mut identity.relabelled) {
        if identity.seen.contains(&held.tracked.product_id) {
            plan_untracked(&input, held.row, Some(held.reel), &mut plan);
        } else {
            relabelled.insert(held.tracked.product_id, held);
        }
    }
    // A resolution decides nothing about the reels it did not find: one it was
    // asked for that no row carries stays as it is (the run says so).
    if scope.resolving.is_some() {
        return plan;
    }
    for tracked in unseen {
        let step = |external_id, op| Step {
            reel_number: tracked.reel_number.clone(),
            external_id,
            op,
        };
        match relabelled.remove(&tracked.product_id) {
            Some(held) if held.certain => {
                plan.steps.push(step(
                    held.row.id,
                    Op::Relink(Relink {
                        product_id: tracked.product_id,
                        external_id: held.row.id,
                        born: tracked.born.clone(),
                        base: None,
                        written: None,
                        reason: Some(Reason::LabelCorrected {
                            reel_number: held.reel,
                        }),
                    }),
                ));
                identity.seen.insert(tracked.product_id);
                plan_tracked(&input, &held.row, &tracked, &mut plan);
            }
            Some(held) => {
                let warehouse = mapper.status_of(&held.row.values).unwrap_or(tracked.office);
                let reason = Reason::RowRenamed {
                    reel_number: held.reel,
                };
                plan.steps.push(step(
                    held.row.id,
                    Op::Conflict(Apart::of(&tracked, mapper, &held.row, warehouse, reason)),
                ))
            }
            None => plan.steps.push(step(
                tracked.external_id,
                Op::Missing {
                    product_id: tracked.product_id,
                    reason: Reason::GoneFromWarehouse,
                },
            )),
        }
    }
    plan
}

fn plan_untracked(
    input: &PageInput<'_>,
    row: ExternalRow,
    reel: Option<String>,
    plan: &mut PagePlan,
) {
    let asked = matches!((&input.scope.import, &reel), (ImportPolicy::Reels(reels), Some(r))
        if reels.contains(r));
    let status = input.mapper.status_of(&row.values);
    // Neither in stock nor asked for: nothing to plan.
    if !asked && status != Some(ReelStatus::InStock) {
        return;
    }
    let reel = reel.unwrap_or_else(|| format!("#{}", row.id));
    let wanted = match &input.scope.import {
        ImportPolicy::None => false,
        ImportPolicy::All | ImportPolicy::Matching(_) => true,
        ImportPolicy::Reels(reels) => reels.contains(&reel),
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
    let in_stock = status == Some(ReelStatus::InStock);
    if in_stock {
        plan.importable += 1;
    }
    if !wanted {
        return;
    }
    let born = input.mapper.born_of(&row.values);
    match input.mapper.map_owned(row.values) {
        // Not among the reels the filter selects (not even to be told why).
        Ok(mapped) if matching.is_some_and(|m| !m.takes(&reel, &mapped)) => {}
        Err(_) if matching.is_some() => {}
        Ok(mapped) if in_stock => plan.steps.push(Step {
            reel_number: reel.clone(),
            external_id: row.id,
            op: Op::Import { mapped, born },
        }),
        // Only an explicit request is told why; a sold reel is simply not offered.
        Ok(_) if explicit => plan.steps.push(reject(Reason::NotInStock { status })),
        Ok(_) => {}
        Err(rejection) if in_stock || explicit => {
            plan.steps.push(reject(Reason::BadRow(rejection)))
        }
        Err(_) => {}
    }
}

/// How a tracked reel's merge starts: from its link as stored, or afresh when its
/// row is new to it or lost reelsync's write.
struct MergeStart {
    base: ReelStatus,
    /// The status the warehouse decided for the reel.
    warehouse: ReelStatus,
    /// The reel whose status, written by reelsync, the row holds instead.
    foreign: Option<String>,
    /// Whether the warehouse's status is one reelsync wrote (a cancellation may
    /// then be pushed over it).
    we_wrote_it: bool,
    /// The run whose write the row lost.
    lost_from: Option<i64>,
    /// Whether the base differs from the stored one and must be recorded even
    /// when nothing else happens.
    rebased: bool,
    /// Whether the row's status is one reelsync wrote there (for this reel or
    /// another): a link moved to it takes it as reelsync's own write.
    row_written: bool,
}

fn plan_tracked(input: &PageInput<'_>, row: &ExternalRow, tracked: &Tracked, plan: &mut PagePlan) {
    let scope = input.scope;
    let reel = tracked.reel_number.clone();
    let step = |op| Step {
        reel_number: reel.clone(),
        external_id: row.id,
        op,
    };
    if let ImportPolicy::Reels(reels) = &scope.import
        && reels.contains(&reel)
    {
        plan.steps.push(step(Op::Reject {
            reason: Reason::AlreadyImported,
        }));
    }
    if !scope.syncs() {
        return;
    }
    let mapper = input.mapper;
    let born = mapper.born_of(&row.values);
    // Entered again (or another row under its number): a row created at another
    // time than the reel's knows nothing of what reelsync wrote before; it
    // starts, as every new row does, in stock.
    let reborn = born_apart(born.as_deref(), tracked.born.as_deref());
    let relinked_at = plan.steps.len();
    if reborn {
        plan.steps.push(step(Op::Relink(Relink {
            product_id: tracked.product_id,
            external_id: row.id,
            born: born.clone(),
            base: Some(ReelStatus::InStock),
            written: None,
            reason: Some(Reason::Reentered {
                was_born: tracked.born.clone(),
                born: born.clone(),
            }),
        })));
    } else if tracked.external_id != row.id || (tracked.born.is_none() && born.is_some()) {
        // The same reel on a row with a new id (a rebuilt file): nothing to tell.
        plan.steps.push(step(Op::Relink(Relink {
            product_id: tracked.product_id,
            external_id: row.id,
            born: born.clone(),
            base: None,
            written: None,
            reason: None,
        })));
    }
    let before = plan.steps.len();
    let key = mapper.sync_key(&row.values);
    let merge_from = key.as_ref().ok().map(|warehouse| {
        (
            *warehouse,
            merge_start(input, row, tracked, born.as_ref(), reborn, *warehouse),
        )
    });
    // Whether the product's fields match the row once this plan is applied. A
    // row that lost reelsync's write is back at what it held before the write;
    // writing it again brings back what the product holds.
    let lost = merge_from
        .as_ref()
        .is_some_and(|(_, s)| s.lost_from.is_some());
    // (When the product was refreshed since, or the write was made while a
    // refresh was due, the row as rewritten differs from it: then it is due.)
    let mut fields_in_step = if lost {
        mapper.source_hash(&written_row(mapper, row, tracked, tracked.office).0)
            == tracked.field_hash
    } else {
        mapper.source_hash(&row.values) == tracked.field_hash
    };
    if scope.pull && !fields_in_step {
        plan.steps.push(step(match mapper.map(&row.values) {
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
    // whose cells can't be read safely as them is left alone, with its reason (in
    // place of a failed refresh's: a status not synced matters more).
    let Some((warehouse, start)) = merge_from else {
        if let Err(rejection) = key {
            let reason = Reason::StatusNotSynced(rejection);
            match plan.steps[before..].last_mut() {
                Some(Step {
                    op: Op::Reject { reason: refresh },
                    ..
                }) => *refresh = reason,
                _ => plan.steps.push(step(Op::Reject { reason })),
            }
        }
        return;
    };
    // The row holds a status reelsync wrote there: the link takes it as
    // reelsync's own write, so that even if this run's write of the reel's status
    // is not made, the next run writes it rather than take that status in.
    if start.row_written
        && let Some(Step {
            op: Op::Relink(relink),
            ..
        }) = plan.steps.get_mut(relinked_at)
    {
        relink.base = Some(warehouse);
        relink.written = Some(warehouse);
    }
    // The status the warehouse decided, which is not the row's when the row
    // holds a status reelsync wrote for another reel.
    let decided = start.warehouse;
    let mut merge = merge_status(start.base, decided, tracked.office, start.we_wrote_it);
    if let Some(resolving) = &scope.resolving {
        merge = resolving.decide(&reel, merge, decided);
    }
    let agree = Op::Agree {
        product_id: tracked.product_id,
        status: decided,
    };
    let export_to = |to: ReelStatus, lost_from, corrects: Option<String>| {
        // Nothing is overwritten that can't be kept to undo it.
        match mapper.last_date_problem(&row.values) {
            Some(rejection) => Op::Reject {
                reason: Reason::StatusNotExported(rejection),
            },
            None => {
                let mut export = export(mapper, row, tracked, warehouse, to, fields_in_step);
                export.lost_from = lost_from;
                export.corrects = corrects;
                export.copy_expected = Cell::Text(mapper.warehouse_status(decided).to_owned());
                Op::Export(export)
            }
        }
    };
    // What both sides hold once the merge is applied.
    let settled = match &merge {
        Merge::TakeWarehouse => Some(decided),
        Merge::Conflict(_) => None,
        _ => Some(tracked.office),
    };
    let op = match merge {
        // The row holds another reel's status: it gets this reel's own.
        _ if start.foreign.is_some() && scope.push && settled.is_some_and(|s| s != warehouse) => {
            if merge == Merge::TakeWarehouse && scope.pull {
                plan.steps.push(step(Op::StatusIn {
                    product_id: tracked.product_id,
                    from: tracked.office,
                    to: decided,
                }));
            }
            settled.map(|to| export_to(to, None, start.foreign.clone()))
        }
        Merge::Unchanged if (tracked.state != LinkState::Ok || start.rebased) && scope.pull => {
            Some(agree)
        }
        Merge::Unchanged => None,
        Merge::TakeWarehouse if scope.pull => Some(Op::StatusIn {
            product_id: tracked.product_id,
            from: tracked.office,
            to: decided,
        }),
        Merge::Record if scope.pull => Some(agree),
        Merge::PushOffice if scope.push => Some(export_to(tracked.office, start.lost_from, None)),
        Merge::Conflict(reason) => Some(Op::Conflict(Apart::of(
            tracked, mapper, row, decided, reason,
        ))),
        Merge::TakeWarehouse | Merge::Record | Merge::PushOffice => None,
    };
    plan.steps.extend(op.map(step));
    if plan.steps.len() == before {
        plan.unchanged += 1;
    }
}

/// Where the merge of `tracked` against `row` starts.
///
/// A row new to the reel starts in stock, unless it is an older row of the reel
/// back (a restored copy) exactly as reelsync's newest write to it left it: then
/// from that status, as reelsync's own. When it holds the status reelsync last
/// wrote to it for another reel (two labels swapped after a sale), that status is
/// not this reel's, and the merge takes the row as it was before that write. A row holding exactly what reelsync's last write to it overwrote (its
/// status and every mapped cell, `logs` and `last_date` included, and created
/// when it was) lost that write, to a restored or older copy of the file: nobody
/// decided it, so the merge starts from before the write and the office's status
/// is written again.
fn merge_start(
    input: &PageInput<'_>,
    row: &ExternalRow,
    tracked: &Tracked,
    born: Option<&String>,
    reborn: bool,
    warehouse: ReelStatus,
) -> MergeStart {
    let mapper = input.mapper;
    let writes = born.and_then(|born| input.row_writes.get(born));
    // An older row of the reel, back (a restored copy) exactly as reelsync's
    // newest write to it left it: that status is reelsync's, not a decision.
    let own = writes.and_then(|ws| ws.first()).is_some_and(|w| {
        w.reel_number == tracked.reel_number
            && *mapper.raw_status(&row.values) == Cell::Text(w.status_after.clone())
            && mapper.source_hash(&row.values) == w.source_hash_after
    });
    if reborn && own {
        return MergeStart {
            base: warehouse,
            warehouse,
            we_wrote_it: true,
            lost_from: None,
            foreign: None,
            rebased: tracked.base != warehouse,
            row_written: true,
        };
    }
    if reborn {
        // The newest write for another reel that left the row exactly as it is
        // now, but for its reel number (a swapped label): its status is that
        // reel's, not this one's. A write that found the status it wrote already
        // there decided nothing: the one before it did (two writes can leave
        // the same image when their `last_date`s fall in the same tick).
        let foreign = writes.into_iter().flatten().find(|w| {
            w.reel_number != tracked.reel_number
                && w.status_before != Cell::Text(w.status_after.clone())
                && *mapper.raw_status(&row.values) == Cell::Text(w.status_after.clone())
                && {
                    let mut as_written = row.values.clone();
                    as_written[mapper.reel_position()] = w.reel.clone();
                    mapper.source_hash(&as_written) == w.source_hash_after
                }
        });
        let before = foreign.and_then(|w| {
            let mut values = row.values.clone();
            values[mapper.status_position()] = w.status_before.clone();
            mapper.status_of(&values)
        });
        return MergeStart {
            base: ReelStatus::InStock,
            warehouse: before.unwrap_or(warehouse),
            we_wrote_it: false,
            lost_from: None,
            foreign: before.and(foreign.map(|w| w.reel_number.clone())),
            rebased: tracked.base != ReelStatus::InStock,
            row_written: before.is_some(),
        };
    }
    let lost = tracked.last_write.as_ref().filter(|w| {
        tracked.written == Some(tracked.base)
            && warehouse != tracked.base
            && *mapper.raw_status(&row.values) == w.status_before
            && mapper.source_hash(&row.values) == w.source_hash_before
            && w.born.as_ref() == born
    });
    match lost {
        Some(write) => MergeStart {
            base: warehouse,
            warehouse,
            // It was there before reelsync's write: the write was reelsync's to make.
            we_wrote_it: true,
            lost_from: Some(write.run_id),
            foreign: None,
            rebased: true,
            row_written: false,
        },
        None => MergeStart {
            base: tracked.base,
            warehouse,
            we_wrote_it: tracked.written == Some(warehouse),
            lost_from: None,
            foreign: None,
            rebased: false,
            row_written: false,
        },
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
    to: ReelStatus,
    fields_in_step: bool,
) -> Export {
    let (after, last_date) = written_row(mapper, row, tracked, to);
    let to_raw = mapper.warehouse_status(to).to_owned();
    let last_date_before = mapper
        .last_date_position()
        .map_or(Cell::Null, |i| row.values[i].clone());
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
        source_hash_before: mapper.source_hash(&row.values),
        born: mapper.born_of(&row.values),
        location: mapper.location_of(&row.values),
        lost_from: None,
        corrects: None,
        copy_expected: mapper.raw_status(&row.values).clone(),
    }
}

/// `row` as an export of `to` leaves it (its status, and its `last_date` when
/// mapped: `None` for a return to stock, as the warehouse app does), and the
/// `last_date` written.
fn written_row(
    mapper: &Mapper,
    row: &ExternalRow,
    tracked: &Tracked,
    to: ReelStatus,
) -> (Vec<Cell>, Option<String>) {
    let last_date =
        (to != ReelStatus::InStock).then(|| mapper.warehouse_time(tracked.status_changed_at));
    let mut after = row.values.clone();
    after[mapper.status_position()] = Cell::Text(mapper.warehouse_status(to).to_owned());
    if let Some(i) = mapper.last_date_position() {
        after[i] = Cell::from(last_date.clone());
    }
    (after, last_date)
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
        Op::Conflict(apart) => vec![status(apart.office, apart.warehouse)],
        Op::Import { .. }
        | Op::Agree { .. }
        | Op::Reject { .. }
        | Op::Missing { .. }
        | Op::Relink(_) => Vec::new(),
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
        Op::Reject { reason } | Op::Conflict(Apart { reason, .. }) | Op::Missing { reason, .. } => {
            Some(reason.clone())
        }
        Op::Relink(relink) => relink.reason.clone(),
        Op::Export(export) => export.reason(),
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
