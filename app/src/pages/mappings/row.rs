//! One field's row of the editor: its column, its transform steps and its
//! switch, folded to one line until opened, with why the draft can't be saved
//! for this field, if it can't.

use leptos::prelude::*;
use model::{MappingDraft, Step, TRANSFORMS, WarehouseColumn};

use super::{TrialResource, refusals_of};
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::refusals;

/// The most steps a mapping is offered.
const MAX_STEPS: usize = 8;

/// A field's row. It is open when its draft differs from the saved mapping.
#[component]
pub fn FieldRow(
    /// The row's place in the form (`draft[index][…]`).
    index: usize,
    draft: MappingDraft,
    saved: Option<MappingDraft>,
    columns: Vec<WarehouseColumn>,
    trial: TrialResource,
) -> impl IntoView {
    let i18n = use_i18n();
    let field = draft.field;
    let edited = saved.as_ref().is_none_or(|s| !same_mapping(s, &draft));
    let name = |part: &str| format!("draft[{index}][{part}]");
    let column_id = format!("column-{field}");
    let summary = {
        let (column, count, active) =
            (draft.column.clone(), steps_of(&draft).count(), draft.active);
        move || source_line(i18n.get_locale(), &column, count, active)
    };
    let options = column_options(&columns, &draft.column);
    let mut steps: Vec<Step> = steps_of(&draft).cloned().collect();
    steps.push(Step::default());
    let steps = RwSignal::new(steps);
    let problems = move || {
        Suspend::new(async move {
            let refused = trial
                .await
                .map(|t| refusals_of(&t, field))
                .unwrap_or_default();
            refused
                .into_iter()
                .map(|r| {
                    view! {
                        <p class="form-error" role="alert" data-testid="mapping-problem">
                            {move || refusals::refusal(i18n.get_locale(), &r.refusal)}
                        </p>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <details class="mapping" id=format!("map-{field}") data-field=field.as_str() data-testid="mapping-row" open=edited>
            <summary>
                <span class="mapping-name">
                    {move || labels::field(i18n.get_locale(), field)}
                    " "
                    <code dir="ltr">{field.as_str()}</code>
                    {field.is_required().then(|| view! {
                        <span class="badge badge--info">{tr!(i18n, mappings.required)}</span>
                    })}
                </span>
                <span class="mapping-source">{summary}</span>
            </summary>
            <input type="hidden" name=name("field") value=field.as_str() />
            <div class="mapping-body">
                <label for=column_id.clone()>{tr!(i18n, mappings.column)}</label>
                <select id=column_id name=name("column") dir="ltr">
                    {options}
                </select>
                <label class="check">
                    <input type="checkbox" name=name("active") value="true" checked=draft.active />
                    <span>{tr!(i18n, mappings.active)}</span>
                </label>
                <fieldset class="steps">
                    <legend>{tr!(i18n, mappings.steps)}</legend>
                    <ol>
                        <For
                            each={move || 0..steps.read().len()}
                            key={|at| *at}
                            children={move |at| view! { <StepSlot index at steps field /> }}
                        />
                    </ol>
                </fieldset>
                <Transition fallback=|| ()>{problems}</Transition>
            </div>
        </details>
    }
    .into_any()
}

/// One step's choice of transform and its value. Choosing a transform in the
/// last (blank) slot offers another after it, up to [`MAX_STEPS`].
#[component]
fn StepSlot(
    index: usize,
    at: usize,
    steps: RwSignal<Vec<Step>>,
    field: model::ProductField,
) -> impl IntoView {
    let i18n = use_i18n();
    let Step { op, arg } = steps.read_untracked()[at].clone();
    let op_name = format!("draft[{index}][steps][{at}][op]");
    let arg_name = format!("draft[{index}][steps][{at}][arg]");
    let on_choose = move |ev: leptos::ev::Event| {
        let op = event_target_value(&ev);
        steps.update(|steps| {
            steps[at].op = op;
            let last_filled = steps.last().is_some_and(|s| !s.is_blank());
            if last_filled && steps.len() < MAX_STEPS {
                steps.push(Step::default());
            }
        });
    };
    let options = move || {
        let locale = i18n.get_locale();
        let none = td_string!(locale, mappings.no_step).to_string();
        let current = op.clone();
        std::iter::once(view! { <option value="" selected=current.is_empty()>{none}</option> })
            .chain(TRANSFORMS.iter().map(|(name, _)| {
                view! {
                    <option value=*name selected=current == *name>{transform_name(locale, name)}</option>
                }
            }))
            .collect_view()
    };
    let step_label = move || {
        let locale = i18n.get_locale();
        let n = crate::fmt::number(locale, at as u64 + 1);
        let field = labels::field(locale, field);
        td_string!(locale, mappings.step_label, n, field).to_string()
    };
    let value_label = move || {
        let locale = i18n.get_locale();
        let n = crate::fmt::number(locale, at as u64 + 1);
        td_string!(locale, mappings.step_value, n).to_string()
    };
    view! {
        <li class="step">
            <select name=op_name aria-label=step_label on:change=on_choose data-testid="step-op">
                {options}
            </select>
            <input
                type="text"
                name=arg_name
                value=arg
                dir="ltr"
                autocomplete="off"
                autocapitalize="none"
                spellcheck="false"
                aria-label=value_label
                placeholder=move || example(&steps.read()[at].op)
                data-testid="step-arg"
            />
        </li>
    }
    .into_any()
}

/// The steps of a draft that are steps (not blank slots).
fn steps_of(draft: &MappingDraft) -> impl Iterator<Item = &Step> {
    draft.steps.iter().filter(|s| !s.is_blank())
}

/// Whether two drafts map the same way (blank slots aside).
fn same_mapping(a: &MappingDraft, b: &MappingDraft) -> bool {
    a.column.trim() == b.column.trim()
        && a.active == b.active
        && steps_of(a).map(Step::spec).eq(steps_of(b).map(Step::spec))
}

/// "← width · 2 transforms", or "not used".
fn source_line(locale: Locale, column: &str, steps: usize, active: bool) -> String {
    if !active {
        return td_string!(locale, mappings.not_used).to_string();
    }
    let column = crate::fmt::isolate(column);
    match steps {
        0 => td_string!(locale, mappings.from_column, column).to_string(),
        n => {
            let count = crate::fmt::number(locale, n as u64);
            td_string!(locale, mappings.from_column_steps, column, count).to_string()
        }
    }
}

/// The column select's options: each column with its declared type, and the
/// draft's column marked missing when the file has no such column.
fn column_options(columns: &[WarehouseColumn], chosen: &str) -> impl IntoView + use<> {
    let missing = (!columns.iter().any(|c| c.name == chosen)).then(|| {
        let chosen = chosen.to_owned();
        view! { <option value=chosen.clone() selected=true>{format!("{chosen} ✗")}</option> }
    });
    let options = columns
        .iter()
        .map(|c| {
            let shown = if c.declared.is_empty() {
                c.name.clone()
            } else {
                format!("{} · {}", c.name, c.declared)
            };
            view! { <option value=c.name.clone() selected=c.name == chosen>{shown}</option> }
        })
        .collect_view();
    view! { {missing} {options} }
}

/// What a transform's value looks like.
fn example(op: &str) -> &'static str {
    match op {
        "date" => "%d/%m/%Y",
        "decimal" => ",.",
        "replace" => "(\\d+)\\s*mm=>$1",
        "map" => "A:In-stock,B:Sold",
        _ => "",
    }
}

/// A transform's name in words.
fn transform_name(locale: Locale, op: &str) -> String {
    match op {
        "trim" => td_string!(locale, mappings.op_trim),
        "collapse_whitespace" => td_string!(locale, mappings.op_collapse_whitespace),
        "upper" => td_string!(locale, mappings.op_upper),
        "lower" => td_string!(locale, mappings.op_lower),
        "replace" => td_string!(locale, mappings.op_replace),
        "map" => td_string!(locale, mappings.op_map),
        "to_integer" => td_string!(locale, mappings.op_to_integer),
        "decimal" => td_string!(locale, mappings.op_decimal),
        "parse_date" => td_string!(locale, mappings.op_parse_date),
        "date" => td_string!(locale, mappings.op_date),
        "default" => td_string!(locale, mappings.op_default),
        "otherwise" => td_string!(locale, mappings.op_otherwise),
        other => return other.to_owned(),
    }
    .to_string()
}
