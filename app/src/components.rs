//! Small building blocks shared by the pages.

use leptos::prelude::*;

use crate::api::Logout;
use crate::error::AppError;
use crate::model::format_count;

/// The bar at the top of every signed-in page: the name and a sign-out button.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                "reelsync"
            </a>
            // A real form, so signing out works before (or without) the wasm.
            <ActionForm action=logout>
                <button type="submit" class="button button--quiet" data-testid="logout">
                    "Sign out"
                </button>
            </ActionForm>
        </header>
    }
}

/// A problem, said plainly: what happened and what to do about it.
#[component]
pub fn ErrorPanel(
    /// What failed, in a few words.
    title: &'static str,
    /// What happened.
    message: String,
    /// What to do about it.
    advice: &'static str,
) -> impl IntoView {
    view! {
        <section class="panel panel--error" role="alert" data-testid="error-panel">
            <h2>{title}</h2>
            <p class="error-message">{message}</p>
            <p class="error-advice">
                <strong>"What to do: "</strong>
                {advice}
            </p>
        </section>
    }
}

/// An [`ErrorPanel`] for a failed server function call.
#[component]
pub fn AppErrorPanel(title: &'static str, error: AppError) -> impl IntoView {
    view! { <ErrorPanel title message=error.to_string() advice=error.advice() /> }
}

/// One big figure with its label and a line of explanation.
#[component]
pub fn Stat(
    /// What is counted.
    label: &'static str,
    /// The count; `None` shows a dash (the figure could not be read).
    value: Option<u64>,
    /// What the count means.
    hint: &'static str,
    /// `data-testid` of the card, for the browser tests.
    testid: &'static str,
    /// Draws attention to the card (e.g. conflicts that need a look).
    #[prop(optional)]
    warn: bool,
) -> impl IntoView {
    let class = if warn { "stat stat--warn" } else { "stat" };
    let raw = value.map(|n| n.to_string()).unwrap_or_default();
    let shown = value.map(format_count).unwrap_or_else(|| "—".to_owned());
    view! {
        <div class=class data-testid=testid data-value=raw>
            <p class="stat-label">{label}</p>
            <p class="stat-value">{shown}</p>
            <p class="stat-hint">{hint}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_shows_the_formatted_count_and_raw_value() {
        let html = Owner::new().with(|| {
            view! { <Stat label="Tracked reels" value=Some(12_345) hint="kept in step" testid="tracked" /> }
                .to_html()
        });
        assert!(html.contains("Tracked reels"));
        assert!(html.contains("12,345"));
        assert!(html.contains("data-value=\"12345\""));
    }

    #[test]
    fn stat_without_a_value_shows_a_dash() {
        let html = Owner::new().with(|| {
            view! { <Stat label="Importable reels" value=None hint="h" testid="importable" /> }
                .to_html()
        });
        assert!(html.contains("—"));
    }

    #[test]
    fn error_panel_says_what_and_what_to_do() {
        let html = Owner::new().with(|| {
            view! {
                <AppErrorPanel
                    title="Couldn't load the dashboard"
                    error=AppError::Unavailable("warehouse database w.db is locked".into())
                />
            }
            .to_html()
        });
        assert!(
            html.contains("Couldn&#x27;t load the dashboard") || html.contains("Couldn't load")
        );
        assert!(html.contains("w.db is locked"));
        assert!(html.contains("What to do"));
        assert!(html.contains("role=\"alert\""));
    }
}
