//! `/settings`: the schedule and the import policy, and HTTPS on the LAN.

mod api;
mod https;

pub use api::{GetSettings, SaveSettings, SettingsView, WarehouseSource, get_settings};
pub use https::{HttpsServing, HttpsState, SwitchHttps};

use leptos::prelude::*;
use leptos_meta::Title;
use model::AutoImport;

use crate::components::{CheckField, FormError, Loaded, SubmitButton};
use crate::fmt;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// `/settings`: a plain form, so it saves before (or without) the wasm too; with
/// the wasm it is sent with `fetch` and the page shows what was saved.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveSettings>::new();
    // Read again after every save, so the page shows what was stored.
    let settings = Resource::new(move || save.version().get(), |_| get_settings());
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), settings.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, settings.title)}</h1>
        </div>
        <Loaded
            resource=settings
            view=move |data| view! { <SettingsForm data save /> }
            loading=Signal::derive(tr!(i18n, settings.loading))
            error_title=Signal::derive(tr!(i18n, settings.load_failed))
        />
        <https::HttpsPanel />
    }
}

/// The warehouse file's path, with "Test connection" beside it: before the wasm
/// the button opens the check page with the typed path (`formaction`); with it,
/// the same, without saving the form. A path set on the server's command line
/// can't be changed here and is named by its file only.
#[component]
fn WarehouseField(warehouse: WarehouseSource) -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = leptos_router::hooks::use_navigate();
    let test_typed_path = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let path = input.get().map(|i| i.value()).unwrap_or_default();
        let mut query = leptos_router::params::ParamsMap::new();
        query.insert("warehouse_path", path);
        navigate(
            &format!("{}{}", routes::CHECK, query.to_query_string()),
            Default::default(),
        );
    };
    match warehouse {
        WarehouseSource::CommandLine { file } => view! {
            <p class="label">{tr!(i18n, settings.warehouse)}</p>
            <p class="hint" data-testid="warehouse-fixed">
                {move || td_string!(i18n.get_locale(), settings.warehouse_fixed, file = file.clone()).to_string()}
            </p>
        }
        .into_any(),
        WarehouseSource::Settings { path } => view! {
            <label for="warehouse-path">{tr!(i18n, settings.warehouse)}</label>
            <div class="field-with-button">
                <input
                    id="warehouse-path"
                    name="warehouse_path"
                    type="text"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    dir="ltr"
                    value=path
                    node_ref=input
                />
                <button
                    type="submit"
                    class="button"
                    formaction=routes::CHECK
                    formmethod="get"
                    formnovalidate=true
                    on:click=test_typed_path
                >
                    {tr!(i18n, dashboard.test_connection)}
                </button>
            </div>
            <p class="hint">{tr!(i18n, settings.warehouse_hint)}</p>
        }
        .into_any(),
    }
}

/// The form, filled with the stored settings.
#[component]
fn SettingsForm(data: SettingsView, save: ServerAction<SaveSettings>) -> impl IntoView {
    let i18n = use_i18n();
    let SettingsView {
        settings,
        next_run,
        read_at,
        warehouse,
    } = data;
    let pending = save.pending();
    let outcome = move || {
        save.value().get().map(|result| match result {
            Ok(()) => view! {
                <p class="form-saved" role="status" data-testid="settings-saved">
                    {tr!(i18n, settings.saved)}
                </p>
            }
            .into_any(),
            Err(error) => view! { <FormError error testid="settings-error" /> }.into_any(),
        })
    };
    let next = move || match next_run {
        Some(at) => {
            let locale = i18n.get_locale();
            format!(
                "{} ({})",
                fmt::relative(locale, at.utc - read_at.utc),
                fmt::date_time(locale, at.local)
            )
        }
        None => td_string!(i18n.get_locale(), settings.next_run_off).to_string(),
    };
    let interval = settings.interval_minutes.to_string();
    let retention = settings.snapshot_retention.to_string();
    let activity_days = settings
        .activity_retention_days
        .map(|days| days.to_string())
        .unwrap_or_default();
    let import_all = settings.auto_import == AutoImport::All;
    view! {
        <section class="panel">
            <h2>{tr!(i18n, settings.schedule)}</h2>
            <ActionForm action=save attr:class="form">
                <CheckField
                    name="auto_sync"
                    checked=settings.auto_sync
                    testid="auto-sync-input"
                    label=Signal::derive(tr!(i18n, settings.auto_sync))
                    hint=Signal::derive(tr!(i18n, settings.auto_sync_hint))
                />
                <label for="interval">{tr!(i18n, settings.interval)}</label>
                // Text with a numeric keyboard rather than type=number: the server
                // checks the range and says what is wrong in the user's language,
                // and Persian digits are welcome.
                <input
                    id="interval"
                    name="interval_minutes"
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    dir="ltr"
                    value=interval
                    required
                />
                <p class="hint">{tr!(i18n, settings.interval_hint)}</p>
                <label for="auto-import">{tr!(i18n, settings.auto_import)}</label>
                <select id="auto-import" name="auto_import">
                    <option value="off" selected=!import_all>
                        {tr!(i18n, settings.auto_import_off)}
                    </option>
                    <option value="all" selected=import_all>
                        {tr!(i18n, settings.auto_import_all)}
                    </option>
                </select>
                <label for="retention">{tr!(i18n, settings.retention)}</label>
                <input
                    id="retention"
                    name="snapshot_retention"
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    dir="ltr"
                    value=retention
                    required
                />
                <label for="activity-days">{tr!(i18n, settings.activity_days)}</label>
                <input
                    id="activity-days"
                    name="activity_days"
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    dir="ltr"
                    value=activity_days
                />
                <p class="hint">{tr!(i18n, settings.activity_days_hint)}</p>
                <WarehouseField warehouse />
                <CheckField
                    name="mirror_anbar"
                    checked=settings.mirror_anbar
                    testid="mirror-anbar-input"
                    label=Signal::derive(tr!(i18n, settings.mirror_anbar))
                    hint=Signal::derive(tr!(i18n, settings.mirror_anbar_hint))
                />
                <p class="detail" data-testid="next-run">
                    {tr!(i18n, settings.next_run)}
                    " "
                    {next}
                </p>
                {outcome}
                <SubmitButton
                    pending
                    label=Signal::derive(tr!(i18n, settings.save))
                    busy_label=Signal::derive(tr!(i18n, settings.saving))
                />
            </ActionForm>
        </section>
    }
}
