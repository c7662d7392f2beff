//! Figures and outcome badges.

use leptos::prelude::*;
use model::Outcome;

use crate::fmt;
use crate::labels;
use crate::language::use_i18n;

/// One big figure with its label and a line of explanation.
#[component]
pub fn Stat(
    /// What is counted.
    #[prop(into)]
    label: Signal<String>,
    /// The count; `None` shows a dash (the figure could not be read).
    value: Option<u64>,
    /// What the count means.
    #[prop(into)]
    hint: Signal<String>,
    /// `data-testid` of the card, for the browser tests.
    testid: &'static str,
    /// Draws attention to the card (e.g. conflicts that need a look).
    #[prop(optional)]
    warn: bool,
    /// The page that lists what is counted.
    #[prop(optional)]
    href: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let class = if warn { "stat stat--warn" } else { "stat" };
    let label = move || match href {
        Some(href) => view! { <a href=href>{label}</a> }.into_any(),
        None => label.into_any(),
    };
    // The raw number, the same in every language, for tests and scripts.
    let raw = value.map(|n| n.to_string()).unwrap_or_default();
    let shown = move || value.map_or_else(|| "—".to_owned(), |n| fmt::number(i18n.get_locale(), n));
    view! {
        <div class=class data-testid=testid data-value=raw>
            <p class="stat-label">{label}</p>
            <p class="stat-value">{shown}</p>
            <p class="stat-hint">{hint}</p>
        </div>
    }
}

/// How a run ended (or that it is still going), as a coloured badge.
#[component]
pub fn OutcomeBadge(outcome: Outcome, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let class = match outcome {
        Outcome::Running => "badge badge--info",
        Outcome::Succeeded => "badge badge--ok",
        Outcome::Partial | Outcome::Cancelled => "badge badge--warn",
        Outcome::Failed => "badge badge--bad",
    };
    let label = move || labels::outcome(i18n.get_locale(), outcome);
    view! {
        <span class=class data-testid=testid data-value=outcome.as_str()>
            {label}
        </span>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::test_support::render_in;

    #[test]
    fn a_stat_shows_the_count_in_the_pages_digits_and_the_raw_value() {
        let stat = || view! { <Stat label="Tracked reels" value=Some(12_345) hint="kept" testid="tracked" /> };
        let html = render_in(Locale::en, stat);
        assert!(
            html.contains("12,345") && html.contains("data-value=\"12345\""),
            "{html}"
        );
        let html = render_in(Locale::fa, stat);
        assert!(
            html.contains("۱۲٬۳۴۵") && html.contains("data-value=\"12345\""),
            "{html}"
        );
    }

    #[test]
    fn a_stat_without_a_value_shows_a_dash() {
        let html = render_in(Locale::en, || {
            view! { <Stat label="Importable reels" value=None hint="h" testid="importable" /> }
        });
        assert!(html.contains("—"));
    }

    #[test]
    fn every_outcome_has_its_word_and_a_stable_hook() {
        let html = render_in(
            Locale::fa,
            || view! { <OutcomeBadge outcome=Outcome::Cancelled /> },
        );
        assert!(
            html.contains("لغوشده") && html.contains("data-value=\"cancelled\""),
            "{html}"
        );
    }
}
