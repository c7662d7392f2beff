//! The browser entry point: hydrates the page the server rendered.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the loader script Leptos writes into every page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    mark_hydrated();
}

/// Sets `<body data-hydrated="true">`, so people and browser tests can tell when
/// the buttons have come alive.
fn mark_hydrated() {
    if let Some(body) = leptos::prelude::document().body() {
        // Only a marker: if it cannot be set, nothing else is affected.
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
