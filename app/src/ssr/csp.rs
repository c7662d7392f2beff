//! The pages' Content Security Policy.

use http::HeaderValue;
use http::header::CONTENT_SECURITY_POLICY;
use leptos::config::{Env, LeptosOptions};
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Sets the page's Content Security Policy, allowing exactly the inline scripts
/// Leptos writes for this response (they carry its nonce).
pub fn set_page_headers(options: &LeptosOptions) {
    let (Some(response), Some(nonce)) = (use_context::<ResponseOptions>(), use_nonce()) else {
        return;
    };
    let policy = content_security_policy(&nonce, options.env == Env::DEV);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The policy for pages: scripts only from this origin or with this response's
/// nonce; WebAssembly compilation allowed (hydration needs it); no inline styles, no
/// framing, forms only to this origin. In development the live-reload websocket is
/// allowed too.
pub fn content_security_policy(nonce: &str, dev: bool) -> String {
    let connect = if dev { "'self' ws:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_carries_the_nonce_and_allows_wasm() {
        let policy = content_security_policy("abc123", false);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("ws:"));
        assert!(content_security_policy("n", true).contains("connect-src 'self' ws:"));
    }
}
