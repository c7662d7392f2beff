//! The user's language: chosen on the server (the language cookie, else the
//! browser's `Accept-Language`), written into `<html lang dir>` by the first render,
//! read back from there by the wasm, and switched in place.
//!
//! The catalogue and its keys are leptos_i18n's (generated from `locales/`); the
//! context is this small signal rather than leptos_i18n's provider, whose
//! server-side cookie effect can run after its request has ended and panic.

use leptos::prelude::*;
use leptos_meta::Html;

use crate::i18n::{I18nLocaleTrait, Locale};

/// The cookie that keeps the chosen language (`en` or `fa`).
pub const LANGUAGE_COOKIE: &str = "reelsync_language";

/// How long the choice is kept: a year, in seconds.
pub const LANGUAGE_COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

/// The language pages are shown in; a copyable handle on one signal.
#[derive(Debug, Clone, Copy)]
pub struct Language(RwSignal<Locale>);

impl Language {
    /// The language, tracked: a view reading it follows a switch.
    pub fn get_locale(self) -> Locale {
        self.0.get()
    }

    /// The language, untracked.
    pub fn get_locale_untracked(self) -> Locale {
        self.0.get_untracked()
    }

    /// Switches every view to `locale`.
    pub fn set_locale(self, locale: Locale) {
        self.0.set(locale);
    }
}

/// The language of the page being rendered (English outside a [`LanguageProvider`]).
pub fn use_i18n() -> Language {
    use_context().unwrap_or_else(|| Language(RwSignal::new(Locale::en)))
}

/// Provides the page's [`Language`] to `children` and sets `<html lang dir>`.
#[component]
pub fn LanguageProvider(children: Children) -> impl IntoView {
    let language = Language(RwSignal::new(initial_locale()));
    provide_context(language);
    // The server renders the attributes once; the browser follows switches.
    #[cfg(feature = "ssr")]
    let (lang, dir) = {
        let locale = language.get_locale_untracked();
        (locale.as_str(), locale.direction().as_str())
    };
    #[cfg(not(feature = "ssr"))]
    let (lang, dir) = (
        move || language.get_locale().as_str(),
        move || language.get_locale().direction().as_str(),
    );
    view! {
        <Html attr:lang=lang attr:dir=dir />
        {children()}
    }
}

/// On the server: the language cookie, else the best of `Accept-Language`, else
/// English.
#[cfg(feature = "ssr")]
fn initial_locale() -> Locale {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Locale::en;
    };
    let from_cookie =
        crate::ssr::cookie(&parts.headers, LANGUAGE_COOKIE).and_then(|value| value.parse().ok());
    from_cookie
        .or_else(|| {
            parts
                .headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .and_then(preferred)
        })
        .unwrap_or_default()
}

/// In the browser: what the server chose, from `<html lang>`.
#[cfg(not(feature = "ssr"))]
fn initial_locale() -> Locale {
    document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|lang| lang.parse().ok())
        .unwrap_or_default()
}

/// The language of ours an `Accept-Language` value ranks highest (`fa-IR,fa;q=0.9,
/// en;q=0.8` → Persian), if it names one.
pub fn preferred(accept_language: &str) -> Option<Locale> {
    let mut best: Option<(f32, Locale)> = None;
    for entry in accept_language.split(',') {
        let mut fields = entry.split(';');
        let tag = fields.next().unwrap_or_default().trim();
        let quality = fields
            .find_map(|field| field.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .filter(|q| q.is_finite() && *q > 0.0);
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        let locale = Locale::get_all()
            .iter()
            .copied()
            .find(|locale| locale.as_str().eq_ignore_ascii_case(primary));
        if let (Some(quality), Some(locale)) = (quality, locale)
            && best.is_none_or(|(q, _)| quality > q)
        {
            best = Some((quality, locale));
        }
    }
    best.map(|(_, locale)| locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_ranked_language_we_have() {
        assert_eq!(preferred("fa-IR,fa;q=0.9,en;q=0.8"), Some(Locale::fa));
        assert_eq!(preferred("en-GB,en;q=0.9"), Some(Locale::en));
        assert_eq!(
            preferred("de-DE,de;q=0.9,fa;q=0.5,en;q=0.4"),
            Some(Locale::fa)
        );
        assert_eq!(preferred("en;q=0.2, FA;q=0.7"), Some(Locale::fa));
        assert_eq!(preferred("de, fr"), None);
        assert_eq!(preferred("fa;q=0, en;q=0.1"), Some(Locale::en));
        assert_eq!(preferred(";;;q=x,*"), None);
        assert_eq!(preferred(""), None);
    }
}
