//! The pages' Content Security Policy.

use std::sync::{Arc, Mutex, PoisonError};

use http::HeaderValue;
use http::header::CONTENT_SECURITY_POLICY;
use leptos::config::{Env, LeptosOptions};
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Where a page's render leaves its policy for the server's security layer,
/// which puts it on the response (the layer adds this to every request's
/// extensions). Browser tests saw, now and then, a page answered without the
/// policy its render had set in the response options, under the default policy
/// that refuses everything, so neither its style sheet nor its wasm loaded.
#[derive(Debug, Clone, Default)]
pub struct PagePolicy(Arc<Mutex<Option<HeaderValue>>>);

impl PagePolicy {
    /// The policy the page's render left, if it left one.
    pub fn take(&self) -> Option<HeaderValue> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn set(&self, policy: HeaderValue) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(policy);
    }
}

/// Sets the page's Content Security Policy, allowing exactly the inline scripts
/// Leptos writes for this response and the page's style sheet (they carry its
/// nonce): in the response options, and in the request's [`PagePolicy`].
pub fn set_page_headers(options: &LeptosOptions) {
    let Some(nonce) = use_nonce() else {
        tracing::warn!("a page rendered without a nonce: its inline scripts will be refused");
        return;
    };
    let policy = content_security_policy(&nonce, options.env == Env::DEV);
    let Ok(value) = HeaderValue::from_str(&policy) else {
        return;
    };
    let slot = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PagePolicy>().cloned());
    match slot {
        Some(slot) => slot.set(value.clone()),
        None => tracing::warn!("a page rendered without its request's policy slot"),
    }
    if let Some(response) = use_context::<ResponseOptions>() {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The policy for pages: scripts and style sheets only from this origin or with
/// this response's nonce; WebAssembly compilation allowed (hydration needs it); no
/// `style` attributes, no framing, forms only to this origin. In development the
/// live-reload websocket is allowed too.
pub fn content_security_policy(nonce: &str, dev: bool) -> String {
    let connect = if dev { "'self' ws:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src {connect}; \
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
        assert!(policy.contains("style-src 'self' 'nonce-abc123';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("ws:"));
        assert!(content_security_policy("n", true).contains("connect-src 'self' ws:"));
    }
}
