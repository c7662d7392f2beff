//! The one way a request reaches the engine: as a checked [`AdminUser`], or, for
//! the few server functions open to anyone (signing in and out), as a
//! [`Visitor`] that can do only those.
//!
//! The engine, the run manager and the import grid's catalogue are handed out by
//! these types alone (the Leptos context's copies are private to this module), so
//! a server function that has not checked the session has nothing to work with.
//! The server's session gate checks every request that is not public before any
//! handler runs and passes the [`AdminUser`] on in the request's extensions;
//! taking it there marks it taken, and the gate's caller fails a server function
//! that answered without taking it (see [`SessionCheck`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{FromRef, FromRequestParts};
use engine::{Actor, Client, Engine};
use http::HeaderMap;
use http::request::Parts;
use leptos::prelude::use_context;

use super::auth::session_token;
use super::{GridCatalogue, RunManager, TrackedList};
use crate::error::AppError;

/// Someone signed in, checked against the session store: any active user,
/// super admin or not. Only their own account's pages take one
/// ([`crate::routes::ACCOUNT_PATHS`]); everything else takes an [`AdminUser`].
#[derive(Clone)]
pub struct SignedInUser {
    engine: Engine,
    user: engine::User,
    /// The session's token, so a long request can look again whether it lives.
    token: String,
    /// Where the request came from, for the activity log.
    client: Client,
}

impl std::fmt::Debug for SignedInUser {
    /// Without the session's token, which is as good as the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedInUser")
            .field("user", &self.user.username)
            .finish_non_exhaustive()
    }
}

impl SignedInUser {
    /// The user whose session cookie is in `headers`, asking from `client`:
    /// the session check itself, which every other way in ends up at.
    /// `Unauthorized` when there is no session or it is unknown, expired or
    /// its user disabled.
    pub async fn of(
        engine: &Engine,
        headers: &HeaderMap,
        client: Client,
    ) -> Result<Self, AppError> {
        let token = session_token(headers).ok_or(AppError::Unauthorized)?;
        let user = {
            let token = token.clone();
            blocking(engine, move |engine| engine.session_user(&token)).await?
        }
        .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            engine: engine.clone(),
            user,
            token,
            client,
        })
    }

    /// The signed-in user behind the server function call (or page render)
    /// being answered: the one the session gate checked, or checked here.
    pub async fn check() -> Result<Self, AppError> {
        // Contexts are read before the first await, while the owner is certainly current.
        let parts = use_context::<Parts>().ok_or_else(|| missing_context("request parts"))?;
        if let Some(checked) = parts.extensions.get::<SessionCheck>() {
            return Ok(checked.take());
        }
        let engine = use_context::<Engine>().ok_or_else(|| missing_context("Engine"))?;
        Self::of(&engine, &parts.headers, client_of(&parts)).await
    }

    /// The super admin this is, if they may use reelsync's screens:
    /// `MustChangePassword` while they hold a one-time password,
    /// `NotSuperAdmin` for anyone else.
    pub fn admin(self) -> Result<AdminUser, AppError> {
        if self.user.must_change_password {
            return Err(AppError::MustChangePassword);
        }
        if !self.user.is_superuser {
            return Err(AppError::NotSuperAdmin);
        }
        Ok(AdminUser(self))
    }

    /// Who is signed in.
    pub fn user(&self) -> &engine::User {
        &self.user
    }

    /// The session's token (a stream is counted against its session).
    pub fn session(&self) -> &str {
        &self.token
    }

    /// The user, and where they ask from, as the activity log records them.
    pub fn actor(&self) -> Actor {
        Actor::web(self.user.username.clone(), self.client.clone())
    }

    /// Runs `work` for this user on tokio's blocking pool (SQLite, password
    /// hashing), so a slow warehouse lock never stalls the async workers serving
    /// other requests. An engine error becomes the [`AppError`] the user is told.
    pub async fn work<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine, &engine::User) -> engine::Result<T> + Send + 'static,
    {
        let user = self.user.clone();
        blocking(&self.engine, move |engine| work(engine, &user)).await
    }
}

/// A signed-in super admin who may use every screen, with the engine their
/// work runs on. Every server function but the public and account ones takes
/// one first ([`AdminUser::check`]); the event stream takes one as an axum
/// extractor.
#[derive(Clone, Debug)]
pub struct AdminUser(SignedInUser);

impl std::ops::Deref for AdminUser {
    type Target = SignedInUser;

    fn deref(&self) -> &SignedInUser {
        &self.0
    }
}

impl AdminUser {
    /// The super admin whose session cookie is in `headers` ([`SignedInUser::of`],
    /// then [`SignedInUser::admin`]).
    pub async fn of(
        engine: &Engine,
        headers: &HeaderMap,
        client: Client,
    ) -> Result<Self, AppError> {
        SignedInUser::of(engine, headers, client).await?.admin()
    }

    /// The super admin behind the server function call (or page render) being
    /// answered. A server function takes it before it reads any of its
    /// arguments, so nobody without a session learns what they got wrong.
    pub async fn check() -> Result<Self, AppError> {
        SignedInUser::check().await?.admin()
    }

    /// The run manager the server set up: starting and cancelling runs, and the
    /// run in progress.
    pub fn runs(&self) -> Result<RunManager, AppError> {
        shared("RunManager")
    }

    /// The import grid's catalogue the server keeps.
    pub fn grid(&self) -> Result<GridCatalogue, AppError> {
        shared("GridCatalogue")
    }

    /// The products list's catalogue the server keeps.
    pub fn tracked(&self) -> Result<TrackedList, AppError> {
        shared("TrackedList")
    }

    /// A run of `scope` asked for by this super admin from their client.
    pub fn run_request(&self, scope: model::RunScope, dry_run: bool) -> model::RunRequest {
        model::RunRequest::manual(scope, self.user.username.clone(), dry_run)
            .from_client(self.client.clone())
    }

    /// Whether the session is still signed in, and still a super admin's: a
    /// long request (an event stream) looks again now and then.
    pub async fn still_signed_in(&self) -> bool {
        let token = self.token.clone();
        matches!(
            blocking(&self.engine, move |engine| engine.session_user(&token)).await,
            Ok(Some(user)) if user.is_superuser && !user.must_change_password
        )
    }
}

/// Where a request came from: the address the TCP connection says (never a
/// header a client could forge) and the browser its `User-Agent` names, cut
/// to a length a log row can hold.
pub fn client_of(parts: &Parts) -> Client {
    client_from(&parts.headers, &parts.extensions)
}

/// [`client_of`] from a request's headers and extensions.
pub fn client_from(headers: &HeaderMap, extensions: &http::Extensions) -> Client {
    const MAX_AGENT_CHARS: usize = 200;
    let agent = headers
        .get(http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|agent| {
            agent
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_AGENT_CHARS)
                .collect::<String>()
        })
        .filter(|agent| !agent.is_empty());
    Client {
        address: super::peer_address(extensions).to_string(),
        agent,
    }
}

/// An axum handler (the event stream) takes an [`AdminUser`] as it takes its
/// other arguments: the gate's, or checked here with the state's engine. A
/// refusal is the [`AppError`] with its status.
impl<S> FromRequestParts<S> for AdminUser
where
    S: Send + Sync,
    Engine: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(checked) = parts.extensions.get::<SessionCheck>() {
            return checked.take().admin();
        }
        let client = client_of(parts);
        Self::of(&Engine::from_ref(state), &parts.headers, client).await
    }
}

/// The session gate's check of one request, in the request's extensions: the
/// [`SignedInUser`] user it found, and whether a handler took them. A server function that
/// answers without having taken it never asked who was calling, which the
/// server refuses to pass off as an answer.
#[derive(Clone)]
pub struct SessionCheck {
    signed_in: SignedInUser,
    taken: Arc<AtomicBool>,
}

impl SessionCheck {
    /// The gate's check, not taken yet.
    pub fn new(signed_in: SignedInUser) -> Self {
        Self {
            signed_in,
            taken: Arc::default(),
        }
    }

    /// Whether a handler has taken the [`AdminUser`].
    pub fn taken(&self) -> bool {
        self.taken.load(Ordering::Relaxed)
    }

    fn take(&self) -> SignedInUser {
        self.taken.store(true, Ordering::Relaxed);
        self.signed_in.clone()
    }
}

/// The way in for the server functions open to anyone: signing in, where the
/// password is the check, and signing out. It reaches the engine only through
/// what those need.
pub struct Visitor {
    engine: Engine,
}

impl Visitor {
    /// The visitor behind the server function call being answered.
    pub fn check() -> Result<Self, AppError> {
        let engine = use_context::<Engine>().ok_or_else(|| missing_context("Engine"))?;
        Ok(Self { engine })
    }

    /// The local HTTPS authority's fingerprint while HTTPS is turned on (the
    /// authority outlives a switch off, for the next switch on).
    pub async fn authority_fingerprint(&self) -> Result<Option<String>, AppError> {
        blocking(&self.engine, |engine| {
            if !engine::tls::is_enabled(engine.data_dir()) {
                return Ok(None);
            }
            Ok(engine::tls::authority(engine.data_dir())?.map(|authority| authority.fingerprint))
        })
        .await
    }

    /// The user with this name and password, if they match.
    pub async fn verify_login<G: Send + 'static>(
        &self,
        username: String,
        password: String,
        hold: G,
    ) -> Result<Option<engine::User>, AppError> {
        blocking(&self.engine, move |engine| {
            // Held until the hash is done, even if the client has gone.
            let _hold = hold;
            engine.verify_login(&username, &password)
        })
        .await
    }

    /// A new session for `user`, whose password was just verified, signing in
    /// from `client`: its token.
    pub async fn create_session(
        &self,
        user: &engine::User,
        client: Client,
    ) -> Result<String, AppError> {
        let user = user.clone();
        let by = Actor::web(user.username.clone(), client);
        blocking(&self.engine, move |engine| {
            engine.create_session(&user, &by)
        })
        .await
    }

    /// Ends the session with this token, if there is one: its user signs out
    /// from `client`.
    pub async fn end_session(&self, token: String, client: Client) -> Result<(), AppError> {
        blocking(&self.engine, move |engine| {
            engine.end_session(&token, Some(client))
        })
        .await
    }

    /// Logs a failed sign-in on the account `username` from `client` as
    /// `fold` says: the minute's first, and what an earlier minute folded.
    pub async fn log_failure(
        &self,
        username: &str,
        client: Client,
        fold: super::failures::Fold,
    ) -> Result<(), AppError> {
        let by = Actor::web(username, client);
        blocking(&self.engine, move |engine| {
            let refused = engine::ActivityOutcome::Refused;
            if let Some((more, minute)) = fold.folded_before {
                let detail = serde_json::json!({ "more": more, "minute": minute }).to_string();
                engine.log_activity(&by, "sign_in.failed", &by.who, Some(&detail), refused)?;
            }
            if fold.first {
                engine.log_activity(&by, "sign_in.failed", &by.who, None, refused)?;
            }
            Ok(())
        })
        .await
    }
}

/// Runs blocking engine work on tokio's blocking pool.
async fn blocking<T, F>(engine: &Engine, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> engine::Result<T> + Send + 'static,
{
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || work(&engine))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "blocking engine task did not finish");
            AppError::Internal
        })?
        .map_err(AppError::from)
}

fn shared<T: Clone + Send + Sync + 'static>(what: &str) -> Result<T, AppError> {
    use_context::<T>().ok_or_else(|| missing_context(what))
}

fn missing_context(what: &str) -> AppError {
    tracing::error!("{what} missing from the Leptos context; is the server set up right?");
    AppError::Internal
}
