//! The language switch, and the cookie that remembers the choice.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::Locale;
use crate::language::use_i18n;

/// Where [`set_language`] answers.
const SET_LANGUAGE_PATH: &str = <SetLanguage as leptos::server_fn::ServerFn>::PATH;

/// The other language than `locale`: the switch offers it.
fn other(locale: Locale) -> Locale {
    match locale {
        Locale::en => Locale::fa,
        Locale::fa => Locale::en,
    }
}

/// Switches to the other language. Its accessible name is that language's own
/// name ("فارسی" in English, "English" in Persian), spoken in that language.
///
/// With the wasm the switch is instant (the page re-renders in place, and
/// [`set_language`] is called in the background to keep the choice); before it,
/// the form posts to [`set_language`], which sets the cookie and sends the browser
/// back to the page.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let target = move || other(i18n.get_locale());
    let switch = move |ev: SubmitEvent| {
        ev.prevent_default();
        let locale = target();
        i18n.set_locale(locale);
        leptos::task::spawn_local(async move {
            // If it fails, this page is switched still; the next one forgets.
            let _ = set_language(locale.to_string()).await;
        });
    };
    view! {
        <form
            method="post"
            action=SET_LANGUAGE_PATH
            class="language-switch"
            on:submit=switch
        >
            <input type="hidden" name="locale" value=move || target().to_string() />
            <button
                type="submit"
                class="button button--quiet"
                lang=move || target().to_string()
                data-testid="language-switch"
            >
                {tr!(i18n, nav.other_language)}
            </button>
        </form>
    }
}

/// Remembers `locale` in the language cookie. Open to anyone (the login page has
/// the switch too); it changes nothing but the caller's own cookie.
#[server(endpoint = "language")]
pub async fn set_language(locale: String) -> Result<(), AppError> {
    use crate::language::{LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE_SECS};
    use crate::ssr::response_options;

    let locale: Locale = locale.parse().map_err(|()| AppError::Unreadable)?;
    let cookie = cookie::Cookie::build((LANGUAGE_COOKIE, locale.to_string()))
        .path("/")
        .same_site(cookie::SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(
            LANGUAGE_COOKIE_MAX_AGE_SECS,
        ))
        .build();
    let value = http::HeaderValue::from_str(&cookie.to_string()).map_err(|_| AppError::Internal)?;
    response_options()?.append_header(http::header::SET_COOKIE, value);
    Ok(())
}
