//! Every page's path, declared once: the router, links, redirects and the
//! server's public-path check all use these.

/// The dashboard.
pub const DASHBOARD: &str = "/";
/// The schedule and the import policy.
pub const SETTINGS: &str = "/settings";
/// The sign-in page, the only page open without a session.
pub const LOGIN: &str = "/login";

/// Pages anyone may open without a session. Every other page requires a signed-in
/// super admin (the server enforces this before rendering).
pub const PUBLIC_PAGES: &[&str] = &[LOGIN];
