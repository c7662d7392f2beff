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
