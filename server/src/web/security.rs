//! Layers that harden every response and refuse cross-site writes.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONNECTION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, HOST, ORIGIN,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy for anything that is not a page (pages set their own, with the
/// nonce of their inline scripts; see `app::ssr::content_security_policy`).
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Adds the security headers every response should carry.
pub async fn security_headers(mut req: Request, next: Next) -> Response {
    let cache = super::assets::cache_control(req.uri().path());
    let page_policy = app::ssr::PagePolicy::default();
    req.extensions_mut().insert(page_policy.clone());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    match page_policy.take() {
        Some(policy) => {
            if headers.get(CONTENT_SECURITY_POLICY) != Some(&policy) {
                tracing::warn!("a page's response lacked the policy its render set; set here");
            }
            headers.insert(CONTENT_SECURITY_POLICY, policy);
        }
        None => {
            headers
                .entry(CONTENT_SECURITY_POLICY)
                .or_insert(HeaderValue::from_static(DEFAULT_CSP));
        }
    }
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(cache));
    response
}

/// The largest request body reelsync takes: its forms and server-function calls
/// are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How long a request's whole body may take to arrive. Its 16 kB take a phone at
/// the edge of the Wi-Fi well under a second; a client sending a byte at a time
/// would otherwise hold its connection (and a descriptor) for hours.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Refuses a request whose body is over [`MAX_BODY_BYTES`] with 413: at once when
/// its declared length says so, else as soon as the stream passes the limit, so no
/// more than the limit is ever held in memory. A body that has not all arrived
/// within [`BODY_DEADLINE`] is refused with 408 and the connection closed.
pub async fn limit_body(req: Request, next: Next) -> Response {
    let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.").into_response();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let bytes =
        match tokio::time::timeout(BODY_DEADLINE, axum::body::to_bytes(body, MAX_BODY_BYTES)).await
        {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return too_large(),
            Err(_) => {
                let mut response =
                    (StatusCode::REQUEST_TIMEOUT, "Request body too slow.").into_response();
                // The rest of the body may still be on its way: don't wait for it.
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
                return response;
            }
        };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Refuses a state-changing request sent from another origin.
///
/// The session cookie is `SameSite=Strict`, so browsers do not attach it to
/// cross-site requests anyway; this is the second lock on the door.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    if is_cross_origin_write(req.method(), req.uri(), req.headers()) {
        tracing::warn!(
            method = %req.method(),
            path = req.uri().path(),
            origin = ?req.headers().get(ORIGIN),
            "refused a cross-origin request"
        );
        return (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response();
    }
    next.run(req).await
}

/// Whether a request may change state and its `Origin` (when the browser sent
/// one) names another site than the one it was sent to.
fn is_cross_origin_write(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    // No Origin: not a cross-site browser request (browsers send one on every
    // cross-origin POST) unless the browser says otherwise in Sec-Fetch-Site; curl
    // and the like are not a CSRF vector.
    let Some(origin) = headers.get(ORIGIN) else {
        return headers
            .get("sec-fetch-site")
            .is_some_and(|site| site.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    };
    // HTTP/2 carries the host in the URI's authority instead of a Host header.
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| uri.authority().map(|authority| authority.as_str()));
    // `Origin: null` (sandboxed frames, file: pages) has no "://" and is refused.
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host);
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: Method, origin: Option<&str>, host: &str) -> bool {
        check_with(method, origin, host, None)
    }

    fn check_with(
        method: Method,
        origin: Option<&str>,
        host: &str,
        fetch_site: Option<&str>,
    ) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(site) = fetch_site {
            headers.insert("sec-fetch-site", HeaderValue::from_str(site).unwrap());
        }
        headers.insert(HOST, HeaderValue::from_str(host).unwrap());
        if let Some(origin) = origin {
            headers.insert(ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        is_cross_origin_write(&method, &Uri::from_static("/api/login"), &headers)
    }

    #[test]
    fn same_origin_posts_pass() {
        assert!(!check(
            Method::POST,
            Some("http://192.168.1.20:3000"),
            "192.168.1.20:3000"
        ));
        assert!(!check(
            Method::POST,
            Some("http://Pi.local:3000"),
            "pi.local:3000"
        ));
    }

    #[test]
    fn posts_without_origin_pass() {
        assert!(!check(Method::POST, None, "pi.local:3000"));
    }

    #[test]
    fn cross_origin_posts_are_refused() {
        assert!(check(
            Method::POST,
            Some("http://evil.example"),
            "pi.local:3000"
        ));
        assert!(check(
            Method::POST,
            Some("http://pi.local:3001"),
            "pi.local:3000"
        ));
        assert!(check(
            Method::DELETE,
            Some("http://evil.example"),
            "pi.local:3000"
        ));
        assert!(check(Method::POST, Some("null"), "pi.local:3000"));
        // Look-alikes of the right host.
        for origin in [
            "http://pi.local:3000.evil.example",
            "http://pi.local:3000@evil.example",
            "http://evil-pi.local:3000",
            "pi.local:3000",
        ] {
            assert!(
                check(Method::POST, Some(origin), "pi.local:3000"),
                "{origin}"
            );
        }
    }

    #[test]
    fn a_write_the_browser_marks_cross_site_is_refused_without_an_origin() {
        assert!(check_with(
            Method::POST,
            None,
            "pi.local:3000",
            Some("cross-site")
        ));
        assert!(!check_with(
            Method::POST,
            None,
            "pi.local:3000",
            Some("same-origin")
        ));
        assert!(!check_with(
            Method::GET,
            None,
            "pi.local:3000",
            Some("cross-site")
        ));
    }

    #[test]
    fn reads_are_never_refused() {
        assert!(!check(
            Method::GET,
            Some("http://evil.example"),
            "pi.local:3000"
        ));
        assert!(!check(
            Method::HEAD,
            Some("http://evil.example"),
            "pi.local:3000"
        ));
    }
}
