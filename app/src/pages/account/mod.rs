//! The signed-in user's own account, open to anyone signed in: `/account`,
//! changing one's password (first of all a one-time one), and `/no-access`,
//! what a user who is not a super admin sees. Neither is inside the admin's
//! frame: its navigation leads to screens such a user can't open.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::components::{FormError, LanguageSwitch, Loaded, SubmitButton};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::pages::Logout;
use crate::routes;

/// Who is signed in, as their own pages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub username: String,
    pub is_superuser: bool,
    pub must_change_password: bool,
}

/// The signed-in user. Requires a session (any user's).
#[server(endpoint = "account")]
pub async fn account() -> Result<AccountView, AppError> {
    use crate::ssr::SignedInUser;

    let user = SignedInUser::check().await?;
    let user = user.user();
    Ok(AccountView {
        username: user.username.clone(),
        is_superuser: user.is_superuser,
        must_change_password: user.must_change_password,
    })
}

/// Changes the signed-in user's password, given the current one, and sends
/// them on to where they work; their other sessions end. Requires a session
/// (any user's).
#[server(endpoint = "change-password")]
pub async fn change_password(
    current: String,
    password: String,
    repeat: String,
) -> Result<(), AppError> {
    use crate::ssr::SignedInUser;

    let signed_in = SignedInUser::check().await?;
    if password != repeat {
        return Err(AppError::PasswordsDiffer);
    }
    let by = signed_in.actor();
    let token = signed_in.session().to_owned();
    signed_in
        .work(move |engine, user| {
            engine.change_password(user, &current, &password, Some(&token), &by)
        })
        .await?;
    if let Ok(sign_outs) = crate::ssr::sign_outs() {
        sign_outs.signed_out();
    }
    let user = signed_in.user();
    leptos_axum::redirect(if user.is_superuser {
        routes::DASHBOARD
    } else {
        routes::NO_ACCESS
    });
    Ok(())
}

/// The frame of a user's own pages: the name, the language switch, signing
/// out, and the page in a card.
#[component]
fn AccountFrame(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    view! {
        <main class="login" id="main">
            <div class="login-tools">
                <LanguageSwitch />
                <ActionForm action=logout>
                    <button type="submit" class="button" data-testid="sign-out">
                        {tr!(i18n, nav.sign_out)}
                    </button>
                </ActionForm>
            </div>
            <div class="login-card">
                <p class="brand">{tr!(i18n, brand)}</p>
                {children()}
            </div>
        </main>
    }
}

/// `/account`: change one's password.
#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new(|| (), |_| account());
    let change = ServerAction::<ChangePassword>::new();
    let error = move || change.value().get().and_then(Result::err);
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), account.title).to_string() />
        <AccountFrame>
            <h1>{tr!(i18n, account.title)}</h1>
            <Loaded
                resource=me
                view=move |me: AccountView| {
                    let lead = move || {
                        if me.must_change_password {
                            td_string!(i18n.get_locale(), account.one_time_lead, name = me.username.clone())
                                .to_string()
                        } else {
                            td_string!(i18n.get_locale(), account.lead, name = me.username.clone())
                                .to_string()
                        }
                    };
                    view! { <p class="lead" data-testid="account-lead">{lead}</p> }
                }
                loading=Signal::derive(tr!(i18n, account.loading))
                error_title=Signal::derive(tr!(i18n, account.load_failed))
            />
            <ActionForm action=change attr:data-testid="change-password">
                <label for="current-password">{tr!(i18n, account.current_password)}</label>
                <input id="current-password" name="current" type="password" autocomplete="current-password" required />
                <label for="new-password">{tr!(i18n, account.new_password)}</label>
                <input id="new-password" name="password" type="password" autocomplete="new-password" required />
                <label for="repeat-password">{tr!(i18n, account.repeat_password)}</label>
                <input id="repeat-password" name="repeat" type="password" autocomplete="new-password" required />
                <p class="hint">{tr!(i18n, account.hint)}</p>
                {move || error().map(|error| view! { <FormError error testid="account-error" /> })}
                <SubmitButton
                    pending=change.pending()
                    label=Signal::derive(tr!(i18n, account.change))
                    busy_label=Signal::derive(tr!(i18n, account.changing))
                />
            </ActionForm>
        </AccountFrame>
    }
}

/// `/no-access`: a user who is not a super admin is signed in, and told so.
#[component]
pub fn NoAccessPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new(|| (), |_| account());
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), account.no_access_title).to_string() />
        <AccountFrame>
            <h1>{tr!(i18n, account.no_access_title)}</h1>
            <Loaded
                resource=me
                view=move |me: AccountView| {
                    view! {
                        <p class="lead" data-testid="no-access">
                            {move || td_string!(i18n.get_locale(), account.no_access, name = me.username.clone()).to_string()}
                        </p>
                    }
                }
                loading=Signal::derive(tr!(i18n, account.loading))
                error_title=Signal::derive(tr!(i18n, account.load_failed))
            />
            <a class="button" href=routes::ACCOUNT>{tr!(i18n, account.change)}</a>
        </AccountFrame>
    }
}
