//! Layers that harden every response and refuse cross-site writes.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONNECTION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, HOST, LOCATION, ORIGIN,
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

/// Whether a path has a dot segment (`.` or `..`, also percent-encoded): no
/// browser sends one (they resolve them first), and a router or page that read
/// `/pkg/../settings` as `/settings` after the public-path decision would render
/// a protected page without a session.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        decoded == "." || decoded == ".."
    })
}

/// The names a request's `Host` may carry: `localhost`, this machine's host
/// name (also under `.local`, as mDNS announces it) and the names of the
/// `--allow-host` setting; any IP address is accepted too.
///
/// DNS rebinding points a name the attacker owns at the server, so a page of the
/// attacker's site can call it as same-origin; the `Host` of such a request is
/// the attacker's name, which is refused here. An address typed as digits can't
/// be rebound, and accepting every one keeps the server reachable at whatever
/// address the LAN's DHCP gave it today.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    names: std::collections::HashSet<String>,
}

impl AllowedHosts {
    /// `localhost`, this machine's names and `extra` (names, case-insensitive).
    pub fn new(extra: &[String]) -> Self {
        let mut names: std::collections::HashSet<String> =
            extra.iter().map(|name| normal_host(name)).collect();
        names.insert("localhost".to_owned());
        if let Some(host) = host_name() {
            let host = normal_host(&host);
            names.insert(format!("{host}.local"));
            names.insert(host);
        }
        Self { names }
    }

    /// Whether a request with this `Host` header is for this server.
    pub fn allows(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            // An IPv6 address, with or without a port.
            Some(rest) => {
                return rest
                    .split_once(']')
                    .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
            }
            None => match host.rsplit_once(':') {
                Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
                _ => host,
            },
        };
        if name.parse::<std::net::IpAddr>().is_ok() {
            return true;
        }
        let name = normal_host(name);
        name.ends_with(".localhost") || self.names.contains(&name)
    }
}

/// A host name as compared: lowercase, without a trailing dot.
fn normal_host(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// This machine's host name, as `hostname` prints it.
fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: `gethostname` writes at most `buf.len()` bytes into `buf`, which we
    // own; the name is read up to its NUL below.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0)?;
    String::from_utf8(buf[..end].to_vec())
        .ok()
        .filter(|name| !name.is_empty())
}

/// Refuses a request whose `Host` is not one of this server's names or
/// addresses: 421 Misdirected Request, or 400 without a `Host` at all.
pub async fn known_host(
    axum::extract::State(hosts): axum::extract::State<std::sync::Arc<AllowedHosts>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .map(str::to_owned);
    match host {
        Some(host) if hosts.allows(&host) => next.run(req).await,
        Some(host) => {
            tracing::warn!(host = ?host, "refused a request for another host");
            (StatusCode::MISDIRECTED_REQUEST, "Unknown host.").into_response()
        }
        None => (StatusCode::BAD_REQUEST, "No Host header.").into_response(),
    }
}

/// Keeps every redirect on this site: a `Location` that is a path stays; one
/// naming this host (as the request's `Host` does) becomes its path; anything
/// else (a plain form post's redirect back to whatever `Referer` it carried)
/// becomes `/`.
pub async fn same_site_redirects(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(req).await;
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|location| location.to_str().ok());
    if let Some(location) = location {
        let same_site = same_site_location(location, host.as_deref());
        if same_site != location {
            match HeaderValue::from_str(&same_site) {
                Ok(value) => {
                    response.headers_mut().insert(LOCATION, value);
                }
                Err(_) => {
                    response
                        .headers_mut()
                        .insert(LOCATION, HeaderValue::from_static("/"));
                }
            }
        }
    }
    response
}

/// `location` as a path of this site (see [`same_site_redirects`]).
fn same_site_location(location: &str, host: Option<&str>) -> String {
    let is_path = |l: &str| l.starts_with('/') && !l.starts_with("//") && !l.starts_with("/\\");
    if is_path(location) {
        return location.to_owned();
    }
    let own = location
        .split_once("://")
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        })
        .and_then(|(_, rest)| {
            let (authority, path) = rest
                .find(['/', '?', '#'])
                .map_or((rest, ""), |at| rest.split_at(at));
            host.filter(|host| authority.eq_ignore_ascii_case(host))
                .map(|_| path)
        });
    match own {
        Some(path) if is_path(path) => path.to_owned(),
        Some(path) if path.starts_with(['?', '#']) => format!("/{path}"),
        Some("") => "/".to_owned(),
        _ => "/".to_owned(),
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

    #[test]
    fn dot_segments_are_found_plain_and_encoded() {
        for path in [
            "/pkg/../settings",
            "/api/%2e%2e/",
            "/./",
            "/api/%2E%2e/login",
            "/a/.",
        ] {
            assert!(has_dot_segment(path), "{path}");
        }
        for path in [
            "/",
            "/pkg/reelsync.js",
            "/runs/42",
            "/a..b/",
            "/...",
            "/favicon.ico",
        ] {
            assert!(!has_dot_segment(path), "{path}");
        }
    }

    #[test]
    fn only_this_servers_names_and_any_address_are_allowed_hosts() {
        let hosts = AllowedHosts::new(&["Reels.Mill.LAN".to_owned()]);
        for host in [
            "localhost",
            "localhost:3000",
            "LOCALHOST.",
            "app.localhost:3000",
            "127.0.0.1:3000",
            "192.168.1.20",
            "[::1]:3000",
            "[fe80::1]",
            "reels.mill.lan:8080",
        ] {
            assert!(hosts.allows(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "[evil]",
            "",
        ] {
            assert!(!hosts.allows(host), "{host}");
        }
    }

    #[test]
    fn redirects_stay_on_this_site() {
        let host = Some("10.0.0.5:3000");
        for (location, expected) in [
            ("/import?x=1", "/import?x=1"),
            ("http://10.0.0.5:3000/login?__err=x", "/login?__err=x"),
            ("http://10.0.0.5:3000", "/"),
            ("http://10.0.0.5:3000?a", "/?a"),
            ("http://evil.example/login", "/"),
            ("//evil.example/login", "/"),
            ("/\\evil.example", "/"),
            ("javascript:alert(1)", "/"),
            ("http://10.0.0.5:3000@evil.example/", "/"),
        ] {
            assert_eq!(same_site_location(location, host), expected, "{location}");
        }
    }
}
