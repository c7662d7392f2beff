//! `/login`, and signing in and out.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{FormError, LanguageSwitch, SubmitButton};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::use_i18n;

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
            </div>
        </main>
    }
}

/// Signs in a super admin and sends them to the dashboard.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use std::sync::Arc;
    use std::time::Instant;

    use http::HeaderValue;
    use http::header::{RETRY_AFTER, SET_COOKIE};

    use crate::routes;
    use crate::ssr::{self, SignInThrottle, auth, blocking, respond};

    respond(async move {
        let engine = ssr::engine()?;
        let response = ssr::response_options()?;
        let throttle: Arc<SignInThrottle> = ssr::shared("SignInThrottle")?;
        let client = ssr::client_address(&ssr::request_parts()?);
        let username = username.trim().to_owned();
        if username.is_empty() || password.is_empty() {
            return Err(AppError::MissingCredentials);
        }

        if let Some(wait) = throttle.wait(client, &username, Instant::now()) {
            let retry_after_secs = wait.as_secs().max(1);
            tracing::warn!(%client, %username, retry_after_secs, "sign-in throttled");
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.insert_header(RETRY_AFTER, value);
            }
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }

        let name = username.clone();
        let user = blocking(&engine, move |engine| engine.verify_login(&name, &password)).await?;
        let Some(user) = user else {
            throttle.failed(client, &username, Instant::now());
            tracing::warn!(%client, %username, "sign-in refused: wrong username or password");
            return Err(AppError::BadCredentials);
        };
        throttle.succeeded(client, &username);
        if !user.is_superuser {
            tracing::warn!(%client, %username, "sign-in refused: not a super admin");
            return Err(AppError::NotSuperAdmin);
        }

        let token = blocking(&engine, move |engine| engine.create_session(user.id)).await?;
        response.append_header(SET_COOKIE, auth::session_cookie(&token));
        tracing::info!(%username, "signed in");
        leptos_axum::redirect(routes::DASHBOARD);
        Ok(())
    })
    .await
}

/// Ends the session (if any) and sends the browser to the login page. Open to
/// anyone: without a session there is nothing to end.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use http::header::SET_COOKIE;

    use crate::routes;
    use crate::ssr::{self, auth, blocking, respond};

    respond(async move {
        let engine = ssr::engine()?;
        let response = ssr::response_options()?;
        if let Some(token) = ssr::session_token(&ssr::request_parts()?.headers) {
            blocking(&engine, move |engine| engine.end_session(&token)).await?;
        }
        response.append_header(SET_COOKIE, auth::expired_session_cookie());
        leptos_axum::redirect(routes::LOGIN);
        Ok(())
    })
    .await
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
