use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::Login;

/// `/login`: username and password, for super admins only.
///
/// The form is an [`ActionForm`]: before the wasm has loaded it is a plain HTML
/// form posting to the `login` server function; afterwards the same form is sent
/// with `fetch`, and the server's redirect to `/` becomes a client-side navigation.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let pending = login.pending();
    let error = move || login.value().get().and_then(Result::err);

    view! {
        <Title text="Sign in" />
        <main class="login">
            <div class="login-card">
                <p class="brand">"reelsync"</p>
                <h1>"Sign in"</h1>
                <p class="lead">"For the mill's super admins."</p>
                <ActionForm action=login>
                    <label for="username">"Username"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                    />
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                    {move || {
                        error()
                            .map(|err| {
                                view! {
                                    <p class="form-error" role="alert" data-testid="login-error">
                                        {err.to_string()}
                                    </p>
                                }
                            })
                    }}
                    <button
                        type="submit"
                        class="button button--primary button--wide"
                        disabled=move || pending.get()
                    >
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_form_posts_to_the_login_server_function() {
        let html = Owner::new().with(|| view! { <LoginPage /> }.to_html());
        assert!(html.contains("action=\"/api/login\""), "{html}");
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("type=\"password\""));
        assert!(html.contains("Sign in"));
    }
}
