//! A problem, said plainly: what happened and what to do about it.

use leptos::prelude::*;

use crate::error::AppError;
use crate::language::use_i18n;

/// What failed, what happened and what to do, as an alert.
#[component]
pub fn ErrorPanel(
    /// What failed, in a few words.
    #[prop(into)]
    title: Signal<String>,
    /// What happened.
    #[prop(into)]
    message: Signal<String>,
    /// What to do about it.
    #[prop(into)]
    advice: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel panel--error" role="alert" data-testid="error-panel">
            <h2>{title}</h2>
            <p class="error-message">{message}</p>
            <p class="error-advice">
                <strong>{tr!(i18n, error.what_to_do)}</strong>
                " "
                {advice}
            </p>
        </section>
    }
}

/// An [`ErrorPanel`] for a failed server function call, in the user's language.
#[component]
pub fn AppErrorPanel(#[prop(into)] title: Signal<String>, error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let message = {
        let error = error.clone();
        Signal::derive(move || error.message(i18n.get_locale()))
    };
    let advice = Signal::derive(move || error.advice(i18n.get_locale()));
    view! { <ErrorPanel title message advice /> }
}
