//! `GET /ca.crt`: the local HTTPS authority's certificate (DER), for phones to
//! install (the `/https` page says how). Public: a certificate is meant to be
//! handed out; its key never leaves the data directory.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use engine::Engine;

/// The certificate, or 404 until `reelsync https enable` has made one.
pub async fn ca_certificate(State(engine): State<Engine>) -> Response {
    let read = tokio::task::spawn_blocking(move || engine::tls::authority(engine.data_dir()))
        .await
        .map_err(|err| err.to_string())
        .and_then(|read| read.map_err(|err| err.to_string()));
    match read {
        Ok(Some(authority)) => (
            [
                // What Android's and iOS's installers take as a CA certificate.
                (header::CONTENT_TYPE, "application/x-x509-ca-cert"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"reelsync-ca.crt\"",
                ),
            ],
            authority.cert_der,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            "HTTPS is off on this server: there is no certificate to install yet.",
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot read the HTTPS authority's certificate");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The certificate can't be read; the server's log says why.",
            )
                .into_response()
        }
    }
}
