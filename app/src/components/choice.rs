//! A filter's `<select>` in a GET form.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::fmt;
use crate::i18n::Locale;
use crate::language::use_i18n;

/// A filter's `<select id=id name=key>`: "any" (the empty value), then each choice, with
/// how many there are when that is known; the one the address names is chosen.
#[component]
pub fn Choice<T: Copy + Send + Sync + 'static>(
    /// The select's id, for a label's `for`.
    #[prop(optional)]
    id: Option<&'static str>,
    /// The query key, and the select's name.
    key: &'static str,
    /// The words for "no filter".
    #[prop(into)]
    any: Signal<String>,
    /// Each choice, with its count when known.
    choices: Vec<(T, Option<u64>)>,
    /// How the address spells a choice.
    spell: fn(T) -> &'static str,
    /// How the page words it.
    label: fn(Locale, T) -> String,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let chosen = move || query.read().get(key).unwrap_or_default();
    view! {
        <select id=id name=key>
            <option value="" selected=move || chosen().is_empty()>{any}</option>
            {choices
                .into_iter()
                .map(|(choice, count)| {
                    let spelling = spell(choice);
                    let words = move || {
                        let locale = i18n.get_locale();
                        match count {
                            Some(n) => format!("{} ({})", label(locale, choice), fmt::number(locale, n)),
                            None => label(locale, choice),
                        }
                    };
                    view! { <option value=spelling selected=move || chosen() == spelling>{words}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// Choices whose counts are not known.
pub fn uncounted<T: Copy>(choices: &[T]) -> Vec<(T, Option<u64>)> {
    choices.iter().map(|&choice| (choice, None)).collect()
}
