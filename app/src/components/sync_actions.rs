//! The actions on the warehouse every overview offers: Sync now, Preview and
//! Test connection.

use leptos::prelude::*;

use crate::components::{FormError, SubmitButton};
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::pages::StartSync;
use crate::routes;

/// Sync now (a run page of its own), Preview (a dry run's plan) and Test
/// connection (the check's report). Each is a real form: before the wasm they
/// post or navigate as plain HTML.
#[component]
pub fn SyncActions() -> impl IntoView {
    let i18n = use_i18n();
    let sync = ServerAction::<StartSync>::new();
    let pending = sync.pending();
    let error = move || sync.value().get().and_then(Result::err);
    view! {
        <section class="actions" aria-label=move || td_string!(i18n.get_locale(), dashboard.actions).to_string()>
            <ActionForm action=sync>
                <SubmitButton
                    pending
                    label=Signal::derive(tr!(i18n, dashboard.sync_now))
                    busy_label=Signal::derive(tr!(i18n, dashboard.starting_sync))
                />
            </ActionForm>
            <form method="get" action=routes::PREVIEW>
                <button type="submit" class="button button--wide">{tr!(i18n, dashboard.preview)}</button>
            </form>
            <form method="get" action=routes::CHECK>
                <button type="submit" class="button button--wide">{tr!(i18n, dashboard.test_connection)}</button>
            </form>
        </section>
        {move || error().map(|error| view! { <FormError error testid="sync-error" /> })}
    }
}
