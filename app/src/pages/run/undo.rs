//! "Undo this run" on a run's page: first what the undo would write back, reel
//! by reel (`?undo`), then the form that runs it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use model::{Action, RunKind, RunSummary};

use super::api::{UndoPreview, UndoRun, preview_undo};
use super::{CountList, ItemRow};
use crate::components::Loaded;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// The query key that asks for an undo's preview.
pub const UNDO_KEY: &str = "undo";

/// Whether a run can be offered for undo: an ended run that decided
/// something (an undo's own work is not undone).
pub fn undoable(run: &RunSummary) -> bool {
    !matches!(run.kind, RunKind::Undo | RunKind::DryRun) && run.outcome != model::Outcome::Running
}

/// The way to an undo: a link to its preview.
#[component]
pub fn UndoLink(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("{}?{UNDO_KEY}", routes::run(id));
    view! {
        <p class="actions">
            <a class="button" href=href data-testid="undo-run">{tr!(i18n, run.undo)}</a>
        </p>
    }
}

/// The preview of undoing run `id`: its counts and items, and Confirm.
#[component]
pub fn UndoConfirm(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let preview = Resource::new(move || id, preview_undo);
    view! {
        <Loaded
            resource=preview
            view=move |preview| view! { <Preview id preview /> }
            loading=Signal::derive(tr!(i18n, run.undo_loading))
            error_title=Signal::derive(tr!(i18n, run.undo_failed))
        />
    }
}

#[component]
fn Preview(id: i64, preview: UndoPreview) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let UndoPreview { counts, items } = preview;
    let puts_back = items
        .iter()
        .filter(|i| matches!(i.item.action, Action::Undo | Action::Untrack))
        .count();
    let list = if items.is_empty() {
        view! { <p class="detail">{td_string!(locale, run.undo_nothing).to_string()}</p> }
            .into_any()
    } else {
        view! {
            <ul class="items" data-testid="undo-items">
                {items.into_iter().map(|item| view! { <ItemRow item /> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="panel confirm" data-testid="undo-preview" data-count=puts_back>
            <h2>{td_string!(locale, run.undo_question).to_string()}</h2>
            <p class="detail">{td_string!(locale, run.undo_lead).to_string()}</p>
            <CountList counts=Signal::stored(counts) />
            {list}
            <form method="post" action=UndoRun::url() class="actions">
                <input type="hidden" name="id" value=id />
                {(puts_back > 0).then(|| view! {
                    <button type="submit" class="button button--primary" data-testid="undo-confirm">
                        {td_string!(locale, run.undo_confirm).to_string()}
                    </button>
                })}
                <a class="button" href=routes::run(id)>{td_string!(locale, conflicts.cancel).to_string()}</a>
            </form>
        </section>
    }
}
