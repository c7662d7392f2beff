//! Rendering components in either language, for tests.

use leptos::prelude::*;

use crate::i18n::Locale;
use crate::language::LanguageProvider;

/// The server render of `view` for a browser that asks for `locale`.
pub fn render_in<V: IntoView + 'static>(
    locale: Locale,
    view: impl FnOnce() -> V + Send + 'static,
) -> String {
    Owner::new().with(|| {
        let (parts, ()) = http::Request::builder()
            .header(http::header::ACCEPT_LANGUAGE, locale.to_string())
            .body(())
            .expect("a valid request")
            .into_parts();
        provide_context(parts);
        view! { <LanguageProvider>{view()}</LanguageProvider> }.to_html()
    })
}
