//! The settings' HTTPS switch: turns HTTPS on the LAN on (a local certificate
//! authority and a server certificate, served on a second port at once), issues
//! a new server certificate, or turns it off.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::{FormError, Loaded};
use crate::error::AppError;
use crate::fmt;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// What the server serves over HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HttpsServing {
    /// Nothing: HTTPS is turned off.
    Off,
    /// HTTPS on `port`.
    On { port: u16 },
    /// Turned on, but `port` is taken by another program.
    PortInUse { port: u16 },
    /// Turned on, but the server could not serve it (its log says why).
    Failed { port: u16 },
}

impl HttpsServing {
    /// The port HTTPS is served on, while it is.
    pub fn port(self) -> Option<u16> {
        match self {
            Self::On { port } => Some(port),
            _ => None,
        }
    }
}

/// HTTPS as the Settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpsState {
    pub serving: HttpsServing,
    /// The local authority's SHA-256 fingerprint, while HTTPS is turned on.
    pub fingerprint: Option<String>,
}

/// What HTTPS serves now. Requires a super admin session.
#[server(endpoint = "https-state")]
pub async fn get_https() -> Result<HttpsState, AppError> {
    use crate::ssr::{AdminUser, Visitor};

    AdminUser::check().await?;
    let serving = switch()?.serving();
    let fingerprint = Visitor::check()?.authority_fingerprint().await?;
    Ok(HttpsState {
        serving,
        fingerprint,
    })
}

/// Turns HTTPS on (`on`: a new server certificate for this machine's names and
/// addresses now, the authority made the first time) or off, logged in the
/// activity log, and has the server serve it at once. Requires a super admin
/// session.
#[server(endpoint = "switch-https")]
pub async fn switch_https(on: bool) -> Result<HttpsServing, AppError> {
    use crate::ssr::{AdminUser, redirect_plain_form};

    let admin = AdminUser::check().await?;
    let switch = switch()?;
    let by = admin.actor();
    admin
        .work(move |engine, user| {
            if on {
                let enabled = engine.enable_https(&by)?;
                tracing::info!(user = ?user.username, until = %enabled.valid_until, "HTTPS turned on");
            } else {
                engine.disable_https(&by)?;
                tracing::info!(user = ?user.username, "HTTPS turned off");
            }
            Ok(())
        })
        .await?;
    let serving = switch.apply().await?;
    redirect_plain_form(routes::SETTINGS);
    Ok(serving)
}

#[cfg(feature = "ssr")]
fn switch() -> Result<crate::ssr::HttpsSwitch, AppError> {
    use_context::<crate::ssr::HttpsSwitch>().ok_or_else(|| {
        tracing::error!("no HTTPS switch in the server's context");
        AppError::Internal
    })
}

/// The panel: whether HTTPS is served and where, and the buttons that change it.
/// Plain forms, which work before the wasm too.
#[component]
pub fn HttpsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let switch = ServerAction::<SwitchHttps>::new();
    let state = Resource::new(move || switch.version().get(), |_| get_https());
    view! {
        <section class="panel" aria-labelledby="https-heading">
            <h2 id="https-heading">{tr!(i18n, settings.https)}</h2>
            <p class="hint">{tr!(i18n, https.lead)}</p>
            <Loaded
                resource=state
                view=move |state| view! { <HttpsControls state switch /> }
                loading=Signal::derive(tr!(i18n, settings.https_loading))
                error_title=Signal::derive(tr!(i18n, settings.https_load_failed))
            />
        </section>
    }
}

#[component]
fn HttpsControls(state: HttpsState, switch: ServerAction<SwitchHttps>) -> impl IntoView {
    let i18n = use_i18n();
    let pending = switch.pending();
    let serving = state.serving;
    let said = move || {
        let locale = i18n.get_locale();
        // Set apart, so that right to left the sentence's full stop stays after it.
        let port = |port: u16| fmt::isolate(&port.to_string());
        match serving {
            HttpsServing::Off => td_string!(locale, settings.https_off).to_string(),
            HttpsServing::On { port: p } => {
                td_string!(locale, settings.https_on, port = port(p)).to_string()
            }
            HttpsServing::PortInUse { port: p } => {
                td_string!(locale, settings.https_port_in_use, port = port(p)).to_string()
            }
            HttpsServing::Failed { port: p } => {
                td_string!(locale, settings.https_failed, port = port(p)).to_string()
            }
        }
    };
    let troubled = matches!(
        serving,
        HttpsServing::PortInUse { .. } | HttpsServing::Failed { .. }
    );
    let button = move |on: bool, label: Signal<String>, testid: &'static str| {
        view! {
            <ActionForm action=switch>
                <input type="hidden" name="on" value=on.to_string() />
                <button
                    type="submit"
                    class=if on && serving == HttpsServing::Off { "button button--primary" } else { "button" }
                    disabled=move || pending.get()
                    data-testid=testid
                >
                    {label}
                </button>
            </ActionForm>
        }
    };
    let buttons = match serving {
        HttpsServing::Off => view! {
            {button(true, Signal::derive(tr!(i18n, settings.https_turn_on)), "https-turn-on")}
        }
        .into_any(),
        _ => view! {
            {button(true, Signal::derive(tr!(i18n, settings.https_renew)), "https-renew")}
            {button(false, Signal::derive(tr!(i18n, settings.https_turn_off)), "https-turn-off")}
        }
        .into_any(),
    };
    view! {
        <p
            class=if troubled { "form-error" } else { "detail" }
            role="status"
            data-testid="https-state"
            data-value=match serving {
                HttpsServing::Off => "off",
                HttpsServing::On { .. } => "on",
                HttpsServing::PortInUse { .. } => "port_in_use",
                HttpsServing::Failed { .. } => "failed",
            }
        >
            {said}
        </p>
        {state.fingerprint.map(|fingerprint| view! {
            <p class="hint">{tr!(i18n, settings.https_fingerprint)}</p>
            <code class="fingerprint" dir="ltr" data-testid="https-fingerprint">{fingerprint}</code>
        })}
        <p>
            <a href=routes::HTTPS>{tr!(i18n, settings.https_phones)}</a>
        </p>
        <div class="actions">{buttons}</div>
        {move || switch.value().get().and_then(Result::err).map(|error| view! { <FormError error testid="https-error" /> })}
    }
}
