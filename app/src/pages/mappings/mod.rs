//! `/mappings`: which warehouse column feeds each product field, through which
//! transforms, and whether it is used; a draft is tried on the warehouse's rows
//! before it is saved.
//!
//! The editor is one GET form: its fields (`draft[i][…]`, as server functions
//! read forms) are the draft, so a draft lives in the address. Before the wasm,
//! "Preview" sends it and the page comes back with the draft tried; with the
//! wasm, every change does that at once, without scrolling or a new history
//! entry. "Save" posts the same form to the save; "Reset to defaults" is its own
//! form.

mod api;
mod row;
mod trial;

pub use api::{
    GetMappings, MappingsView, ResetMappings, SaveMappings, TryMappings, get_mappings, try_mappings,
};

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_navigate};
use model::{DraftRefusal, DraftTrial, MappingDraft};
use serde::{Deserialize, Serialize};

use crate::components::{FormError, Loaded, apply_at_once};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// Where a save or a reset lands: the saved mappings, saying so.
const SAVED: &str = "/mappings?saved=true";

/// The id of the editor's form.
const EDITOR: &str = "mappings-form";

/// The draft an address holds, and how its trial is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DraftQuery {
    #[serde(default)]
    draft: Vec<MappingDraft>,
    /// Shows only the rows the draft rejects.
    #[serde(default)]
    rejected: bool,
    /// The page follows a save or a reset.
    #[serde(default)]
    saved: bool,
}

impl DraftQuery {
    /// Reads a query string as server functions read forms; an address that
    /// is not a draft holds none.
    fn parse(search: &str) -> Self {
        serde_qs::Config::new(5, false)
            .deserialize_str(search.trim_start_matches('?'))
            .unwrap_or_default()
    }
}

/// The trial of what the address holds: the draft, or the saved mappings.
type TrialResource = Resource<Result<DraftTrial, AppError>>;

/// `/mappings`.
#[component]
pub fn MappingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let save = ServerAction::<SaveMappings>::new();
    let reset = ServerAction::<ResetMappings>::new();
    let query = Memo::new(move |_| DraftQuery::parse(&location.search.get()));
    // The saved set is read again after a save or a reset, and the editor
    // drawn again from it; a draft's edits don't redraw it.
    let saved = Resource::new(
        move || (save.version().get(), reset.version().get()),
        |_| get_mappings(),
    );
    let trial = Resource::new(move || query.get().draft, try_mappings);
    let navigate = use_navigate();
    Effect::new(move |_| {
        let done = save.value().get().is_some_and(|r| r.is_ok())
            || reset.value().get().is_some_and(|r| r.is_ok());
        if done {
            navigate(SAVED, Default::default());
        }
    });
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), mappings.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, mappings.title)}</h1>
        </div>
        <p class="lead">{tr!(i18n, mappings.lead)}</p>
        {move || query.get().saved.then(|| view! {
            <p class="form-saved" role="status" data-testid="mappings-saved">{tr!(i18n, mappings.saved)}</p>
        })}
        {move || save.value().get().and_then(Result::err).map(|error| view! {
            <FormError error testid="mappings-error" />
        })}
        <Loaded
            resource=saved
            view=move |view| view! { <Editor view trial save /> }
            loading=Signal::derive(tr!(i18n, mappings.loading))
            error_title=Signal::derive(tr!(i18n, mappings.load_failed))
        />
        <trial::TrialPanel trial rejected_only=Signal::derive(move || query.get().rejected) />
        <ResetForm reset />
    }
}

/// The form: a row per field, "Show only rejected", Preview and Save.
#[component]
fn Editor(
    view: MappingsView,
    trial: TrialResource,
    save: ServerAction<SaveMappings>,
) -> impl IntoView {
    let i18n = use_i18n();
    let MappingsView { saved, columns } = view;
    // Drawn once from the address (a draft being edited, or a reload of one)
    // or the saved set; the form keeps what is typed from then on.
    let query = DraftQuery::parse(&use_location().search.get_untracked());
    let rows = drafts_in_field_order(&saved, query.draft);
    let pending = save.pending();
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(index, draft)| {
            let saved = saved.iter().find(|s| s.field == draft.field).cloned();
            view! { <row::FieldRow index draft saved columns=columns.clone() trial /> }.into_any()
        })
        .collect_view();
    view! {
        <Form
            method="GET"
            action=routes::MAPPINGS
            noscroll=true
            replace=true
            attr:id=EDITOR
            attr:class="mappings-form"
            on:change=apply_at_once
        >
            <div class="mapping-rows">{rows}</div>
            <div class="mappings-bar">
                <label class="check">
                    <input
                        type="checkbox"
                        name="rejected"
                        value="true"
                        checked=query.rejected
                        data-testid="only-rejected"
                    />
                    <span>{tr!(i18n, mappings.only_rejected)}</span>
                </label>
                <div class="actions">
                    <button type="submit" class="button" data-testid="mappings-preview">
                        {tr!(i18n, mappings.preview)}
                    </button>
                    <button
                        type="submit"
                        class="button button--primary"
                        formmethod="post"
                        formaction=SaveMappings::url()
                        data-testid="mappings-save"
                        disabled=move || pending.get()
                        on:click=move |ev| save_with_wasm(ev, save)
                    >
                        {move || if pending.get() { tr!(i18n, mappings.saving)() } else { tr!(i18n, mappings.save)() }}
                    </button>
                </div>
            </div>
        </Form>
    }
    .into_any()
}

/// A draft row for every field, in the saved set's order: the address's draft
/// where it has the field, else the saved mapping.
fn drafts_in_field_order(saved: &[MappingDraft], draft: Vec<MappingDraft>) -> Vec<MappingDraft> {
    if draft.is_empty() {
        return saved.to_vec();
    }
    let mut rows: Vec<MappingDraft> = saved
        .iter()
        .map(|s| {
            draft
                .iter()
                .find(|d| d.field == s.field)
                .unwrap_or(s)
                .clone()
        })
        .collect();
    rows.extend(
        draft
            .into_iter()
            .filter(|d| !saved.iter().any(|s| s.field == d.field)),
    );
    rows
}

/// The refusals of a trial that concern `field`.
fn refusals_of(trial: &DraftTrial, field: model::ProductField) -> Vec<DraftRefusal> {
    match trial {
        DraftTrial::Refused(refused) => refused
            .iter()
            .filter(|r| r.field == Some(field))
            .cloned()
            .collect(),
        DraftTrial::Tried(_) => Vec::new(),
    }
}

/// With the wasm, Save sends the editor's draft from the page (and the page
/// then shows the saved set); before it, the button posts the form.
fn save_with_wasm(ev: leptos::ev::MouseEvent, save: ServerAction<SaveMappings>) {
    if let Some(args) = crate::components::form_fields_as::<SaveMappings>(EDITOR) {
        ev.prevent_default();
        save.dispatch(args);
    }
}

/// "Reset to defaults", behind a fold that says what it does.
#[component]
fn ResetForm(reset: ServerAction<ResetMappings>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details class="panel reset-mappings">
            <summary data-testid="mappings-reset-open">{tr!(i18n, mappings.reset)}</summary>
            <p class="detail">{tr!(i18n, mappings.reset_hint)}</p>
            <ActionForm action=reset>
                <button type="submit" class="button button--danger" data-testid="mappings-reset">
                    {tr!(i18n, mappings.reset_confirm)}
                </button>
            </ActionForm>
            {move || reset.value().get().and_then(Result::err).map(|error| view! {
                <FormError error testid="mappings-reset-error" />
            })}
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_reads_back_as_its_draft() {
        let query = DraftQuery::parse(
            "draft%5B0%5D%5Bfield%5D=width&draft%5B0%5D%5Bcolumn%5D=breite&draft%5B0%5D%5Bactive%5D=true\
             &draft%5B0%5D%5Bsteps%5D%5B0%5D%5Bop%5D=replace&draft%5B0%5D%5Bsteps%5D%5B0%5D%5Barg%5D=%5E.*%24%3D%3Ewide\
             &rejected=true",
        );
        assert!(query.rejected);
        assert_eq!(query.draft.len(), 1, "{query:?}");
        assert_eq!(query.draft[0].column, "breite");
        assert_eq!(query.draft[0].steps[0].arg, "^.*$=>wide");
    }
}
