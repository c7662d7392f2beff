//! A run's progress: a bar of the warehouse rows read, its stage and counters.

use leptos::prelude::*;
use model::Progress;

use crate::fmt;
use crate::i18n::td_string;
use crate::labels;
use crate::language::use_i18n;

/// The progress bar of a run (the same element on the run page and in the
/// dashboard's banner): a `<progress>` of rows read of the rows to read, with
/// `aria-valuenow` and `aria-valuemax` for assistive technology and tests, and
/// the stage in words beside it.
#[component]
pub fn RunProgress(
    /// The latest progress; `None` before the run's first.
    #[prop(into)]
    progress: Signal<Option<Progress>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let scanned = move || progress.get().map_or(0, |p| p.scanned);
    // A run of an empty file is done when it starts: a full bar, not an empty one.
    let total = move || progress.get().map_or(1, |p| p.total.max(p.scanned).max(1));
    let text = move || {
        let locale = i18n.get_locale();
        match progress.get() {
            Some(p) => td_string!(
                locale,
                run.progress_text,
                phase = labels::phase(locale, p.phase),
                scanned = fmt::number(locale, p.scanned),
                total = fmt::number(locale, p.total)
            )
            .to_string(),
            None => td_string!(locale, run.starting).to_string(),
        }
    };
    view! {
        <div class="run-progress">
            <progress
                role="progressbar"
                data-testid="run-progress"
                aria-label=move || td_string!(i18n.get_locale(), run.progress_label).to_string()
                aria-valuemin="0"
                aria-valuenow=move || scanned().to_string()
                aria-valuemax=move || total().to_string()
                aria-valuetext=text
                value=move || scanned().to_string()
                max=move || total().to_string()
            ></progress>
            <p class="detail" aria-hidden="true">
                {text}
            </p>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use model::{Counts, Phase};

    use super::*;
    use crate::i18n::Locale;
    use crate::test_support::render_in;

    fn at(scanned: u64) -> Option<Progress> {
        Some(Progress {
            phase: Phase::Reading,
            scanned,
            total: 200_000,
            planned_writes: 0,
            counts: Counts::default(),
            at: chrono::Utc::now(),
        })
    }

    #[test]
    fn the_bar_carries_rows_read_of_the_total_in_both_languages() {
        let bar = || view! { <RunProgress progress=Signal::stored(at(38_000)) /> };
        let html = render_in(Locale::en, bar);
        for part in [
            "role=\"progressbar\"",
            "data-testid=\"run-progress\"",
            "aria-valuenow=\"38000\"",
            "aria-valuemax=\"200000\"",
            "Reading the warehouse: 38,000 of 200,000 rows",
        ] {
            assert!(html.contains(part), "missing {part:?} in {html}");
        }
        let html = render_in(Locale::fa, bar);
        assert!(
            html.contains("aria-valuenow=\"38000\""),
            "hooks stay: {html}"
        );
        assert!(html.contains("۳۸٬۰۰۰ از ۲۰۰٬۰۰۰"), "{html}");
    }

    #[test]
    fn before_its_first_progress_a_run_is_starting_not_empty() {
        let html = render_in(Locale::en, || {
            view! { <RunProgress progress=Signal::stored(None) /> }
        });
        assert!(html.contains("Starting…"), "{html}");
        assert!(html.contains("aria-valuemax=\"1\""));
    }
}
