//! Trying a draft of the field mappings on the warehouse's rows before it is
//! saved, with the engine's own mapping code: what the import would take,
//! what it would reject and why, and which tracked reels it would change.
//!
//! The warehouse is read in its usual short pages. Each tracked reel's row
//! counts towards the refresh a save would cause (a field hash per tracked
//! reel: cheap); the importable rows are mapped in full up to [`TRIED_ROWS`],
//! which the summary covers, and samples stop at [`SAMPLES`] of each kind. The
//! reading stops once the tried rows are full and every tracked reel's row has
//! been seen: no later row could change the answer. An admin setting up the
//! mappings before the first import waits for a fifth of a large file, not
//! all of it.

use std::collections::{HashMap, HashSet};

use crate::error::Result;
use crate::mapping::{self, FieldMapping, FieldValue, Mapper, display_value};
use crate::store::{self, Store};
use crate::warehouse::{Cell, ExternalRow};
use crate::{
    DraftPreview, DraftTrial, Engine, MappingDraft, ProblemCount, ProductField, ReelStatus, Sample,
    SampleCell, WarehouseZone,
};

/// Importable rows a trial maps in full: enough for its summary to speak for
/// the file, few enough to answer while the admin edits.
pub const TRIED_ROWS: u64 = 20_000;
/// Samples of each kind a trial keeps.
pub const SAMPLES: usize = 20;

impl Engine {
    /// A form's draft of the mappings tried: why it can't be saved (every
    /// step that does not parse, or else every problem of the set, per field),
    /// or what it would make of the warehouse's rows now.
    pub fn try_draft(&self, drafts: &[MappingDraft]) -> Result<DraftTrial> {
        match mapping::read_drafts(drafts) {
            Ok(mappings) => self.trial(&mappings),
            Err(refused) => Ok(DraftTrial::Refused(refused)),
        }
    }

    /// What `draft` would make of the warehouse's rows now. Reads only; the
    /// draft is checked as a save checks it (its columns exist, its transforms
    /// parse, required fields are mapped), and refused at its first problem.
    pub fn try_mappings(&self, draft: &[FieldMapping]) -> Result<DraftPreview> {
        match self.trial(draft)? {
            DraftTrial::Tried(preview) => Ok(preview),
            DraftTrial::Refused(mut problems) => Err(problems.remove(0).refusal.into()),
        }
    }

    /// Checks `draft` against the warehouse's columns and, when it has no
    /// problem, runs it on the rows, reading the file once for both.
    fn trial(&self, draft: &[FieldMapping]) -> Result<DraftTrial> {
        let store = self.read_store()?;
        let err = store.err_fn();
        let settings = store::settings(&store.conn).map_err(&err)?;
        let reader = self.warehouse_with(&settings)?.open_read()?;
        let columns = reader.product_columns()?;
        let problems = mapping::problems(draft, &columns);
        if !problems.is_empty() {
            return Ok(DraftTrial::Refused(problems));
        }
        let mapper = Mapper::new(draft)?
            .in_zone(WarehouseZone::of(&settings)?)
            .with_identity_columns(&columns);
        let tracked = store::tracked_hashes(&store.conn).map_err(&err)?;
        let mut trial = Trial::default();
        'read: for page in reader.pages(mapper.columns(), None) {
            for row in page? {
                trial.look_at(&store, &mapper, &tracked, row)?;
                if trial.has_answer(tracked.len()) {
                    break 'read;
                }
            }
        }
        Ok(DraftTrial::Tried(trial.into_preview()))
    }
}

/// A trial under way.
#[derive(Default)]
struct Trial {
    preview: DraftPreview,
    problems: HashMap<(ProductField, &'static str), u64>,
    /// The tracked reels whose rows were read, by product id.
    seen: HashSet<i64>,
}

impl Trial {
    /// Whether the rows read so far settle the whole answer: the tried rows
    /// are full and all `tracked` reels were found.
    fn has_answer(&self, tracked: usize) -> bool {
        self.preview.tried >= TRIED_ROWS && self.seen.len() == tracked
    }

    fn look_at(
        &mut self,
        store: &Store,
        mapper: &Mapper,
        tracked: &HashMap<String, (i64, i64)>,
        row: ExternalRow,
    ) -> Result<()> {
        let preview = &mut self.preview;
        preview.scanned += 1;
        let reel = mapper.reel_of(&row.values);
        if let Some(&(product_id, field_hash)) = reel.as_ref().and_then(|r| tracked.get(r)) {
            self.seen.insert(product_id);
            if mapper.source_hash(&row.values) != field_hash {
                preview.refresh += 1;
                if preview.changed.len() < SAMPLES
                    && let Some(sample) = changed_sample(store, mapper, &row, product_id)?
                {
                    preview.changed.push(sample);
                }
            }
            return Ok(());
        }
        let importable = mapper.status_of(&row.values) == Some(ReelStatus::InStock);
        if !importable || preview.tried >= TRIED_ROWS {
            return Ok(());
        }
        preview.tried += 1;
        let reel = reel.unwrap_or_else(|| format!("#{}", row.id));
        match mapper.map(&row.values) {
            Ok(mapped) => {
                preview.maps += 1;
                if preview.importable.len() < SAMPLES {
                    let cells = cells(mapper, &row, |field| {
                        mapped.get(field).map(FieldValue::to_text)
                    });
                    preview.importable.push(Sample {
                        reel_number: reel,
                        cells,
                        rejection: None,
                    });
                }
            }
            Err(rejection) => {
                preview.rejected += 1;
                *self
                    .problems
                    .entry((rejection.field, rejection.problem.code()))
                    .or_default() += 1;
                if preview.rejected_rows.len() < SAMPLES {
                    preview.rejected_rows.push(Sample {
                        reel_number: reel,
                        cells: cells(mapper, &row, |_| None),
                        rejection: Some(rejection),
                    });
                }
            }
        }
        Ok(())
    }

    fn into_preview(mut self) -> DraftPreview {
        let mut problems: Vec<ProblemCount> = self
            .problems
            .into_iter()
            .map(|((field, problem), count)| ProblemCount {
                field,
                problem: problem.to_owned(),
                count,
            })
            .collect();
        problems.sort_by(|a, b| b.count.cmp(&a.count).then(a.field.cmp(&b.field)));
        self.preview.problems = problems;
        self.preview
    }
}

/// Each mapped field of `row`: its raw cell, shown safely, and `mapped`'s value.
fn cells(
    mapper: &Mapper,
    row: &ExternalRow,
    mapped: impl Fn(ProductField) -> Option<String>,
) -> Vec<SampleCell> {
    let raw = mapper.raw_texts(&row.values);
    ProductField::ALL
        .iter()
        .filter_map(|field| {
            let raw = raw.get(field.as_str())?.clone();
            Some(SampleCell {
                field: *field,
                raw,
                mapped: mapped(*field),
                before: None,
            })
        })
        .collect()
}

/// A tracked reel whose mapped values the draft changes, field by field; `None`
/// when only the hash moved (the draft reads other columns to the same values)
/// or the draft rejects the row.
fn changed_sample(
    store: &Store,
    mapper: &Mapper,
    row: &ExternalRow,
    product_id: i64,
) -> Result<Option<Sample>> {
    let Ok(mapped) = mapper.map(&row.values) else {
        return Ok(None);
    };
    let current = store::product_values(&store.conn, product_id)
        .map_err(|e| store.err(e))?
        .unwrap_or_default();
    let text = |value: Option<&FieldValue>| value.map(FieldValue::to_text);
    let mut cells = cells(mapper, row, |field| text(mapped.get(field)));
    for cell in &mut cells {
        cell.before = text(current.get(cell.field.index()).and_then(Option::as_ref));
    }
    cells.retain(|cell| cell.field != ProductField::Status && cell.mapped != cell.before);
    if cells.is_empty() {
        return Ok(None);
    }
    let reel_number = text(mapped.get(ProductField::ReelNumber))
        .unwrap_or_else(|| display_value(&Cell::Integer(row.id)));
    Ok(Some(Sample {
        reel_number,
        cells,
        rejection: None,
    }))
}
