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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use model::WarehouseProblem;

    use super::*;
    use crate::i18n::Locale;
    use crate::test_support::render_in;

    #[test]
    fn an_error_panel_says_what_and_what_to_do_in_the_pages_language() {
        let error = AppError::Warehouse(WarehouseProblem::Locked {
            file: "w.db".into(),
            waited_ms: 5_000,
        });
        let panel = {
            let error = error.clone();
            move || view! { <AppErrorPanel title="Couldn't load" error=error /> }
        };
        let html = render_in(Locale::en, panel);
        assert!(
            html.contains("w.db is locked") && html.contains("What to do:"),
            "{html}"
        );
        assert!(html.contains("role=\"alert\""));
        let html = render_in(
            Locale::fa,
            move || view! { <AppErrorPanel title="x" error /> },
        );
        assert!(
            html.contains("چه باید کرد:") && html.contains("w.db"),
            "{html}"
        );
    }
}
