//! `/check`: "Test connection" — whether the warehouse file opens, is the
//! warehouse app's, has every mapped column, and is not held locked.

mod api;

pub use api::{CheckConnection, check_connection};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::CheckReport;

use crate::components::Loaded;
use crate::fmt;
use crate::i18n::td_string;
use crate::language::use_i18n;

/// `/check` (with `?warehouse_path=` to test a path before it is saved).
#[component]
pub fn CheckPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let report = Resource::new(move || query.read().get("warehouse_path"), check_connection);
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), check.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, check.title)}</h1>
            <form method="get">
                <button type="submit" class="button">{tr!(i18n, check.again)}</button>
            </form>
        </div>
        <Loaded
            resource=report
            view=|report| view! { <Report report /> }
            loading=Signal::derive(tr!(i18n, check.loading))
            error_title=Signal::derive(tr!(i18n, check.failed))
        />
    }
}

/// A warehouse file that passed.
#[component]
fn Report(report: CheckReport) -> impl IntoView {
    let i18n = use_i18n();
    let CheckReport {
        path,
        reels,
        columns,
        mapped_fields,
        time_zone,
    } = report;
    let columns_count = columns.len() as u64;
    view! {
        <section class="panel" data-testid="check-report" role="status">
            <p><span class="badge badge--ok">{tr!(i18n, check.ok)}</span></p>
            <dl class="facts">
                <dt>{tr!(i18n, check.file)}</dt>
                <dd><bdi>{path}</bdi></dd>
                <dt>{tr!(i18n, check.reels)}</dt>
                <dd data-testid="check-reels" data-value=reels.to_string()>
                    {move || fmt::number(i18n.get_locale(), reels)}
                </dd>
                <dt>{tr!(i18n, check.mapped)}</dt>
                <dd>{move || fmt::number(i18n.get_locale(), mapped_fields as u64)}</dd>
                <dt>{tr!(i18n, check.time_zone)}</dt>
                <dd><bdi>{time_zone}</bdi></dd>
                <dt>{move || {
                    let locale = i18n.get_locale();
                    td_string!(locale, check.columns, count = fmt::number(locale, columns_count)).to_string()
                }}</dt>
                <dd>
                    <ul class="columns" dir="ltr">
                        {columns.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                </dd>
            </dl>
        </section>
    }
}
