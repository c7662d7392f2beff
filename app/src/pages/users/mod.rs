//! `/users`: every account, with its role, whether it is active, its last
//! sign-in and its open sessions; adding a user with a one-time password,
//! disabling and enabling, the super admin role, password resets and ending a
//! session. Each action is a plain form, so it works before (or without) the
//! wasm; with it, the list is read again in place.

mod api;

pub use api::{
    AddUser, EndSession, ListUsers, ResetPassword, SetUserActive, SetUserRole, UserRow, UsersView,
    list_users,
};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::UserAccount;

use crate::components::{FormError, Loaded, SubmitButton};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::{fmt, routes};

/// Where an action sent as a plain form lands: the list, saying what was done.
#[cfg(feature = "ssr")]
fn done(what: &str) {
    crate::ssr::redirect_plain_form(&format!("{}?done={what}", routes::USERS));
    // A session ended by a change ends its event streams too.
    if let Ok(sign_outs) = crate::ssr::sign_outs() {
        sign_outs.signed_out();
    }
}

/// Each action's form, shared by every row: any one's outcome refreshes the
/// list and is shown at the top.
#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<AddUser>,
    active: ServerAction<SetUserActive>,
    role: ServerAction<SetUserRole>,
    reset: ServerAction<ResetPassword>,
    end: ServerAction<EndSession>,
    /// The latest action's outcome.
    outcome: RwSignal<Option<Result<(), AppError>>>,
}

impl Actions {
    fn new() -> Self {
        let actions = Self {
            add: ServerAction::new(),
            active: ServerAction::new(),
            role: ServerAction::new(),
            reset: ServerAction::new(),
            end: ServerAction::new(),
            outcome: RwSignal::new(None),
        };
        follow(actions.add, actions.outcome);
        follow(actions.active, actions.outcome);
        follow(actions.role, actions.outcome);
        follow(actions.reset, actions.outcome);
        follow(actions.end, actions.outcome);
        actions
    }

    /// The latest action's outcome. Before the wasm, a refused plain form
    /// comes back with its error in the address, which is its action's value
    /// when the page is rendered (and only one can be).
    fn outcome(self) -> Option<Result<(), AppError>> {
        self.outcome.get().or_else(|| {
            self.add
                .value()
                .get()
                .or_else(|| self.active.value().get())
                .or_else(|| self.role.value().get())
                .or_else(|| self.reset.value().get())
                .or_else(|| self.end.value().get())
        })
    }

    /// Counts every action done, so the list is read again after each.
    fn version(self) -> usize {
        self.add.version().get()
            + self.active.version().get()
            + self.role.version().get()
            + self.reset.version().get()
            + self.end.version().get()
    }
}

/// Keeps `outcome` at `action`'s latest outcome, whenever it has a new one.
fn follow<S>(action: ServerAction<S>, outcome: RwSignal<Option<Result<(), AppError>>>)
where
    S: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(latest) = action.value().get() {
            outcome.set(Some(latest));
        }
    });
}

/// `/users`.
#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let actions = Actions::new();
    let query = use_query_map();
    let users = Resource::new(move || actions.version(), |_| list_users());
    // A plain form's action comes back as `?done=…`; the wasm's stays here.
    let landed = move || query.with(|q| q.get("done")).is_some();
    let done_note = move || {
        view! {
            <p class="form-saved" role="status" data-testid="users-done">
                {tr!(i18n, users.done)}
            </p>
        }
    };
    let outcome = move || match actions.outcome() {
        Some(Err(error)) => Some(view! { <FormError error testid="users-error" /> }.into_any()),
        Some(Ok(())) => Some(done_note().into_any()),
        None => landed().then(|| done_note().into_any()),
    };
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), users.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, users.title)}</h1>
            <a class="button" href=routes::ACCOUNT data-testid="change-own-password">
                {tr!(i18n, account.change)}
            </a>
        </div>
        {outcome}
        <AddUserForm action=actions.add />
        <Loaded
            resource=users
            view=move |view| view! { <UserList view actions /> }
            loading=Signal::derive(tr!(i18n, users.loading))
            error_title=Signal::derive(tr!(i18n, users.load_failed))
        />
    }
}

/// "Add a user": a name, a one-time password and the role.
#[component]
fn AddUserForm(action: ServerAction<AddUser>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel">
            <h2>{tr!(i18n, users.add_title)}</h2>
            <ActionForm action attr:class="form" attr:data-testid="add-user">
                <label for="new-username">{tr!(i18n, login.username)}</label>
                <input
                    id="new-username"
                    name="username"
                    type="text"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    dir="auto"
                    required
                />
                <label for="new-password">{tr!(i18n, users.one_time_password)}</label>
                <input
                    id="new-password"
                    name="password"
                    type="text"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    dir="ltr"
                    required
                />
                <p class="hint">{tr!(i18n, users.one_time_hint)}</p>
                <label class="check">
                    <input type="checkbox" name="superuser" value="on" />
                    <span>{tr!(i18n, users.super_admin)}</span>
                </label>
                <SubmitButton
                    pending=action.pending()
                    label=Signal::derive(tr!(i18n, users.add))
                    busy_label=Signal::derive(tr!(i18n, users.adding))
                />
            </ActionForm>
        </section>
    }
}

/// Every account, one card each.
#[component]
fn UserList(view: UsersView, actions: Actions) -> impl IntoView {
    let UsersView { me, users } = view;
    view! {
        <ul class="user-list" data-testid="user-list">
            {users
                .into_iter()
                .map(|row| {
                    let own = row.account.username.eq_ignore_ascii_case(&me);
                    view! { <UserCard row own actions /> }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// One account: who, role, state, last sign-in and sessions, and what can be
/// done to it (folded).
#[component]
fn UserCard(row: UserRow, own: bool, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let UserRow {
        account,
        last_sign_in,
        sessions,
    } = row;
    let UserAccount {
        username,
        is_superuser,
        active,
        must_change_password,
        ..
    } = account;
    let role = move || {
        if is_superuser {
            td_string!(i18n.get_locale(), users.role_super_admin)
        } else {
            td_string!(i18n.get_locale(), users.role_user)
        }
    };
    let state = move || {
        if active {
            td_string!(i18n.get_locale(), users.active)
        } else {
            td_string!(i18n.get_locale(), users.disabled)
        }
    };
    let last = last_sign_in.map(|at| fmt::date_time(i18n.get_locale_untracked(), at.local));
    let from = account.last_sign_in.and_then(|s| s.from);
    let last_line = move || match (&last, &from) {
        (Some(at), Some(from)) => td_string!(
            i18n.get_locale(),
            users.last_sign_in_from,
            at = at.clone(),
            from = from.clone()
        )
        .to_string(),
        (Some(at), None) => {
            td_string!(i18n.get_locale(), users.last_sign_in, at = at.clone()).to_string()
        }
        _ => td_string!(i18n.get_locale(), users.never_signed_in).to_string(),
    };
    let session_count = sessions.len();
    let sessions_line = move || {
        td_string!(
            i18n.get_locale(),
            users.sessions,
            count = fmt::number(i18n.get_locale(), session_count as u64)
        )
        .to_string()
    };
    let name = username.clone();
    view! {
        <li
            class="user-card"
            data-testid="user-row"
            data-user=username.clone()
            data-active=active.to_string()
            data-role=if is_superuser { "super_admin" } else { "user" }
        >
            <div class="user-head">
                <strong dir="auto">{username.clone()}</strong>
                <span class="badge" data-testid="user-role">{role}</span>
                <span class=if active { "badge" } else { "badge badge--warn" } data-testid="user-state">
                    {state}
                </span>
                {must_change_password.then(|| view! {
                    <span class="badge">{tr!(i18n, users.one_time)}</span>
                })}
                {own.then(|| view! { <span class="badge">{tr!(i18n, users.you)}</span> })}
            </div>
            <p class="hint">{last_line}</p>
            <p class="hint" data-testid="user-sessions" data-value=session_count>{sessions_line}</p>
            <details class="user-actions">
                <summary class="button">{tr!(i18n, users.manage)}</summary>
                <UserActions username=name.clone() active is_superuser own actions />
                <SessionList username=name sessions action=actions.end />
            </details>
        </li>
    }
    .into_any()
}

/// Disable or enable, the role, and a password reset. One's own account can't
/// be disabled nor demoted (another super admin can).
#[component]
fn UserActions(
    username: String,
    active: bool,
    is_superuser: bool,
    own: bool,
    actions: Actions,
) -> impl IntoView {
    let i18n = use_i18n();
    let password_id = format!("reset-{username}");
    let (for_active, for_role) = (username.clone(), username.clone());
    view! {
        <div class="user-buttons">
            <ActionForm action=actions.active>
                <input type="hidden" name="username" value=for_active />
                <input type="hidden" name="active" value=(!active).to_string() />
                <button type="submit" class="button" disabled=own && active>
                    {move || if active {
                        td_string!(i18n.get_locale(), users.disable)
                    } else {
                        td_string!(i18n.get_locale(), users.enable)
                    }}
                </button>
            </ActionForm>
            <ActionForm action=actions.role>
                <input type="hidden" name="username" value=for_role />
                <input type="hidden" name="superuser" value=(!is_superuser).to_string() />
                <button type="submit" class="button" disabled=own && is_superuser>
                    {move || if is_superuser {
                        td_string!(i18n.get_locale(), users.demote)
                    } else {
                        td_string!(i18n.get_locale(), users.promote)
                    }}
                </button>
            </ActionForm>
        </div>
        <ActionForm action=actions.reset attr:class="form">
            <input type="hidden" name="username" value=username />
            <label for=password_id.clone()>{tr!(i18n, users.new_one_time_password)}</label>
            <div class="field-with-button">
                <input
                    id=password_id
                    name="password"
                    type="text"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    dir="ltr"
                    required
                />
                <button type="submit" class="button">{tr!(i18n, users.reset)}</button>
            </div>
        </ActionForm>
    }
}

/// A user's open sessions, each with "End session".
#[component]
fn SessionList(
    username: String,
    sessions: Vec<(model::OpenSession, crate::pages::Moment)>,
    action: ServerAction<EndSession>,
) -> impl IntoView {
    let i18n = use_i18n();
    if sessions.is_empty() {
        return view! { <p class="hint">{tr!(i18n, users.no_sessions)}</p> }.into_any();
    }
    view! {
        <ul class="session-list">
            {sessions
                .into_iter()
                .map(|(session, seen)| {
                    let username = username.clone();
                    let seen = fmt::date_time(i18n.get_locale_untracked(), seen.local);
                    let client = session.client.unwrap_or_default();
                    let agent = session.agent.unwrap_or_default();
                    view! {
                        <li data-testid="user-session">
                            <span>
                                {move || td_string!(i18n.get_locale(), users.session_seen, at = seen.clone()).to_string()}
                            </span>
                            <span class="hint" dir="ltr">{client}</span>
                            <span class="hint activity-agent" dir="ltr">{agent}</span>
                            <ActionForm action>
                                <input type="hidden" name="username" value=username.clone() />
                                <input type="hidden" name="session" value=session.id.to_string() />
                                <button type="submit" class="button">{tr!(i18n, users.end_session)}</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
