//! Pieces every form repeats: a switch, its submit button and its refusal.

use leptos::prelude::*;

use crate::error::AppError;
use crate::language::use_i18n;
use crate::routes;

/// A checkbox that sends `name=on` when ticked (and nothing when not, as a plain
/// form does), its label beside it and a hint below.
#[component]
pub fn CheckField(
    name: &'static str,
    checked: bool,
    testid: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] hint: Signal<String>,
) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" name=name value="on" checked=checked data-testid=testid />
            <span>{label}</span>
        </label>
        <p class="hint">{hint}</p>
    }
}

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

/// Why a form was refused, in the user's language, announced as an alert. A run
/// in the way is linked, so "already running" leads to that run.
#[component]
pub fn FormError(error: AppError, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let running = match &error {
        AppError::RunInProgress {
            run_id: Some(id), ..
        } => Some(*id),
        _ => None,
    };
    view! {
        <p class="form-error" role="alert" data-testid=testid>
            {move || error.message(i18n.get_locale())}
            {running.map(|id| view! {
                " "
                <a href=routes::run(id) data-testid="running-run">{tr!(i18n, error.see_run)}</a>
            })}
        </p>
    }
}

/// The fields of the form `form_id` as the arguments of a server function
/// (read as a plain form's post would be); none before the wasm, or when the
/// page has no such form.
pub fn form_fields_as<T: serde::de::DeserializeOwned>(form_id: &str) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::form::FromFormData;
        use wasm_bindgen::JsCast;
        let form = document()
            .get_element_by_id(form_id)?
            .dyn_into::<web_sys::HtmlFormElement>()
            .ok()?;
        let data = web_sys::FormData::new_with_form(&form).ok()?;
        T::from_form_data(&data).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = form_id;
        None
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::test_support::render_in;

    #[test]
    fn already_running_links_to_that_run() {
        let error = AppError::RunInProgress {
            run_id: Some(12),
            who: "cli:root".into(),
        };
        let html = render_in(Locale::en, move || {
            view! { <FormError error=error.clone() testid="sync-error" /> }
        });
        assert!(html.contains("role=\"alert\""), "{html}");
        assert!(html.contains("cli:root"), "{html}");
        assert!(html.contains("href=\"/runs/12\""), "{html}");
        assert!(html.contains("Open that run"), "{html}");
    }

    #[test]
    fn other_refusals_have_no_link() {
        let html = render_in(Locale::fa, || {
            view! { <FormError error=AppError::BadCredentials testid="login-error" /> }
        });
        assert!(!html.contains("href="), "{html}");
    }
}
