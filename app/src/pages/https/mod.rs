//! `/https`: how a phone comes to trust the server's HTTPS certificate, so that
//! the camera can scan (browsers allow it only in a secure context). Open
//! without a session, over plain HTTP too: a phone needs it before anything.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::components::{LanguageSwitch, Loaded};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpsView {
    /// Where this server answers over HTTPS, by the name the phone used; `None`
    /// while HTTPS is off.
    pub https_url: Option<String>,
    /// The local authority's SHA-256 fingerprint, once there is one.
    pub fingerprint: Option<String>,
}

/// Whether HTTPS is on, where, and the authority's fingerprint. Open to anyone.
#[server(endpoint = "https")]
pub async fn https_info() -> Result<HttpsView, AppError> {
    use crate::ssr::{self, Visitor};

    let visitor = Visitor::check()?;
    let parts = ssr::request_parts()?;
    let port = use_context::<ssr::HttpsSwitch>().and_then(|switch| switch.serving().port());
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| host.parse::<http::uri::Authority>().ok())
        .map(|authority| authority.host().to_owned());
    Ok(HttpsView {
        https_url: port
            .zip(host)
            .map(|(port, host)| format!("https://{host}:{port}/")),
        fingerprint: visitor.authority_fingerprint().await?,
    })
}

#[component]
pub fn HttpsPage() -> impl IntoView {
    let i18n = use_i18n();
    let info = Resource::new(|| (), |_| https_info());
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), https.title).to_string() />
        <main class="login" id="main">
            <div class="login-tools">
                <LanguageSwitch />
                <a class="button" href=routes::LOGIN>{tr!(i18n, https.sign_in)}</a>
            </div>
            <div class="login-card https-card">
                <p class="brand">{tr!(i18n, brand)}</p>
                <h1>{tr!(i18n, https.title)}</h1>
                <p class="lead">{tr!(i18n, https.lead)}</p>
                <Loaded
                    resource=info
                    view=move |info: HttpsView| view! { <HttpsSteps info /> }
                    loading=Signal::derive(tr!(i18n, https.loading))
                    error_title=Signal::derive(tr!(i18n, https.load_failed))
                />
            </div>
        </main>
    }
}

#[component]
fn HttpsSteps(info: HttpsView) -> impl IntoView {
    let i18n = use_i18n();
    let Some(fingerprint) = info.fingerprint else {
        return view! { <p data-testid="https-off">{tr!(i18n, https.off)}</p> }.into_any();
    };
    let open = info.https_url.map(|url| {
        view! {
            <p data-testid="https-url">
                {tr!(i18n, https.then_open)} " " <a href=url.clone() dir="ltr">{url.clone()}</a>
            </p>
        }
    });
    let not_serving = open
        .is_none()
        .then(|| view! { <p class="form-error">{tr!(i18n, https.not_serving)}</p> });
    view! {
        <a class="button primary" href=routes::CA_CERT download="reelsync-ca.crt" data-testid="ca-download">
            {tr!(i18n, https.download)}
        </a>
        <p>{tr!(i18n, https.fingerprint)}</p>
        <code class="fingerprint" dir="ltr" data-testid="ca-fingerprint">{fingerprint}</code>
        <h2>{tr!(i18n, https.android)}</h2>
        <ol>
            <li>{tr!(i18n, https.android_1)}</li>
            <li>{tr!(i18n, https.android_2)}</li>
            <li>{tr!(i18n, https.android_3)}</li>
        </ol>
        <h2>{tr!(i18n, https.ios)}</h2>
        <ol>
            <li>{tr!(i18n, https.ios_1)}</li>
            <li>{tr!(i18n, https.ios_2)}</li>
            <li>{tr!(i18n, https.ios_3)}</li>
        </ol>
        {open}
        {not_serving}
    }
    .into_any()
}
