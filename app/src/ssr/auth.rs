//! Sessions: the `reelsync_session` cookie (the check itself is
//! [`super::AdminUser::of`]).
//!
//! The cookie holds only the engine's opaque session token. It is `HttpOnly` (no
//! script can read it), `SameSite=Strict` (no other site can make the browser send
//! it, which is the first half of the CSRF defence; the server's Origin check is the
//! second) and lasts 12 hours. It is not `Secure` because reelsync is served over
//! plain HTTP on the mill's LAN.

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue, header};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "reelsync_session";

/// How long a browser keeps the session cookie: one long shift.
pub const SESSION_MAX_AGE_SECS: u64 = 12 * 60 * 60;

/// The session token from the request's `Cookie` headers, if there is one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` in the request's `Cookie` headers, unless it
/// is missing or empty.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
}

/// Sign-outs, as they happen: event streams watch them to end with their
/// session. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SignOuts(std::sync::Arc<tokio::sync::watch::Sender<u64>>);

impl Default for SignOuts {
    fn default() -> Self {
        Self(std::sync::Arc::new(tokio::sync::watch::channel(0).0))
    }
}

impl SignOuts {
    /// Says a session has been signed out.
    pub fn signed_out(&self) {
        self.0.send_modify(|count| *count += 1);
    }

    /// Told of every sign-out from now on.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// In a request's extensions when it came over TLS (`reelsync https enable`):
/// a session started there gets a `Secure` cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverHttps;

/// `Set-Cookie` for a new session; `Secure` when it began over HTTPS (plain
/// HTTP stays usable on the LAN, so a session begun there cannot be).
pub fn session_cookie(token: &str, over_https: bool) -> HeaderValue {
    cookie_header(token, SESSION_MAX_AGE_SECS, over_https)
}

/// `Set-Cookie` that makes the browser forget the session.
pub fn expired_session_cookie() -> HeaderValue {
    cookie_header("", 0, false)
}

fn cookie_header(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age as i64))
        .build();
    // Tokens are URL-safe text from the engine; anything else is a bug there, and
    // an empty cookie (signed out) is the safe answer to it.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| {
        tracing::error!("session token is not valid in a cookie");
        HeaderValue::from_static("reelsync_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for cookie in cookies {
            headers.append(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        headers
    }

    #[test]
    fn finds_the_session_among_other_cookies() {
        let h = headers(&["theme=dark; reelsync_session=tok123; lang=en"]);
        assert_eq!(session_token(&h).as_deref(), Some("tok123"));
        let h = headers(&["theme=dark", "reelsync_session=tok456"]);
        assert_eq!(session_token(&h).as_deref(), Some("tok456"));
    }

    #[test]
    fn no_or_empty_session_is_none() {
        assert_eq!(session_token(&headers(&[])), None);
        assert_eq!(session_token(&headers(&["reelsync_session="])), None);
        assert_eq!(session_token(&headers(&["xreelsync_session=a"])), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_scoped_to_the_site() {
        let set = session_cookie("tok", false).to_str().unwrap().to_owned();
        assert_eq!(
            set,
            "reelsync_session=tok; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"
        );
        let secure = session_cookie("tok", true).to_str().unwrap().to_owned();
        assert_eq!(
            secure,
            "reelsync_session=tok; HttpOnly; SameSite=Strict; Secure; Path=/; Max-Age=43200"
        );
        let gone = expired_session_cookie().to_str().unwrap().to_owned();
        assert!(gone.starts_with("reelsync_session=;") && gone.ends_with("Max-Age=0"));
    }
}
