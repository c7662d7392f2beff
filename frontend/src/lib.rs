//! The browser entry point: hydrates the page the server rendered.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the loader script Leptos writes into every page.
///
/// Hydration waits for the code of the page's route when that route is loaded
/// lazily (its own wasm chunk), so it runs as a task; the page counts as
/// hydrated once it has.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        mark_hydrated();
    });
}

/// Sets `<body data-hydrated="true">`, so people and browser tests can tell when
/// the buttons have come alive.
fn mark_hydrated() {
    if let Some(body) = leptos::prelude::document().body() {
        // Only a marker: if it cannot be set, nothing else is affected.
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
