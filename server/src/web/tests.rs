//! The router end to end, in-process: sessions, roles, CSRF and headers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::header::{
    ACCEPT, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE,
    X_FRAME_OPTIONS,
};
use axum::http::{Method, Request, StatusCode};
use axum::response::Response;
use tower::ServiceExt;

use app::error::AppError;
use app::pages::DashboardView;
use engine::demo::{DemoOptions, DemoSummary, create_demo_db};

use super::{PublicPaths, RunManager, router};

mod activity;
mod conflicts;
mod events;
mod grid;
mod mappings;
mod products;
mod users;

const PASSWORD: &str = "correct horse battery";

/// A data dir with a demo warehouse, a super admin `admin` and a plain user `clerk`.
struct Site {
    dir: tempfile::TempDir,
    engine: engine::Engine,
    router: axum::Router,
    demo: DemoSummary,
}

impl Site {
    fn new() -> Self {
        Self::with_reels(40)
    }

    fn with_warehouse(create: bool) -> Self {
        Self::build(create.then_some(40))
    }

    /// A site whose demo warehouse holds `reels` reels.
    fn with_reels(reels: u32) -> Self {
        Self::build(Some(reels))
    }

    fn build(reels: Option<u32>) -> Self {
        Self::build_with(reels, true)
    }

    /// A site whose warehouse path is the settings' (not the command line's),
    /// none saved yet; the demo warehouse is at `warehouse.sqlite3`.
    fn with_path_in_settings() -> Self {
        Self::build_with(Some(40), false)
    }

    fn build_with(reels: Option<u32>, on_command_line: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = dir.path().join("warehouse.sqlite3");
        let demo = if let Some(reels) = reels {
            create_demo_db(&warehouse, &DemoOptions { reels, seed: 7 }).unwrap()
        } else {
            DemoSummary {
                reels: 0,
                in_stock: 0,
                sold: 0,
                delivered: 0,
            }
        };
        let mut config = engine::Config::new(dir.path().join("data"));
        if on_command_line {
            config = config.with_external(&warehouse);
        }
        let engine = engine::Engine::open(config).unwrap();
        engine
            .add_user(
                &engine::NewUser::new("admin", PASSWORD, true),
                &"cli:test".into(),
            )
            .unwrap();
        engine
            .add_user(
                &engine::NewUser::new("clerk", PASSWORD, false),
                &"cli:test".into(),
            )
            .unwrap();
        let options = leptos::config::LeptosOptions::builder()
            .output_name("reelsync")
            .site_root(dir.path().join("site").to_string_lossy().into_owned())
            .build();
        Self {
            router: router_with_https(&engine, options),
            engine,
            demo,
            dir,
        }
    }

    async fn send(&self, request: Request<Body>) -> Response {
        self.router.clone().oneshot(request).await.unwrap()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function the way the wasm client does.
    async fn call(&self, name: &str, form: &str, cookie: Option<&str>) -> Response {
        let mut request = Request::post(format!("/api/{name}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Posts a form to a server function as a browser without the wasm does, from
    /// the page at `referer`.
    async fn post_plain_form(&self, name: &str, form: &str, referer: &str) -> Response {
        self.post_plain_form_as(name, form, referer, None).await
    }

    /// [`Site::post_plain_form`], signed in with `cookie` when given.
    async fn post_plain_form_as(
        &self,
        name: &str,
        form: &str,
        referer: &str,
        cookie: Option<&str>,
    ) -> Response {
        let mut request = Request::post(format!("/api/{name}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "text/html")
            .header("host", "localhost")
            .header("referer", referer);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Signs in and returns the `name=value` of the session cookie.
    async fn sign_in(&self) -> String {
        let response = self
            .call(
                "login",
                &format!("username=admin&password={PASSWORD}"),
                None,
            )
            .await;
        assert!(response.status().is_success(), "{:?}", response.status());
        let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        set_cookie.split(';').next().unwrap().to_owned()
    }
}

/// The app's router on `engine`, as `serve` builds it.
fn router_on(engine: &engine::Engine, options: leptos::config::LeptosOptions) -> axum::Router {
    router(
        RunManager::new(engine.clone()),
        options,
        app::ssr::HttpsSwitch::new().0,
    )
}

/// [`router_on`] with its HTTPS task, as `serve` starts it (on a free port;
/// off until the Settings switch turns it on). It ends with the router.
fn router_with_https(
    engine: &engine::Engine,
    options: leptos::config::LeptosOptions,
) -> axum::Router {
    let (https, control) = app::ssr::HttpsSwitch::new();
    let router = router(RunManager::new(engine.clone()), options, https);
    let secure = super::secure::Secure {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: engine.data_dir().to_owned(),
        app: router.clone(),
        limits: super::listen::Limits::for_descriptors(1024),
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _server_runs = stop;
        let _ = secure.start(control, stopped).await.await;
    });
    router
}

async fn text(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn app_error(response: Response) -> AppError {
    serde_json::from_str(&text(response).await).unwrap()
}

#[tokio::test]
async fn pages_send_strangers_to_the_login_page() {
    let site = Site::new();
    let response = site.get("/", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");

    let response = site.get("/", Some("reelsync_session=forged")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_pages_are_404_for_admins_and_hidden_from_strangers() {
    let site = Site::new();
    let response = site.get("/no-such-page", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let cookie = site.sign_in().await;
    let response = site.get("/no-such-page", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(text(response).await.contains("Page not found"));

    // Whether a server function exists is not told without a session either.
    let response = site.call("no-such-function", "", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = site.call("no-such-function", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn login_page_is_public_and_hardened() {
    let site = Site::new();
    let response = site.get("/login", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page policy has a nonce");

    let html = text(response).await;
    assert!(html.contains("action=\"/api/login\""));
    // The hydration script carries the nonce the policy allows.
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    // So does the style sheet, which is in the page, unescaped: nothing to wait for.
    let style = format!("<style nonce=\"{nonce}\">{}</style>", app::ssr::STYLE_SHEET);
    assert!(html.contains(&style), "{html}");
    assert!(!html.contains("rel=\"stylesheet\""), "{html}");
}

#[tokio::test]
async fn server_functions_require_a_session() {
    let site = Site::new();
    let response = site.call("dashboard", "", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(response).await, AppError::Unauthorized);
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    let site = Site::new();
    let request = Request::post("/api/login")
        .header("host", "pi.local:3000")
        .header(ORIGIN, "http://evil.example")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=admin&password={PASSWORD}")))
        .unwrap();
    let response = site.send(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_plain_users_get_their_own_pages_only() {
    let site = Site::new();
    let response = site
        .call("login", "username=admin&password=wrong-password", None)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(response).await, AppError::BadCredentials);

    // A plain user signs in (issue 21), to the page saying they have no
    // access; every admin's call stays refused (`no_route_for_admins_lets_anyone_else_in`).
    let response = site
        .call(
            "login",
            &format!("username=clerk&password={PASSWORD}"),
            None,
        )
        .await;
    assert!(response.status().is_success(), "{:?}", response.status());
    assert!(response.headers().get(SET_COOKIE).is_some());
}

#[tokio::test]
async fn a_super_admin_signs_in_sees_the_figures_and_signs_out() {
    let site = Site::new();
    let login = site
        .call(
            "login",
            &format!("username=admin&password={PASSWORD}"),
            None,
        )
        .await;
    let set_cookie = login.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with("reelsync_session="));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Strict"));
    assert!(set_cookie.contains("Max-Age=43200"));
    let cookie = site.sign_in().await;

    let response = site.call("dashboard", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let data: DashboardView = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(data.figures.importable, Some(u64::from(site.demo.in_stock)));
    assert_eq!(data.figures.tracked, 0);
    assert_eq!(data.figures.warehouse_problem, None);
    assert_eq!(data.user, "admin");

    let login_page = site.get("/login", Some(&cookie)).await;
    assert!(
        login_page.status().is_redirection(),
        "signed in: no login form"
    );
    assert_eq!(login_page.headers()[LOCATION], "/");

    let page = site.get("/", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains("Dashboard"));
    assert!(html.contains("Importable reels"));

    let response = site.call("logout", "", Some(&cookie)).await;
    assert!(response.status().is_success());
    assert!(
        response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let response = site.call("dashboard", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Building a router (as each test here does, in parallel) once switched resource
/// loading off for the whole process while it listed the pages, and a page whose
/// data began to load in that moment never finished (leptos#4773).
#[tokio::test]
async fn pages_render_while_another_router_is_built() {
    let site = Site::new();
    let cookie = site.sign_in().await;
    let done = Arc::new(AtomicBool::new(false));
    let builder = std::thread::spawn({
        let (engine, done) = (site.engine.clone(), done.clone());
        move || {
            let options = leptos::config::LeptosOptions::builder()
                .output_name("reelsync")
                .build();
            while !done.load(Ordering::Relaxed) {
                drop(router_on(&engine, options.clone()));
            }
        }
    });
    for _ in 0..20 {
        let page = tokio::time::timeout(Duration::from_secs(20), async {
            text(site.get("/", Some(&cookie)).await).await
        })
        .await;
        assert!(page.is_ok_and(|html| html.contains("Importable reels")));
    }
    done.store(true, Ordering::Relaxed);
    builder.join().unwrap();
}

#[tokio::test]
async fn the_preview_page_is_streamed_its_status_before_the_plan() {
    use futures::StreamExt;

    // A warehouse whose plan takes longer than the page's top takes to leave:
    // a plan of a few reels can be ready (the session was checked once, by the
    // gate) before the first chunk is written, and is then sent with it.
    let site = Site::with_reels(2_000);
    let cookie = site.sign_in().await;
    let response = site.get("/preview", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut chunks = response.into_body().into_data_stream();
    let mut sent = Vec::new();
    while let Some(chunk) = chunks.next().await {
        sent.push(String::from_utf8(chunk.unwrap().to_vec()).unwrap());
    }
    // The page's top, its status included, leaves before the sync is planned: a
    // phone paints it while the server plans, with no script needed.
    let status = sent
        .iter()
        .position(|chunk| chunk.contains("class=\"loading streaming\""))
        .expect("the planning status is sent");
    let plan = sent
        .iter()
        .position(|chunk| chunk.contains("data-testid=\"plan\""))
        .expect("the plan follows in the same page");
    assert!(status < plan, "{sent:#?}");
    assert!(sent[status].contains("<h1>"), "{sent:#?}");
}

#[tokio::test]
async fn a_missing_warehouse_is_reported_without_its_path() {
    let site = Site::with_warehouse(false);
    let cookie = site.sign_in().await;
    let response = site.call("dashboard", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = text(response).await;
    assert!(
        !body.contains(&*site.dir.path().to_string_lossy()),
        "no path: {body}"
    );
    let data: DashboardView = serde_json::from_str(&body).unwrap();
    assert_eq!(data.figures.importable, None);
    assert_eq!(
        data.figures.warehouse_problem,
        Some(model::WarehouseProblem::Missing {
            file: "warehouse.sqlite3".into()
        })
    );
    assert_eq!(
        data.figures.warehouse_error, None,
        "the English text with its path stays home"
    );
}

#[tokio::test]
async fn plain_form_posts_get_a_real_redirect() {
    let site = Site::new();
    let form = format!("username=admin&password={PASSWORD}");
    let response = site
        .post_plain_form("login", &form, "http://localhost/login")
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[LOCATION], "/");
}

#[tokio::test]
async fn a_refused_plain_form_post_lands_back_on_its_form_with_the_error() {
    let site = Site::new();
    let response = site
        .post_plain_form(
            "login",
            "username=admin&password=wrong",
            "http://localhost/login",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    // The page's path: a redirect never names another site.
    assert!(
        location.starts_with("/login?") && location.contains("__err="),
        "{location}"
    );

    // The page it lands on shows the form and the error, rendered on the server.
    let page = site.get(&location, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains("name=\"password\""), "{html}");
    assert!(html.contains("Wrong username or password."), "{html}");
}

#[test]
fn only_the_login_page_server_functions_and_the_sites_files_are_public() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    let public = PublicPaths::of_site(&site.path().to_string_lossy());
    assert!(public.contains("/login"));
    assert!(public.contains("/api/login"));
    assert!(public.contains("/pkg/reelsync.wasm"));
    assert!(public.contains("/favicon.svg"));
    assert!(!public.contains("/pkg"), "a directory is not a file");
    assert!(!public.contains("/"));
    assert!(!public.contains("/runs"));
    assert!(!public.contains("/login/"));
    assert!(
        !public.contains("/runs/42/report.csv"),
        "a dot does not make a path public"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let site = Site::new();
    let huge = format!("username=admin&password={}", "x".repeat(10 << 20));
    let request = Request::post("/api/login")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("content-length", huge.len())
        .body(Body::from(huge))
        .unwrap();
    let response = site.send(request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Without a declared length, the stream is cut at the limit.
    let response = site.call("login", &"x".repeat(1 << 20), None).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled_with_retry_after() {
    let site = Site::new();
    let wrong = "username=admin&password=guess";
    for _ in 0..app::ssr::throttle::FREE_FAILURES {
        let response = site.call("login", wrong, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now: it is not checked until the wait is over.
    let right = format!("username=admin&password={PASSWORD}");
    let response = site.call("login", &right, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert_eq!(
        app_error(response).await,
        AppError::TooManyAttempts {
            retry_after_secs: retry
        }
    );
}

#[tokio::test]
async fn unreadable_arguments_are_a_400_in_plain_words() {
    let site = Site::new();
    let expected = AppError::Unreadable;
    for body in [
        Body::from("nothing=here"),
        Body::from("username=admin"),
        Body::from(vec![0x75, 0x73, 0xff, 0xfe, 0x3d, 0x00]),
    ] {
        let request = Request::post("/api/login")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body)
            .unwrap();
        let response = site.send(request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(app_error(response).await, expected);
    }
}

#[tokio::test]
async fn a_filter_value_no_page_offers_is_a_400_never_a_5xx() {
    let site = Site::new();
    let cookie = site.sign_in().await;
    for (endpoint, form) in [
        ("runs", "kind=everything"),
        ("runs", "outcome=splendid"),
        ("runs", "trigger=moon"),
        ("run", "id=1&action=explode"),
        ("preview", "action=explode"),
        ("preview", "of=everything"),
    ] {
        let response = site.call(endpoint, form, Some(&cookie)).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{endpoint} {form}"
        );
        assert_eq!(
            app_error(response).await,
            AppError::Unreadable,
            "{endpoint} {form}"
        );
    }
}

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone: signing in, signing out, and the login page itself.
    Public,
    /// A signed-in super admin only.
    Admin,
    /// Anyone signed in: their own account's pages.
    Account,
}

/// Every page and server function the app serves. A route missing here fails
/// [`every_route_is_in_the_inventory`], so a new screen can't skip the checks below.
const INVENTORY: &[(&str, Access)] = &[
    ("/", Access::Admin),
    ("/login", Access::Public),
    ("/https", Access::Public),
    ("/api/https", Access::Public),
    ("/ca.crt", Access::Public),
    ("/api/dashboard", Access::Admin),
    ("/api/language", Access::Public),
    ("/api/login", Access::Public),
    ("/api/logout", Access::Public),
    ("/settings", Access::Admin),
    ("/api/settings", Access::Admin),
    ("/api/save-settings", Access::Admin),
    ("/api/runs/1/events", Access::Admin),
    ("/runs", Access::Admin),
    ("/runs/1", Access::Admin),
    ("/preview", Access::Admin),
    ("/check", Access::Admin),
    ("/api/run", Access::Admin),
    ("/api/runs", Access::Admin),
    ("/api/start-sync", Access::Admin),
    ("/api/cancel-run", Access::Admin),
    ("/api/preview-undo", Access::Admin),
    ("/api/undo-run", Access::Admin),
    ("/api/live-run", Access::Admin),
    ("/api/preview", Access::Admin),
    ("/api/check", Access::Admin),
    ("/drift", Access::Admin),
    ("/api/drift", Access::Admin),
    ("/products", Access::Admin),
    ("/products/1", Access::Admin),
    ("/api/reel", Access::Admin),
    ("/api/products", Access::Admin),
    ("/api/preview-status", Access::Admin),
    ("/api/set-status", Access::Admin),
    ("/conflicts", Access::Admin),
    ("/api/conflicts", Access::Admin),
    ("/api/open-conflicts", Access::Admin),
    ("/api/preview-resolve", Access::Admin),
    ("/api/resolve", Access::Admin),
    ("/activity", Access::Admin),
    ("/api/activity", Access::Admin),
    ("/api/activity.csv", Access::Admin),
    ("/mappings", Access::Admin),
    ("/api/mappings", Access::Admin),
    ("/api/try-mappings", Access::Admin),
    ("/api/save-mappings", Access::Admin),
    ("/api/reset-mappings", Access::Admin),
    ("/import", Access::Admin),
    ("/api/grid", Access::Admin),
    ("/api/grid-version", Access::Admin),
    ("/api/select", Access::Admin),
    ("/api/select-matching", Access::Admin),
    ("/api/clear-selection", Access::Admin),
    ("/api/import-selected", Access::Admin),
    ("/api/scan", Access::Admin),
    ("/users", Access::Admin),
    ("/api/users", Access::Admin),
    ("/api/add-user", Access::Admin),
    ("/api/set-user-active", Access::Admin),
    ("/api/set-user-role", Access::Admin),
    ("/api/reset-password", Access::Admin),
    ("/api/end-session", Access::Admin),
    ("/api/https-state", Access::Admin),
    ("/api/switch-https", Access::Admin),
    ("/account", Access::Account),
    ("/no-access", Access::Account),
    ("/api/account", Access::Account),
    ("/api/change-password", Access::Account),
];

/// A call each super admin's server function can read, and does something with:
/// [`every_server_function_asks_who_is_calling`] makes it. A server function
/// missing here fails [`every_route_is_in_the_inventory`].
const READABLE_CALLS: &[(&str, &str)] = &[
    ("/api/dashboard", ""),
    ("/api/settings", ""),
    (
        "/api/save-settings",
        "interval_minutes=60&auto_import=off&snapshot_retention=5",
    ),
    ("/api/run", "id=1"),
    ("/api/runs", ""),
    ("/api/cancel-run", "id=1"),
    ("/api/preview-undo", "id=1"),
    ("/api/undo-run", "id=999"),
    ("/api/live-run", ""),
    ("/api/preview", ""),
    ("/api/check", ""),
    ("/api/drift", ""),
    ("/api/products", "query=status%3DSold"),
    ("/api/reel", "reel=NO-SUCH-REEL"),
    ("/api/conflicts", ""),
    ("/api/open-conflicts", ""),
    (
        "/api/preview-resolve",
        "keep=office&reels[]=NO-SUCH-REEL&all=false",
    ),
    ("/api/resolve", "keep=office&shown[]=Sold:NO-SUCH-REEL"),
    ("/api/preview-status", "to=Sold&reels[]=NO-SUCH-REEL"),
    (
        "/api/set-status",
        "to=Sold&reels[]=NO-SUCH-REEL&back=/products",
    ),
    ("/api/activity", "form[who]=admin&form[from]=2026-01-01"),
    ("/api/mappings", ""),
    (
        "/api/try-mappings",
        "draft[0][field]=width&draft[0][column]=width",
    ),
    (
        "/api/save-mappings",
        "draft[0][field]=width&draft[0][column]=no_such_column&draft[0][active]=true",
    ),
    ("/api/reset-mappings", ""),
    ("/api/users", ""),
    ("/api/add-user", "username=&password=long+enough+password"),
    ("/api/set-user-active", "username=nobody&active=false"),
    ("/api/set-user-role", "username=nobody&superuser=false"),
    (
        "/api/reset-password",
        "username=nobody&password=long+enough+password",
    ),
    ("/api/end-session", "username=nobody&session=1"),
    ("/api/account", ""),
    (
        "/api/change-password",
        "current=wrong&password=new+one+here&repeat=other+one",
    ),
    ("/api/grid", "query="),
    ("/api/grid-version", ""),
    ("/api/select", "back=/import"),
    ("/api/select-matching", "back=/import"),
    ("/api/clear-selection", "back=/import"),
    ("/api/import-selected", ""),
    ("/api/scan", "code=NO-SUCH-REEL&back=/import"),
    ("/api/https-state", ""),
    ("/api/switch-https", "on=false"),
    // Last: the run it starts holds the run lock.
    ("/api/start-sync", ""),
];

#[test]
fn every_route_is_in_the_inventory() {
    let pages = super::pages()
        .iter()
        // A path's parameters as a request would fill them.
        .map(|route| route.path().replace("{id}", "1").replace("{reel}", "1"));
    let functions = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned());
    let streams = [
        app::routes::RUN_EVENTS_ROUTE.replace("{id}", "1"),
        app::routes::ACTIVITY_CSV.to_owned(),
        app::routes::CA_CERT.to_owned(),
    ];
    // Every entry is a request the access test below really makes.
    let mut served: Vec<String> = pages.chain(functions).chain(streams).collect();
    served.sort();
    served.dedup();
    let mut listed: Vec<String> = INVENTORY.iter().map(|(p, _)| (*p).to_owned()).collect();
    listed.sort();
    assert_eq!(
        served, listed,
        "add new routes to INVENTORY with who may use them"
    );
    // The server lets through without a session exactly what is listed public.
    let mut public: Vec<&str> = INVENTORY
        .iter()
        .filter(|(path, access)| *access == Access::Public && path.starts_with("/api/"))
        .map(|(path, _)| *path)
        .collect();
    public.sort_unstable();
    let mut named = app::routes::PUBLIC_FUNCTIONS.to_vec();
    named.sort_unstable();
    assert_eq!(public, named, "app::routes::PUBLIC_FUNCTIONS");
    // Every super admin's server function has a call that shows it asks who calls.
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        assert!(
            named.contains(&path) || READABLE_CALLS.iter().any(|(p, _)| *p == path),
            "add a readable call of {path} to READABLE_CALLS"
        );
    }
}

/// A server function can only reach the engine through the `AdminUser` the
/// session gate checked; one that answers without having taken it never asked
/// who was calling, and is answered 500. So does one that refuses its
/// arguments before taking it. Every super admin's server function, called
/// with arguments it can read, must show it asked.
#[tokio::test]
async fn every_server_function_asks_who_is_calling() {
    let site = Site::new();
    let cookie = site.sign_in().await;
    for (path, form) in READABLE_CALLS {
        let name = path.trim_start_matches("/api/");
        let response = site.call(name, form, Some(&cookie)).await;
        let status = response.status();
        let body = text(response).await;
        assert_ne!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path} never took its AdminUser: {body}"
        );
    }
}

#[tokio::test]
async fn no_route_for_admins_lets_anyone_else_in() {
    let site = Site::new();
    let store = rusqlite::Connection::open(site.dir.path().join("data/reelsync.sqlite3")).unwrap();
    let session_of = |user: &str| {
        let user = site.engine.verify_login(user, PASSWORD).unwrap().unwrap();
        format!(
            "reelsync_session={}",
            site.engine.create_session(&user, &"test".into()).unwrap()
        )
    };
    let expired = session_of("admin");
    store
        .execute(
            "UPDATE sessions SET expires_at = '2000-01-01 00:00:00+00:00'",
            [],
        )
        .unwrap();
    let signed_out = site.sign_in().await;
    let response = site.call("logout", "", Some(&signed_out)).await;
    assert!(response.status().is_redirection() || response.status().is_success());
    let strangers = [
        None,
        Some("reelsync_session=forged".to_owned()),
        Some(expired),
        Some(signed_out),
        Some(session_of("clerk")),
    ];
    for (path, access) in INVENTORY {
        if *access == Access::Public {
            continue;
        }
        for cookie in &strangers {
            let clerk = cookie.as_deref() == strangers[4].as_deref();
            if clerk && *access == Access::Account {
                continue;
            }
            for method in [Method::GET, Method::POST] {
                let mut request = Request::builder()
                    .method(method.clone())
                    .uri(*path)
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(ACCEPT, "application/json");
                if let Some(cookie) = cookie {
                    request = request.header(COOKIE, cookie);
                }
                let response = site.send(request.body(Body::empty()).unwrap()).await;
                assert!(
                    !response.status().is_success(),
                    "{method} {path} with {cookie:?} answered {}",
                    response.status()
                );
                // A server function or stream refuses before it reads a thing.
                if path.starts_with("/api/") {
                    let (status, error) = if clerk {
                        (StatusCode::FORBIDDEN, AppError::NotSuperAdmin)
                    } else {
                        (StatusCode::UNAUTHORIZED, AppError::Unauthorized)
                    };
                    assert_eq!(response.status(), status, "{method} {path} {cookie:?}");
                    assert_eq!(app_error(response).await, error, "{method} {path}");
                }
            }
        }
    }
    // And the same requests do get through for a super admin.
    let admin = site.sign_in().await;
    assert_eq!(site.get("/", Some(&admin)).await.status(), StatusCode::OK);
    let response = site.call("dashboard", "", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_site_is_served_precompressed_and_hashed_files_are_kept_for_good() {
    let wasm = "/pkg/reelsync.q3WJbCk0Xh_-5mTTuZ7bLg.wasm";
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let file = pkg.join("reelsync.q3WJbCk0Xh_-5mTTuZ7bLg.wasm");
    std::fs::write(&file, vec![0u8; 4096]).unwrap();
    std::fs::write(file.with_extension("wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(file.with_extension("wasm.gz"), b"gzip bytes").unwrap();
    let engine = engine::Engine::open(engine::Config::new(dir.path().join("data"))).unwrap();
    let options = leptos::config::LeptosOptions::builder()
        .output_name("reelsync")
        .site_root(dir.path().to_string_lossy().into_owned())
        .build();
    let router = router_on(&engine, options);
    let get = |encoding: &'static str| {
        Request::get(wasm)
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .unwrap()
    };

    let response = router
        .clone()
        .oneshot(get("gzip, deflate, br"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "br");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(text(response).await, "brotli bytes");

    let response = router.clone().oneshot(get("gzip")).await.unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(text(response).await, "gzip bytes");

    let response = router.clone().oneshot(get("identity")).await.unwrap();
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(
        to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .len(),
        4096
    );

    // Pages are never stored.
    let login = Request::get("/login").body(Body::empty()).unwrap();
    let page = router.oneshot(login).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn settings_are_saved_and_a_bad_interval_is_refused_with_nothing_saved() {
    let site = Site::new();
    let cookie = site.sign_in().await;
    let response = site
        .call(
            "save-settings",
            "auto_sync=on&interval_minutes=45&auto_import=off&snapshot_retention=7",
            Some(&cookie),
        )
        .await;
    assert!(response.status().is_success(), "{:?}", response.status());
    let saved = site.engine.settings().unwrap();
    assert!(saved.auto_sync);
    assert!(!saved.mirror_anbar, "an unticked box is off");
    let response = site
        .call(
            "save-settings",
            "auto_sync=on&interval_minutes=45&auto_import=off&snapshot_retention=7&mirror_anbar=on",
            Some(&cookie),
        )
        .await;
    assert!(response.status().is_success(), "{:?}", response.status());
    let saved = site.engine.settings().unwrap();
    assert!(saved.mirror_anbar);
    assert_eq!(saved.interval_minutes, 45);
    assert_eq!(saved.snapshot_retention, 7);

    let response = site
        .call(
            "save-settings",
            "interval_minutes=0&auto_import=all&snapshot_retention=7",
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app_error(response).await,
        AppError::IntervalOutOfRange {
            min: 1,
            max: 10_080
        }
    );
    assert_eq!(site.engine.settings().unwrap(), saved, "nothing was saved");

    let response = site.call("settings", "", Some(&cookie)).await;
    let view: app::pages::SettingsView = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(view.settings.interval_minutes, 45);
    assert!(view.next_run.is_some(), "automatic sync is on");

    let page = text(site.get("/settings", Some(&cookie)).await).await;
    assert!(page.contains("Interval (minutes)"), "{page}");
    assert!(page.contains("value=\"45\""), "{page}");
    assert!(
        page.contains("aria-current=\"page\""),
        "the nav marks the page"
    );
}

#[tokio::test]
async fn a_warehouse_path_is_saved_only_if_it_opens_as_a_warehouse() {
    let site = Site::with_path_in_settings();
    let cookie = site.sign_in().await;
    let form = |path: &str| {
        format!("interval_minutes=60&auto_import=off&snapshot_retention=5&warehouse_path={path}")
    };
    let before = site.engine.settings().unwrap();

    let response = site
        .call(
            "save-settings",
            &form("%2Fno%2Fsuch%2Fism.sqlite3"),
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        app_error(response).await,
        AppError::Warehouse(model::WarehouseProblem::Missing {
            file: "ism.sqlite3".into()
        }),
        "named by its file only"
    );
    let not_a_warehouse = site.dir.path().join("notes.txt");
    std::fs::write(&not_a_warehouse, "not sqlite").unwrap();
    let response = site
        .call(
            "save-settings",
            &form(&not_a_warehouse.display().to_string()),
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(site.engine.settings().unwrap(), before, "nothing saved");

    let good = site.dir.path().join("warehouse.sqlite3");
    let response = site
        .call(
            "save-settings",
            &form(&good.display().to_string()),
            Some(&cookie),
        )
        .await;
    assert!(response.status().is_success(), "{:?}", response.status());
    let saved = site.engine.settings().unwrap();
    assert_eq!(saved.external_path, Some(good.display().to_string()));
    let report = site.engine.check().unwrap();
    assert_eq!(report.reels, 40, "the saved path is the one used");

    // The check page's server function tests a typed path without saving it.
    let response = site
        .call("check", "path=%2Fno%2Fsuch%2Fother.db", Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = site.call("check", "", Some(&cookie)).await;
    let report: model::CheckReport = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(
        report.path, "warehouse.sqlite3",
        "no directory in the answer"
    );
}

#[tokio::test]
async fn cancelling_a_finished_run_is_refused_in_persian_with_no_english_sentence() {
    use app::i18n::Locale;

    let site = Site::new();
    let request = engine::RunRequest {
        scope: engine::RunScope::Full,
        trigger: engine::Trigger::Manual,
        who: "cli:root".into(),
        dry_run: false,
        client: None,
    };
    let id = site.engine.sync(&request, &mut ()).unwrap().run_id.unwrap();
    let ended = site.engine.run_summary(id).unwrap().outcome;
    let cookie = format!(
        "{}; {}=fa",
        site.sign_in().await,
        app::language::LANGUAGE_COOKIE
    );
    let response = site
        .call("cancel-run", &format!("id={id}"), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = text(response).await;
    // The wire carries the code and its values, never the engine's sentence.
    assert!(!body.contains("not running"), "{body}");
    let error: AppError = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error,
        AppError::Refused(engine::Refusal::RunNotRunning { run_id: id, ended })
    );
    // Worded on the Persian page: its number in Persian digits, not a Latin letter.
    let shown = error.message(Locale::fa);
    assert!(
        shown.contains(&app::fmt::number(Locale::fa, id.unsigned_abs())),
        "{shown}"
    );
    assert!(!shown.chars().any(|c| c.is_ascii_alphabetic()), "{shown}");
}
