//! `/login`, and signing in and out.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{FormError, LanguageSwitch, SubmitButton};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// `/login`: username and password, for super admins only.
///
/// The form is an [`ActionForm`]: before the wasm has loaded it is a plain HTML
/// form posting to the `login` server function; afterwards the same form is sent
/// with `fetch`, and the server's redirect to `/` becomes a client-side navigation.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let pending = login.pending();
    let error = move || login.value().get().and_then(Result::err);

    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), login.title).to_string() />
        <main class="login">
            <div class="login-tools">
                <LanguageSwitch />
            </div>
            <div class="login-card">
                <p class="brand">{tr!(i18n, brand)}</p>
                <h1>{tr!(i18n, login.title)}</h1>
                <p class="lead">{tr!(i18n, login.lead)}</p>
                <ActionForm action=login>
                    <label for="username">{tr!(i18n, login.username)}</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        dir="auto"
                        required
                    />
                    <label for="password">{tr!(i18n, login.password)}</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                    {move || error().map(|error| view! { <FormError error testid="login-error" /> })}
                    <SubmitButton
                        pending
                        label=Signal::derive(tr!(i18n, login.submit))
                        busy_label=Signal::derive(tr!(i18n, login.submitting))
                    />
                </ActionForm>
                <p class="login-aside">
                    <a href=routes::HTTPS>{tr!(i18n, login.https)}</a>
                </p>
            </div>
        </main>
    }
}

/// Signs a user in and sends them on: to change a one-time password first, to
/// the dashboard for a super admin, to the page saying they have no access for
/// anyone else. Every sign-in is logged; failures folded per account per minute.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use std::time::Instant;

    use http::header::SET_COOKIE;

    use crate::ssr::{self, Visitor, auth};

    let visitor = Visitor::check()?;
    let response = ssr::response_options()?;
    let throttle = ssr::sign_in_throttle()?;
    let parts = ssr::request_parts()?;
    let client = ssr::client_address(&parts);
    let from = ssr::client_of(&parts);
    let username = username.trim().to_owned();
    if username.is_empty() || password.is_empty() {
        return Err(AppError::MissingCredentials);
    }

    // The attempt counts as a failure from here on, before its password is
    // checked, so attempts sent at once can't all pass as the first.
    let attempt = match throttle.reserve(client, &username, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::warn!(%client, ?username, "sign-in throttled");
            return Err(too_many(&response, wait.as_secs().max(1)));
        }
    };
    // Waits for the hasher without a thread; past the queue's bound, now.
    let Some(turn) = throttle.queue().turn(attempt.trusted).await else {
        throttle.release(attempt);
        tracing::warn!(%client, ?username, "sign-in refused: the hasher's queue is full");
        return Err(too_many(&response, 1));
    };

    let user = visitor
        .verify_login(username.clone(), password, turn)
        .await?;
    let Some(user) = user else {
        tracing::warn!(%client, ?username, "sign-in refused: wrong username or password");
        let fold = throttle.failures().fail(&username, chrono::Utc::now());
        visitor.log_failure(&username, from, fold).await?;
        return Err(AppError::BadCredentials);
    };
    if user.is_superuser {
        throttle.succeeded(attempt);
    } else {
        // A plain user's right password signs them in to their own account
        // only; it does not clear the device's failures on other accounts.
        throttle.release(attempt);
    }

    let token = visitor.create_session(&user, from).await?;
    let over_https = parts.extensions.get::<ssr::OverHttps>().is_some();
    response.append_header(SET_COOKIE, auth::session_cookie(&token, over_https));
    tracing::info!(?username, "signed in");
    let next = if user.must_change_password {
        routes::ACCOUNT
    } else if user.is_superuser {
        routes::DASHBOARD
    } else {
        routes::NO_ACCESS
    };
    leptos_axum::redirect(next);
    Ok(())
}

/// 429 with `Retry-After`: the password was not checked.
#[cfg(feature = "ssr")]
fn too_many(response: &leptos_axum::ResponseOptions, retry_after_secs: u64) -> AppError {
    if let Ok(value) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.insert_header(http::header::RETRY_AFTER, value);
    }
    AppError::TooManyAttempts { retry_after_secs }
}

/// Ends the session (if any) and sends the browser to the login page. Open to
/// anyone: without a session there is nothing to end.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use http::header::SET_COOKIE;

    use crate::ssr::{self, Visitor, auth};

    let visitor = Visitor::check()?;
    let response = ssr::response_options()?;
    let parts = ssr::request_parts()?;
    if let Some(token) = ssr::session_token(&parts.headers) {
        visitor.end_session(token, ssr::client_of(&parts)).await?;
        // Its event streams end too.
        if let Ok(sign_outs) = ssr::sign_outs() {
            sign_outs.signed_out();
        }
    }
    response.append_header(SET_COOKIE, auth::expired_session_cookie());
    leptos_axum::redirect(routes::LOGIN);
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::test_support::render_in;

    #[test]
    fn login_form_posts_to_the_login_server_function() {
        let html = render_in(Locale::en, || view! { <LoginPage /> });
        assert!(html.contains("action=\"/api/login\""), "{html}");
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("type=\"password\""));
        assert!(html.contains("Sign in"));
        assert!(
            html.contains("action=\"/api/language\""),
            "the switch is there too"
        );
    }
}
