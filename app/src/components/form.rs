//! Pieces every form repeats: its submit button and its refusal.

use leptos::prelude::*;

use crate::error::AppError;
use crate::language::use_i18n;

/// A form's wide submit button: disabled, and saying so, while its request is
/// under way.
#[component]
pub fn SubmitButton(
    /// Whether the form's request is under way.
    #[prop(into)]
    pending: Signal<bool>,
    /// What the button says.
    #[prop(into)]
    label: Signal<String>,
    /// What it says while the request is under way ("Saving…").
    #[prop(into)]
    busy_label: Signal<String>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="button button--primary button--wide"
            disabled=move || pending.get()
        >
            {move || if pending.get() { busy_label.get() } else { label.get() }}
        </button>
    }
}

/// Why a form was refused, in the user's language, announced as an alert.
#[component]
pub fn FormError(error: AppError, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="form-error" role="alert" data-testid=testid>
            {move || error.message(i18n.get_locale())}
        </p>
    }
}
