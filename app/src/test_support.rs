//! Rendering components in either language, for tests.

use leptos::prelude::*;

use crate::i18n::{I18nContextProvider, Locale};

/// The server render of `view` for a browser that asks for `locale`.
pub fn render_in<V: IntoView + 'static>(
    locale: Locale,
    view: impl FnOnce() -> V + Send + 'static,
) -> String {
    // The i18n provider spawns its cookie and locale watchers; a render needs an
    // executor for them (once per process; later calls find it set).
    let _ = any_spawner::Executor::init_futures_executor();
    Owner::new().with(|| {
        let (parts, ()) = http::Request::builder()
            .header(http::header::ACCEPT_LANGUAGE, locale.to_string())
            .body(())
            .expect("a valid request")
            .into_parts();
        provide_context(parts);
        view! { <I18nContextProvider>{view()}</I18nContextProvider> }.to_html()
    })
}
