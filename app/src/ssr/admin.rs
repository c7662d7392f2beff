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
use engine::Engine;
use http::HeaderMap;
use http::request::Parts;
use leptos::prelude::use_context;

use super::auth::session_token;
use super::{GridCatalogue, RunManager, TrackedList};
use crate::error::AppError;

/// A signed-in super admin, checked against the session store, with the engine
/// their work runs on. Every server function but the public ones takes one first
/// ([`AdminUser::check`]); the event stream takes one as an axum extractor.
#[derive(Clone)]
pub struct AdminUser {
    engine: Engine,
    user: engine::User,
    /// The session's token, so a long request can look again whether it lives.
    token: String,
}

impl std::fmt::Debug for AdminUser {
    /// Without the session's token, which is as good as the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminUser")
            .field("user", &self.user.username)
            .finish_non_exhaustive()
    }
}

impl AdminUser {
    /// The super admin whose session cookie is in `headers`: the session check
    /// itself, which every other way in ends up at.
    ///
    /// `Unauthorized` when there is no session or it is unknown or expired;
    /// `NotSuperAdmin` when the session's user lost the role since signing in.
    pub async fn of(engine: &Engine, headers: &HeaderMap) -> Result<Self, AppError> {
        let token = session_token(headers).ok_or(AppError::Unauthorized)?;
        let user = {
            let token = token.clone();
            blocking(engine, move |engine| engine.session_user(&token)).await?
        }
        .ok_or(AppError::Unauthorized)?;
        if !user.is_superuser {
            return Err(AppError::NotSuperAdmin);
        }
        Ok(Self {
            engine: engine.clone(),
            user,
            token,
        })
    }

    /// The super admin behind the server function call (or page render) being
    /// answered: the one the session gate checked, or checked here when no gate
    /// ran. A server function takes it before it reads any of its arguments, so
    /// nobody without a session learns what they got wrong.
    pub async fn check() -> Result<Self, AppError> {
        // Contexts are read before the first await, while the owner is certainly current.
        let parts = use_context::<Parts>().ok_or_else(|| missing_context("request parts"))?;
        if let Some(checked) = parts.extensions.get::<SessionCheck>() {
            return Ok(checked.take());
        }
        let engine = use_context::<Engine>().ok_or_else(|| missing_context("Engine"))?;
        Self::of(&engine, &parts.headers).await
    }

    /// Who is signed in.
    pub fn user(&self) -> &engine::User {
        &self.user
    }

    /// The session's token (a stream is counted against its session).
    pub fn session(&self) -> &str {
        &self.token
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

    /// Whether the session is still signed in, and still a super admin's: a
    /// long request (an event stream) looks again now and then.
    pub async fn still_signed_in(&self) -> bool {
        let token = self.token.clone();
        matches!(
            blocking(&self.engine, move |engine| engine.session_user(&token)).await,
            Ok(Some(user)) if user.is_superuser
        )
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
            return Ok(checked.take());
        }
        Self::of(&Engine::from_ref(state), &parts.headers).await
    }
}

/// The session gate's check of one request, in the request's extensions: the
/// [`AdminUser`] it found, and whether a handler took it. A server function that
/// answers without having taken it never asked who was calling, which the
/// server refuses to pass off as an answer.
#[derive(Clone)]
pub struct SessionCheck {
    admin: AdminUser,
    taken: Arc<AtomicBool>,
}

impl SessionCheck {
    /// The gate's check, not taken yet.
    pub fn new(admin: AdminUser) -> Self {
        Self {
            admin,
            taken: Arc::default(),
        }
    }

    /// Whether a handler has taken the [`AdminUser`].
    pub fn taken(&self) -> bool {
        self.taken.load(Ordering::Relaxed)
    }

    fn take(&self) -> AdminUser {
        self.taken.store(true, Ordering::Relaxed);
        self.admin.clone()
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

    /// A new session for `user`, whose password was just verified: its token.
    pub async fn create_session(&self, user: &engine::User) -> Result<String, AppError> {
        let id = user.id;
        blocking(&self.engine, move |engine| engine.create_session(id)).await
    }

    /// Ends the session with this token, if there is one.
    pub async fn end_session(&self, token: String) -> Result<(), AppError> {
        blocking(&self.engine, move |engine| engine.end_session(&token)).await
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
