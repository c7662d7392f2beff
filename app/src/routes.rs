//! Every page's path, declared once: the router, links, redirects and the
//! server's public-path check all use these.

/// The dashboard.
pub const DASHBOARD: &str = "/";
/// The schedule and the import policy.
pub const SETTINGS: &str = "/settings";
/// The run history.
pub const RUNS: &str = "/runs";
/// The import grid: the warehouse's importable reels, to choose from.
pub const IMPORT: &str = "/import";
/// A dry run's plan: what a full sync would do now.
pub const PREVIEW: &str = "/preview";
/// A dry run's plan of an import of the user's selection in the import grid.
pub const PREVIEW_SELECTION: &str = "/preview?of=selection";
/// Every reel reelsync tracks, and the office's status changes.
pub const PRODUCTS: &str = "/products";
/// The open conflicts, and their resolution.
pub const CONFLICTS: &str = "/conflicts";
/// Where the two sides differ now, reel by reel.
pub const DRIFT: &str = "/drift";
/// Which warehouse column feeds each product field, tried before it is saved.
pub const MAPPINGS: &str = "/mappings";
/// The activity log.
pub const ACTIVITY: &str = "/activity";
/// The activity log as a CSV file, filtered as the page's query says.
pub const ACTIVITY_CSV: &str = "/api/activity.csv";
/// The user accounts, and their sessions.
pub const USERS: &str = "/users";
/// The signed-in user's own account: changing their password (first of all,
/// a one-time one).
pub const ACCOUNT: &str = "/account";
/// What a signed-in user who is not a super admin sees.
pub const NO_ACCESS: &str = "/no-access";
/// The connection check of the warehouse file.
pub const CHECK: &str = "/check";
/// The event stream of one run, as the server's router spells it.
pub const RUN_EVENTS_ROUTE: &str = "/api/runs/{id}/events";

/// `path` as the router spells a segment of it: without its leading `/`.
pub fn segment(path: &'static str) -> &'static str {
    path.strip_prefix('/').unwrap_or(path)
}

/// The conflicts inbox's preview of keeping `keep` for one reel.
pub fn resolve_reel(keep: model::Keep, reel_number: &str) -> String {
    format!(
        "{CONFLICTS}?keep={}&sel={}",
        keep.as_str(),
        percent_encoded(reel_number)
    )
}

/// The conflicts inbox, searched for one reel.
pub fn conflicts_of(reel_number: &str) -> String {
    format!("{CONFLICTS}?q={}", percent_encoded(reel_number))
}

/// One run's page.
pub fn run(id: i64) -> String {
    format!("{RUNS}/{id}")
}

/// One tracked reel's page: its number as one path segment, every byte but the
/// unreserved ASCII ones percent-encoded (written out here so that the server
/// and the browser spell a link alike).
pub fn reel(reel_number: &str) -> String {
    format!("{PRODUCTS}/{}", percent_encoded(reel_number))
}

/// `text` with every byte but the unreserved ASCII ones percent-encoded: one
/// path segment, or one query value, whatever it holds.
fn percent_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// One run's event stream, from the event after `after` on, with only the newest
/// `tail` of the items waiting each time.
pub fn run_events(id: i64, after: u64, tail: usize) -> String {
    format!("/api/runs/{id}/events?after={after}&tail={tail}")
}

/// The sign-in page, the only page open without a session.
pub const LOGIN: &str = "/login";
/// How to trust the server's HTTPS certificate on a phone (for the camera).
pub const HTTPS: &str = "/https";
/// The local certificate authority's certificate, for phones to install.
pub const CA_CERT: &str = "/ca.crt";

/// Pages (and downloads) anyone may open without a session. Every other page
/// requires a signed-in super admin (the server enforces this before rendering).
pub const PUBLIC_PAGES: &[&str] = &[LOGIN, HTTPS, CA_CERT];

/// Pages and server functions open to anyone signed in, super admin or not,
/// and to a super admin who must change a one-time password first: their own
/// account's. Every other one requires a super admin free to work.
pub const ACCOUNT_PATHS: &[&str] = &[ACCOUNT, NO_ACCESS, "/api/account", "/api/change-password"];

/// Server functions anyone may call without a session: signing in, signing out
/// (without a session there is nothing to end) and choosing the language (the
/// login page has the switch too), and what the HTTPS page shows (the
/// authority's certificate is public by nature). Every other server function, and the event
/// stream, answers only a signed-in super admin.
pub const PUBLIC_FUNCTIONS: &[&str] = &["/api/login", "/api/logout", "/api/language", "/api/https"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reel_number_is_one_path_segment_whatever_it_holds() {
        assert_eq!(reel("R23-000001"), "/products/R23-000001");
        assert_eq!(reel("A/B 'x'"), "/products/A%2FB%20%27x%27");
        assert_eq!(reel("۱۲"), "/products/%DB%B1%DB%B2");
    }

    #[test]
    fn a_reel_number_is_one_query_value_whatever_it_holds() {
        assert_eq!(
            resolve_reel(model::Keep::Office, "A&B=1%"),
            "/conflicts?keep=office&sel=A%26B%3D1%25"
        );
    }
}
