use leptos::prelude::*;
use leptos_meta::Title;

/// Any path the router does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    // Tell the server render to answer 404, not 200.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <main class="page">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to the dashboard"</a>
            </p>
        </main>
    }
}
