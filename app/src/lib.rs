//! reelsync's web front end: the pages, their components and the server functions
//! they call.
//!
//! The crate is built twice. With `ssr` (in the server binary) it renders pages and
//! runs the server functions' bodies, which call the engine. With `hydrate` (in the
//! wasm) it makes the server-rendered pages interactive and calls the same server
//! functions over HTTP. Nothing here depends on the engine without `ssr`.

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment};

use crate::pages::{DashboardPage, LoginPage, NotFound};

/// Paths anyone may open without a session. Every other page requires a signed-in
/// super admin (the server enforces this before rendering).
pub const PUBLIC_PATHS: &[&str] = &["/login"];

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::set_page_headers(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <AutoReload options=options.clone() />
                <HashedStylesheet id="leptos" options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: its stylesheet, title and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title formatter=|page: String| format!("{page} · reelsync") />
        <Router>
            <Routes fallback=NotFound>
                // Async: the figures are in the HTML itself, so the page is whole
                // before the wasm arrives (or without it).
                <Route path=StaticSegment("") view=DashboardPage ssr=SsrMode::Async />
                <Route path=StaticSegment("login") view=LoginPage />
            </Routes>
        </Router>
    }
}
