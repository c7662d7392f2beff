//! One run in a list of runs (the history, the dashboard's recent runs).

use leptos::prelude::*;
use model::RunSummary;

use crate::components::OutcomeBadge;
use crate::fmt;
use crate::i18n::td_string;
use crate::labels;
use crate::language::use_i18n;
use crate::pages::Moment;
use crate::routes;

/// One run in a list of runs, linking to its page: its title and outcome, when it
/// started, who started it, how long it took and what it did.
#[component]
pub fn RunCard(run: RunSummary, started: Moment, read_at: Moment) -> impl IntoView {
    let i18n = use_i18n();
    let RunSummary {
        id,
        kind,
        who,
        outcome,
        counts: c,
        duration_ms,
        ..
    } = run;
    let title = move || labels::run_title(i18n.get_locale(), kind, id);
    let detail = move || {
        let locale = i18n.get_locale();
        let mut line = format!(
            "{} · {}",
            fmt::relative(locale, started.utc - read_at.utc),
            td_string!(locale, dashboard.run_by, who = who.clone())
        );
        if let Some(ms) = duration_ms {
            line.push_str(&format!(" · {}", fmt::duration(locale, ms)));
        }
        line.push_str(" · ");
        line.push_str(&labels::run_did(locale, &c));
        line
    };
    view! {
        <li class="run-card" data-run=id.to_string()>
            <a href=routes::run(id)>
                <span class="run-card-head">
                    <span class="run-card-title">{title}</span>
                    <OutcomeBadge outcome />
                </span>
                <span class="detail" dir="auto">{detail}</span>
            </a>
        </li>
    }
}
