//! `/products/{reel}`: one tracked reel. The office's values beside the
//! warehouse's row now (and the forklift's copies in its `Anbar_` tables), then
//! everything that happened to it, newest first: its import, every run that
//! touched it with why, every office status change with who. Read only.

mod api;

pub use api::{GetReel, ReelView, get_reel};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{OfficeRecord, ProductField, ReelChange, ReelEvent, WarehouseRecord};

use crate::components::grid::warehouse_time;
use crate::components::{Loaded, SyncActions};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::pages::Moment;
use crate::problems;
use crate::reasons;
use crate::routes;

/// The fields the comparison shows, in order: what people read a reel by.
const COMPARED: [ProductField; 11] = [
    ProductField::Status,
    ProductField::Width,
    ProductField::Gsm,
    ProductField::Length,
    ProductField::Grade,
    ProductField::Breaks,
    ProductField::Location,
    ProductField::ProfileName,
    ProductField::ReceiveDate,
    ProductField::LastDate,
    ProductField::Comments,
];

/// `/products/{reel}`.
#[component]
pub fn ReelPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let reel = move || params.read().get("reel").unwrap_or_default();
    let page = Resource::new(reel, get_reel);
    view! {
        <Title text=move || format!("{} · {}", reel(), td_string!(i18n.get_locale(), products.title)) />
        <div class="page-head">
            <h1><bdi>{reel}</bdi></h1>
            <a class="button button--quiet" href=routes::PRODUCTS>{tr!(i18n, reel.back)}</a>
        </div>
        <Loaded
            resource=page
            view=|view| view! { <Reel view /> }
            loading=Signal::derive(tr!(i18n, reel.loading))
            error_title=Signal::derive(tr!(i18n, reel.load_failed))
        />
    }
}

/// Both sides, then the history.
#[component]
fn Reel(view: ReelView) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let ReelView { page, moments } = view;
    let problem = page
        .warehouse_problem
        .as_ref()
        .map(|problem| problems::warehouse_problem(locale, problem));
    let tracked = page.office.is_some();
    let open_conflict = page
        .conflicts
        .iter()
        .find(|c| c.resolved.is_none())
        .map(|conflict| {
            let situation = labels::situation(locale, conflict);
            let said = td_string!(locale, reel.open_conflict, situation).to_string();
            let href = routes::conflicts_of(&conflict.reel_number);
            view! {
                <section class="panel warn" role="status" data-testid="reel-conflict">
                    <p>{said}</p>
                    <a class="button button--primary" href=href>{td_string!(locale, reel.resolve).to_string()}</a>
                </section>
            }
        });
    view! {
        {open_conflict}
        {(!tracked).then(|| view! { <p class="panel detail" data-testid="reel-untracked">{td_string!(locale, reel.untracked).to_string()}</p> })}
        {problem.map(|said| view! { <p class="panel warn" role="alert" data-testid="reel-warehouse-problem">{said}</p> })}
        <Sides office=page.office warehouse=page.warehouse locale />
        <History history=page.history moments locale />
        <SyncActions />
    }
}

/// The office's values beside the warehouse's, field by field; a field the two
/// hold differently is marked.
#[component]
fn Sides(
    office: Option<OfficeRecord>,
    warehouse: Option<WarehouseRecord>,
    locale: Locale,
) -> impl IntoView {
    let value_of = |values: Option<&Vec<(ProductField, Option<String>)>>, field: ProductField| {
        values
            .and_then(|v| v.iter().find(|(f, _)| *f == field))
            .and_then(|(_, value)| value.clone())
    };
    let office_values = office.as_ref().map(|o| &o.values);
    let warehouse_values = warehouse.as_ref().map(|w| &w.values);
    let shown = |field: ProductField, value: Option<String>| {
        value.map(|v| match field {
            ProductField::Status => labels::status_text(locale, &v),
            ProductField::ReceiveDate | ProductField::LastDate => warehouse_time(locale, &v),
            _ => fmt::digits(locale, &v),
        })
    };
    let rows = COMPARED
        .iter()
        .map(|field| {
            let ours = value_of(office_values, *field);
            let theirs = value_of(warehouse_values, *field);
            let apart = office.is_some() && warehouse.is_some() && ours != theirs;
            view! {
                <tr class:apart=apart data-field=field.as_str()>
                    <th scope="row">{labels::field(locale, *field)}</th>
                    <td data-side="office"><bdi dir="auto">{shown(*field, ours)}</bdi></td>
                    <td data-side="warehouse"><bdi dir="auto">{shown(*field, theirs)}</bdi></td>
                </tr>
            }
        })
        .collect_view();
    let missing = office.as_ref().is_some_and(|o| o.missing) || warehouse.is_none();
    let copies = warehouse.map(|w| w.copies).unwrap_or_default();
    let no_copies = copies.is_empty();
    let copies = copies
        .into_iter()
        .map(|copy| {
            let status = copy
                .status
                .map(|s| labels::status_text(locale, &s))
                .unwrap_or_default();
            let when = copy
                .last_date
                .map(|d| format!(" · {}", fmt::digits(locale, &d)))
                .unwrap_or_default();
            let table = copy.table.clone();
            view! { <li data-table=table><bdi>{copy.table}</bdi>": "{status}{when}</li> }
        })
        .collect_view();
    view! {
        <section class="panel sides" data-testid="reel-sides">
            <h2>{td_string!(locale, reel.sides).to_string()}</h2>
            {missing.then(|| view! { <p class="detail warn" data-testid="reel-missing">{td_string!(locale, reel.not_in_file).to_string()}</p> })}
            <table class="sides-table">
                <thead>
                    <tr>
                        <th scope="col"><span class="visually-hidden">{td_string!(locale, reel.field).to_string()}</span></th>
                        <th scope="col">{td_string!(locale, products.office).to_string()}</th>
                        <th scope="col">{td_string!(locale, products.warehouse).to_string()}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <h3>{td_string!(locale, reel.copies).to_string()}</h3>
            {if no_copies {
                view! { <p class="detail" data-testid="reel-copies">{td_string!(locale, reel.no_copies).to_string()}</p> }.into_any()
            } else {
                view! { <ul class="copies" data-testid="reel-copies">{copies}</ul> }.into_any()
            }}
        </section>
    }
}

/// What happened to the reel, newest first; each run links to its page.
#[component]
fn History(history: Vec<ReelEvent>, moments: Vec<Moment>, locale: Locale) -> impl IntoView {
    let items = history
        .into_iter()
        .zip(moments)
        .map(|(event, at)| {
            let when = fmt::date_time(locale, at.local);
            let who = event.who;
            let (what, run) = match event.what {
                ReelChange::Run {
                    run_id,
                    kind,
                    action,
                    reason,
                } => {
                    let mut said = format!(
                        "{} · {}",
                        labels::run_title(locale, kind, run_id),
                        labels::action(locale, action)
                    );
                    if let Some(reason) = reason {
                        said.push_str(" · ");
                        said.push_str(&reasons::reason(locale, &reason));
                    }
                    (said, Some(run_id))
                }
                ReelChange::OfficeStatus { from, to } => (
                    td_string!(
                        locale,
                        reel.office_set,
                        from = labels::status_text(locale, &from),
                        to = labels::status_text(locale, &to)
                    )
                    .to_string(),
                    None,
                ),
                ReelChange::ConflictEnded { how, run_id, .. } => (
                    td_string!(
                        locale,
                        reel.conflict_ended,
                        how = labels::resolution(locale, how)
                    )
                    .to_string(),
                    Some(run_id),
                ),
            };
            let by = td_string!(locale, reel.by, who = fmt::isolate(&who)).to_string();
            view! {
                <li>
                    <time datetime=at.utc.to_rfc3339()>{when}</time>
                    {match run {
                        Some(id) => view! { <a href=routes::run(id)>{what}</a> }.into_any(),
                        None => view! { <span>{what}</span> }.into_any(),
                    }}
                    <span class="detail">{by}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h2>{td_string!(locale, reel.history).to_string()}</h2>
            <ol class="reel-history" data-testid="reel-history">{items}</ol>
        </section>
    }
}
