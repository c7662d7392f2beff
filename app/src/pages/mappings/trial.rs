//! A draft's trial on the warehouse's rows: why it can't be saved, or a summary
//! of what it maps and rejects, the refresh a save would cause, and samples of
//! the rows it rejects, the tracked reels it changes and the first rows it maps.

use leptos::prelude::*;
use model::{
    DraftPreview, DraftRefusal, DraftTrial, ProblemCount, ProductField, Sample, SampleCell,
};

use super::TrialResource;
use crate::components::Loaded;
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::{reasons, refusals};

/// The fields an importable row's sample shows besides those the draft
/// transforms: the figures people filter reels by.
const SHOWN_FIELDS: &[ProductField] = &[
    ProductField::Width,
    ProductField::Gsm,
    ProductField::Length,
    ProductField::Grade,
    ProductField::Location,
];

/// The trial's panel, following the address's draft.
#[component]
pub fn TrialPanel(
    trial: TrialResource,
    #[prop(into)] rejected_only: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel trial" data-testid="draft-trial">
            <h2>{tr!(i18n, mappings.trial_title)}</h2>
            <Loaded
                resource=trial
                view=move |trial| match trial {
                    DraftTrial::Refused(refused) => view! { <Refused refused /> }.into_any(),
                    DraftTrial::Tried(preview) => view! { <Tried preview rejected_only /> }.into_any(),
                }
                loading=Signal::derive(tr!(i18n, mappings.trying))
                error_title=Signal::derive(tr!(i18n, mappings.try_failed))
            />
        </section>
    }
}

/// Why the draft can't be saved, each reason linking to its field's row.
#[component]
fn Refused(refused: Vec<DraftRefusal>) -> impl IntoView {
    let i18n = use_i18n();
    let items = refused
        .into_iter()
        .map(|r| {
            let words = move || {
                let locale = i18n.get_locale();
                let why = refusals::refusal(locale, &r.refusal);
                match r.field {
                    Some(field) => format!("{}: {why}", labels::field(locale, field)),
                    None => why,
                }
            };
            let href = r.field.map(|f| format!("#map-{f}"));
            view! { <li><a href=href>{words}</a></li> }
        })
        .collect_view();
    view! {
        <div class="draft-refused" role="alert" data-testid="draft-refused">
            <p class="form-error">{tr!(i18n, mappings.refused)}</p>
            <ul>{items}</ul>
        </div>
    }
}

/// What a draft that can be saved makes of the rows.
#[component]
fn Tried(preview: DraftPreview, rejected_only: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let DraftPreview {
        tried,
        maps,
        rejected,
        problems,
        importable,
        rejected_rows,
        changed,
        refresh,
        scanned,
    } = preview;
    let summary = move || summary(i18n.get_locale(), tried, maps, rejected, &problems);
    let impact = move || {
        let locale = i18n.get_locale();
        let count = fmt::number(locale, refresh);
        let scanned = fmt::number(locale, scanned);
        td_string!(locale, mappings.impact, count, scanned).to_string()
    };
    let section = move |testid: &'static str, title: fn(Locale) -> String, samples: Vec<Sample>| {
        (!samples.is_empty()).then(|| {
            let items = samples
                .into_iter()
                .map(|sample| view! { <SampleItem sample /> })
                .collect_view();
            view! {
                <h3>{move || title(i18n.get_locale())}</h3>
                <ul class="samples" data-testid=testid>{items}</ul>
            }
        })
    };
    let rejected_section = section(
        "draft-rejected",
        |l| td_string!(l, mappings.rejected_rows).to_string(),
        rejected_rows,
    );
    let others = move || {
        (!rejected_only.get()).then(|| {
            view! {
                {section("draft-changed", |l| td_string!(l, mappings.changed_rows).to_string(), changed.clone())}
                {section("draft-importable", |l| td_string!(l, mappings.importable_rows).to_string(), importable.clone())}
            }
        })
    };
    view! {
        <p class="draft-summary" data-testid="draft-summary" data-maps=maps data-rejected=rejected>{summary}</p>
        <p class="detail" data-testid="draft-impact" data-value=refresh>{impact}</p>
        {rejected_section}
        {others}
    }
}

/// "4,987 map, 13 rejected, of 5,000 rows: GSM not a whole number × 9, …".
fn summary(
    locale: Locale,
    tried: u64,
    maps: u64,
    rejected: u64,
    problems: &[ProblemCount],
) -> String {
    let n = |v: u64| fmt::number(locale, v);
    let head = td_string!(
        locale,
        mappings.summary,
        maps = n(maps),
        rejected = n(rejected),
        tried = n(tried)
    )
    .to_string();
    if problems.is_empty() {
        return head;
    }
    let why: Vec<String> = problems
        .iter()
        .map(|p| {
            let field = labels::field(locale, p.field);
            let problem = problem_words(locale, &p.problem);
            td_string!(
                locale,
                mappings.problem_count,
                field,
                problem,
                count = n(p.count)
            )
            .to_string()
        })
        .collect();
    format!(
        "{head}: {}",
        why.join(td_string!(locale, mappings.list_separator))
    )
}

/// A sample: its reel number, why it is rejected, or its values.
#[component]
fn SampleItem(sample: Sample) -> impl IntoView {
    let i18n = use_i18n();
    let Sample {
        reel_number,
        cells,
        rejection,
    } = sample;
    let body = match rejection {
        Some(problem) => view! {
            <p class="reason">{move || reasons::row_problem(i18n.get_locale(), &problem)}</p>
        }
        .into_any(),
        None => {
            let cells = cells
                .into_iter()
                .filter(worth_showing)
                .map(|cell| view! { <CellPair cell /> })
                .collect_view();
            view! { <dl class="sample-cells">{cells}</dl> }.into_any()
        }
    };
    view! {
        <li class="sample" data-reel=reel_number.clone()>
            <bdi class="reel">{reel_number.clone()}</bdi>
            {body}
        </li>
    }
}

/// A sample shows the figures people know a reel by, and every value the
/// draft makes something else of.
fn worth_showing(cell: &SampleCell) -> bool {
    SHOWN_FIELDS.contains(&cell.field)
        || cell.before.is_some()
        || (cell.raw.is_some() && cell.raw != cell.mapped)
}

/// A field's value: the raw cell and what the draft makes of it, or, for a
/// tracked reel, its value now and after.
#[component]
fn CellPair(cell: SampleCell) -> impl IntoView {
    let i18n = use_i18n();
    let SampleCell {
        field,
        raw,
        mapped,
        before,
    } = cell;
    let from = before.or(raw);
    let shown = |v: Option<String>| v.unwrap_or_else(|| "∅".to_owned());
    let pair = if from == mapped {
        view! { <bdi>{shown(mapped)}</bdi> }.into_any()
    } else {
        view! {
            <bdi class="old">{shown(from)}</bdi>
            " → "
            <bdi>{shown(mapped)}</bdi>
        }
        .into_any()
    };
    view! {
        <div data-field=field.as_str()>
            <dt>{move || labels::field(i18n.get_locale(), field)}</dt>
            <dd>{pair}</dd>
        </div>
    }
}

/// A problem's code in words ("not a whole number").
fn problem_words(locale: Locale, code: &str) -> String {
    match code {
        "missing" => td_string!(locale, mappings.pc_missing),
        "not_status" | "unknown_status" => td_string!(locale, mappings.pc_not_status),
        "not_whole_number" => td_string!(locale, mappings.pc_not_whole_number),
        "not_text" | "binary" | "invalid_utf8" => td_string!(locale, mappings.pc_not_text),
        "blanks_at_ends" => td_string!(locale, mappings.pc_blanks_at_ends),
        "control_characters" => td_string!(locale, mappings.pc_control_characters),
        "too_long" | "oversized" => td_string!(locale, mappings.pc_too_long),
        "out_of_range" => td_string!(locale, mappings.pc_out_of_range),
        "not_date" => td_string!(locale, mappings.pc_not_date),
        "not_date_as" => td_string!(locale, mappings.pc_not_date_as),
        "not_decimal" => td_string!(locale, mappings.pc_not_decimal),
        other => return other.to_owned(),
    }
    .to_string()
}
