//! `reelsync serve`: the web server, and the schedule's background task.
//!
//! An axum router with the Leptos pages and server functions, behind its layers:
//! security headers on every response, a same-origin check on every state-changing
//! request, each failed server function's status from its error, and a super
//! admin session check in front of everything not named public (a page without
//! one is sent to `/login`; a server function or stream is answered with the
//! typed error). The checked [`app::ssr::AdminUser`] goes on to the handler, the
//! only way it reaches the engine.

mod assets;
mod authority;
mod events;
mod export;
mod listen;
mod secure;
mod security;
mod statuses;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use anyhow::Context;
use app::error::AppError;
use app::routes::{self, PUBLIC_FUNCTIONS, PUBLIC_PAGES};
use app::ssr::{AdminUser, RunManager, SessionCheck, SignedInUser};
use app::{App, shell};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use engine::Engine;
use leptos::config::{Env, LeptosOptions, get_configuration};
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use tower_http::compression::CompressionLayer;

/// Options of `reelsync serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: LEPTOS_SITE_ADDR, else 127.0.0.1:3000].
    /// Use 0.0.0.0:3000 to serve the LAN.
    #[arg(long, env = "REELSYNC_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,
    /// Minutes a session may go unused before it ends (1–720; a session lasts 12
    /// hours at most regardless).
    #[arg(
        long,
        env = "REELSYNC_SESSION_IDLE_MINUTES",
        value_name = "MIN",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=720)
    )]
    pub session_idle: u64,
    /// More host names the server may be reached by (besides its addresses,
    /// `localhost` and this machine's name), comma-separated: a request for any
    /// other name is refused (421), as DNS rebinding would send one.
    #[arg(
        long = "allow-host",
        env = "REELSYNC_ALLOWED_HOSTS",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Where HTTPS is served once `reelsync https enable` made its certificate
    /// [default: the HTTP address's host, port 3443].
    #[arg(long, env = "REELSYNC_HTTPS_ADDR", value_name = "HOST:PORT")]
    pub https_addr: Option<SocketAddr>,
}

/// The HTTPS port when none is given.
pub const DEFAULT_HTTPS_PORT: u16 = 3443;

/// Opens the engine and serves until Ctrl-C or SIGTERM.
pub async fn serve(mut config: engine::Config, args: ServeArgs) -> anyhow::Result<()> {
    config.session_idle = std::time::Duration::from_secs(args.session_idle * 60);
    let data_dir = config.data_dir.clone();
    let descriptors = listen::raise_descriptor_limit();
    let engine = tokio::task::spawn_blocking(move || Engine::open(config))
        .await
        .context("opening the engine")??;
    let options = leptos_options(&args)?;
    let runs = RunManager::new(engine);
    crate::scheduler::spawn(runs.clone());
    let grid = runs.grid().clone();
    // In the background: the server answers meanwhile.
    tokio::task::spawn_blocking(move || grid.prepare());
    let listener = tokio::net::TcpListener::bind(options.site_addr)
        .await
        .with_context(|| format!("listening on {}", options.site_addr))?;
    tracing::info!(
        "reelsync is serving http://{} (site root {})",
        listener.local_addr()?,
        options.site_root
    );
    let https_addr = args
        .https_addr
        .unwrap_or_else(|| SocketAddr::new(options.site_addr.ip(), DEFAULT_HTTPS_PORT));
    let limits = listen::Limits::for_descriptors(descriptors);
    tracing::info!(
        descriptors,
        connections = limits.total,
        per_client = limits.per_client,
        "connection caps"
    );
    let hosts = Arc::new(security::AllowedHosts::new(&args.allowed_hosts));
    let (https, control) = app::ssr::HttpsSwitch::new();
    let app = router(runs, options, https)
        .layer(middleware::from_fn_with_state(hosts, security::known_host));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let secure = secure::Secure {
        addr: https_addr,
        data_dir,
        app: app.clone(),
        limits,
    }
    .start(control, stopped.clone())
    .await;
    // Under systemd (`Type=notify`), the unit is started once the ports are
    // open; anywhere else there is no one to tell and nothing happens.
    notify_systemd(sd_notify::NotifyState::Ready);
    let plain = listen::serve(listener, app, limits, None, secure::stopping(stopped));
    let signal = async {
        shutdown_signal().await;
        notify_systemd(sd_notify::NotifyState::Stopping);
        let _ = stop.send(true);
    };
    tokio::join!(plain, signal);
    let _ = secure.await;
    Ok(())
}

/// Tells systemd the service's state, when it runs the service.
fn notify_systemd(state: sd_notify::NotifyState<'_>) {
    if let Err(error) = sd_notify::notify(false, &[state]) {
        tracing::warn!(%error, "could not tell systemd the service's state");
    }
}

/// Leptos's options from its `LEPTOS_*` environment variables (cargo-leptos sets
/// them; so do the run script and the systemd unit), with `--addr` on top.
fn leptos_options(args: &ServeArgs) -> anyhow::Result<LeptosOptions> {
    let mut options = get_configuration(None)
        .context("reading the LEPTOS_* settings")?
        .leptos_options;
    if let Some(addr) = args.addr {
        options.site_addr = addr;
    }
    // Leptos assumes development unless told otherwise; an installed reelsync is
    // production (no live-reload script) unless LEPTOS_ENV says so.
    if std::env::var_os("LEPTOS_ENV").is_none() {
        options.env = Env::PROD;
    }
    // A release build names its wasm, JS and CSS by their content and writes the
    // names beside the binary; use them unless LEPTOS_HASH_FILES says otherwise.
    let hashes = assets::hash_file(&options);
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        options.hash_files = hashes.as_ref().is_ok_and(|path| path.exists());
    }
    assets::check_site(&options)?;
    Ok(options)
}

/// The whole web app: pages, server functions, static files and security layers.
pub fn router(runs: RunManager, options: LeptosOptions, https: app::ssr::HttpsSwitch) -> Router {
    let engine = runs.engine().clone();
    let grid = runs.grid().clone();
    let tracked = app::ssr::TrackedList::new(engine.clone());
    // Every page render and server function call sees the engine, the runs, the
    // sign-in throttle and the two lists' catalogues in its context.
    let throttle = Arc::new(app::ssr::SignInThrottle::default());
    let sign_outs = app::ssr::SignOuts::default();
    let context = {
        let engine = engine.clone();
        let runs = runs.clone();
        let sign_outs = sign_outs.clone();
        move || {
            provide_context(engine.clone());
            provide_context(runs.clone());
            provide_context(throttle.clone());
            provide_context(grid.clone());
            provide_context(tracked.clone());
            provide_context(sign_outs.clone());
            provide_context(https.clone());
        }
    };
    let app_shell = {
        let options = options.clone();
        move || shell(options.clone())
    };

    let public = Arc::new(PublicPaths::of_site(&options.site_root));
    // `leptos_routes_with_context` mounts the pages and the server functions.
    let streams = Router::new()
        .route(
            routes::RUN_EVENTS_ROUTE,
            axum::routing::get(events::run_events),
        )
        .with_state(events::Streams::new(engine.clone(), runs, sign_outs));
    let downloads = Router::new()
        .route(
            routes::ACTIVITY_CSV,
            axum::routing::get(export::activity_csv),
        )
        .route(
            routes::CA_CERT,
            axum::routing::get(authority::ca_certificate),
        )
        .with_state(engine.clone());
    Router::new()
        .merge(streams)
        .merge(downloads)
        .leptos_routes_with_context(&options, pages().to_vec(), context.clone(), app_shell)
        .fallback(file_and_error_handler_with_context(context, shell))
        .layer(middleware::from_fn_with_state(
            (engine, public),
            sign_in_first,
        ))
        .layer(middleware::from_fn(statuses::errors_answer_their_status))
        .layer(middleware::from_fn(security::same_origin_writes))
        .layer(middleware::from_fn(security::limit_body))
        .layer(middleware::from_fn(security::same_site_redirects))
        .layer(middleware::from_fn(security::security_headers))
        .layer(CompressionLayer::new().gzip(true))
        .with_state(options)
}

/// The app's pages, listed once per process.
///
/// Listing them renders the app with resource loading switched off process-wide
/// (leptos_server's `SuppressResourceLoad`), and a resource that first polls in
/// that window waits for good (leptos#4773): a render served while a second
/// router was being built (as tests build one each, in parallel) would hang.
fn pages() -> &'static [AxumRouteListing] {
    static PAGES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    &PAGES
}

/// Lets a request through only for a signed-in super admin, unless it is named
/// public, and hands the handler the checked [`AdminUser`] (in the request's
/// extensions, as a [`SessionCheck`]), so the session is looked up once.
///
/// Deny by default: a page without a session is sent to `/login`; a server
/// function or the event stream is answered with the typed error (401, 403), the
/// same whether its arguments could be read or not. A server function that then
/// answers without having taken the [`AdminUser`] never asked who called: it is
/// answered 500 instead ([`statuses::AdminUserNotTaken`]), and the route
/// inventory test fails on it.
async fn sign_in_first(
    State((engine, public)): State<(Engine, Arc<PublicPaths>)>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if security::has_dot_segment(path) {
        return (StatusCode::BAD_REQUEST, "Dot segments in the path.").into_response();
    }
    let client = app::ssr::client_from(req.headers(), req.extensions());
    // A signed-in admin has no use for the login form.
    if path == routes::LOGIN
        && AdminUser::of(&engine, req.headers(), client.clone())
            .await
            .is_ok()
    {
        return Redirect::to(routes::DASHBOARD).into_response();
    }
    if public.contains(path) {
        return next.run(req).await;
    }
    let is_page = !path.starts_with(app::ssr::API_PREFIX);
    // A browser's own form post (before the wasm, or without it) wants a page
    // back, as a page does: the login form.
    let wants_page = is_page || statuses::is_plain_form_post(req.headers());
    let signed_in = SignedInUser::of(&engine, req.headers(), client)
        .await
        .and_then(|user| {
            if routes::ACCOUNT_PATHS.contains(&path) {
                return Ok(user);
            }
            // Checked here, so that a handler that takes an `AdminUser` has one.
            user.clone().admin().map(|_| user)
        });
    let signed_in = match signed_in {
        Ok(user) => user,
        Err(err) if wants_page => {
            let to = match err {
                AppError::Unauthorized => routes::LOGIN,
                AppError::MustChangePassword => routes::ACCOUNT,
                AppError::NotSuperAdmin => routes::NO_ACCESS,
                err if is_page => {
                    return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response();
                }
                err => return err.into_response(),
            };
            return Redirect::to(to).into_response();
        }
        Err(err) => return err.into_response(),
    };
    let check = SessionCheck::new(signed_in);
    req.extensions_mut().insert(check.clone());
    let mut response = next.run(req).await;
    if !is_page && !check.taken() {
        response
            .extensions_mut()
            .insert(statuses::AdminUserNotTaken);
    }
    response
}

/// What may be requested without a session, named one by one: the login page, the
/// public server functions ([`PUBLIC_FUNCTIONS`]), the built site's `/pkg/` files
/// and the files at the top of the site root (from `public/`). Everything else,
/// every other server function and a future `/runs/42/report.csv` included, needs
/// a session.
#[derive(Debug, Default)]
struct PublicPaths {
    files: std::collections::HashSet<String>,
}

impl PublicPaths {
    /// The public set of the site in `site_root`, as built.
    fn of_site(site_root: &str) -> Self {
        let files = std::fs::read_dir(site_root)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .map(|name| format!("/{name}"))
            .collect();
        Self { files }
    }

    fn contains(&self, path: &str) -> bool {
        PUBLIC_PAGES.contains(&path)
            || PUBLIC_FUNCTIONS.contains(&path)
            || path.starts_with(PKG_PREFIX)
            || self.files.contains(path)
    }
}

/// Where the built wasm, JS and CSS are served (cargo-leptos's `site-pkg-dir`).
const PKG_PREFIX: &str = "/pkg/";

/// Resolves on Ctrl-C or SIGTERM (systemd's stop), so in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
