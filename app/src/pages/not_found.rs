//! Any path the router does not know.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// Any path the router does not know: a 404 with the way back.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    // Tell the server render to answer 404, not 200.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), not_found.title).to_string() />
        <main class="page">
            <h1>{tr!(i18n, not_found.title)}</h1>
            <p>
                <a href=routes::DASHBOARD>{tr!(i18n, not_found.back)}</a>
            </p>
        </main>
    }
}
