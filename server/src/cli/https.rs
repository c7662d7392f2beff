//! `reelsync https enable|disable|status`.

use std::io::Write;

use engine::tls;
use serde::Serialize;

use super::exit::Exit;
use super::output::Output;
use super::{GlobalArgs, HttpsCommand};

/// What the commands print with `--json`.
#[derive(Debug, Serialize)]
struct HttpsState {
    enabled: bool,
    /// The local authority's SHA-256 fingerprint, once there is one.
    fingerprint: Option<String>,
    /// Whether `enable` made the authority now (phones must install it).
    #[serde(skip_serializing_if = "Option::is_none")]
    new_authority: Option<bool>,
    /// The names and addresses the server certificate is for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    names: Vec<String>,
    /// The server certificate's last valid day.
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
}

pub fn https(global: &GlobalArgs, out: &Output, command: &HttpsCommand) -> anyhow::Result<Exit> {
    let state = match command {
        HttpsCommand::Enable => {
            let enabled = global.engine()?.enable_https(&super::who())?;
            HttpsState {
                enabled: true,
                fingerprint: Some(enabled.identity.authority.fingerprint),
                new_authority: Some(enabled.new_authority),
                names: enabled
                    .names
                    .dns
                    .iter()
                    .cloned()
                    .chain(enabled.names.addresses.iter().map(ToString::to_string))
                    .collect(),
                valid_until: Some(enabled.valid_until.to_string()),
            }
        }
        HttpsCommand::Disable => {
            global.engine()?.disable_https(&super::who())?;
            status(global)?
        }
        HttpsCommand::Status => status(global)?,
    };
    out.result(&state, |w| describe(w, command, &state))?;
    Ok(Exit::Success)
}

fn status(global: &GlobalArgs) -> anyhow::Result<HttpsState> {
    Ok(HttpsState {
        enabled: tls::is_enabled(&global.data_dir),
        fingerprint: tls::authority(&global.data_dir)?.map(|authority| authority.fingerprint),
        new_authority: None,
        names: Vec::new(),
        valid_until: None,
    })
}

fn describe(w: &mut dyn Write, command: &HttpsCommand, state: &HttpsState) -> std::io::Result<()> {
    match command {
        HttpsCommand::Enable => {
            writeln!(
                w,
                "HTTPS is enabled from the server's next start, on port 3443"
            )?;
            writeln!(
                w,
                "(restart it: sudo systemctl restart reelsync; Settings' HTTPS switch serves it at once)."
            )?;
            writeln!(w, "The certificate names: {}", state.names.join(", "))?;
            if let Some(until) = &state.valid_until {
                writeln!(w, "It is valid until {until}; run this again before then.")?;
            }
            if state.new_authority == Some(true) {
                writeln!(
                    w,
                    "A new local authority was made: each phone installs it once, from the page /https."
                )?;
            }
        }
        HttpsCommand::Disable | HttpsCommand::Status => {
            let now = if state.enabled { "enabled" } else { "disabled" };
            writeln!(w, "HTTPS is {now} (from the server's next start).")?;
        }
    }
    if let Some(fingerprint) = &state.fingerprint {
        writeln!(
            w,
            "The local authority's SHA-256 fingerprint: {fingerprint}"
        )?;
    }
    Ok(())
}
