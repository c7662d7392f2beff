//! A list's filters, the same on every list page: a GET form (the filters live in
//! the address, so reload, back and a shared link show the same list), folded on
//! a phone into a sheet behind one "Filters" button, with the filters set shown as
//! chips that remove themselves; and the pager below the list.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::components::close_enclosing_sheet;
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::language::use_i18n;

/// A list's address: its path, and the query keys that say where a page of it
/// starts. A new filter, sort or chip starts the list from its first page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAddress {
    /// The list's path (`/import`, `/runs/7`).
    pub path: String,
    /// The keys of the page's start, dropped when anything else changes.
    pub page_keys: &'static [&'static str],
}

impl ListAddress {
    /// The list's address with `edit` made to `query`, from its first page.
    pub fn href(&self, mut query: ParamsMap, edit: impl FnOnce(&mut ParamsMap)) -> String {
        for key in self.page_keys {
            query.remove(key);
        }
        edit(&mut query);
        format!("{}{}", self.path, query.to_query_string())
    }
}

/// A filter the address sets, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetFilter {
    /// The query key that sets it.
    pub key: &'static str,
    /// What it filters on ("Width").
    pub label: String,
    /// Its value as the page shows it.
    pub value: String,
}

/// The filters `query` sets, by key, worded by `label` and shown by `show`, in
/// the order of `keys`; blank values set nothing.
pub fn set_filters(
    query: &ParamsMap,
    keys: impl IntoIterator<Item = (&'static str, String)>,
    show: impl Fn(&'static str, String) -> String,
) -> Vec<SetFilter> {
    keys.into_iter()
        .filter_map(|(key, label)| {
            let value = query.get(key).filter(|v| !v.trim().is_empty())?;
            Some(SetFilter {
                key,
                label,
                value: show(key, value),
            })
        })
        .collect()
}

/// The id of the filters' sheet: one list, and so one sheet, per page.
const SHEET_ID: &str = "list-filters";

/// The filters of a list, with `children` the controls of its [`FilterForm`].
///
/// On a phone they fold into a sheet (a native popover, which opens before the
/// wasm arrives, or without it) behind a "Filters" button that says how many are
/// set; the filters set are chips beside it, each a link that removes itself. A
/// tablet shows the filters themselves, and neither button nor chips.
#[component]
pub fn FilterPanel(
    /// The list's address, for the chips' links.
    address: ListAddress,
    /// The filters set in the address (re-read as it changes), in a language.
    set: fn(Locale, &ParamsMap) -> Vec<SetFilter>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let bar = move || {
        let locale = i18n.get_locale();
        let set = set(locale, &query.read());
        let count = set.len();
        let chips = set
            .into_iter()
            .map(|filter| view! { <Chip filter address=address.clone() locale /> })
            .collect_view();
        view! {
            <button type="button" class="button filter-button" popovertarget=SHEET_ID data-testid="filters-button">
                {td_string!(locale, filters.button).to_string()}
                {(count > 0).then(|| view! { <span class="count-badge">{fmt::number(locale, count as u64)}</span> })}
            </button>
            {chips}
        }
    };
    view! {
        <div class="filter-bar">{bar}</div>
        <div id=SHEET_ID popover="auto" class="filter-sheet" data-testid="filter-sheet">
            {children()}
        </div>
    }
}

/// A filter that is set, as a link to the list without it.
#[component]
fn Chip(filter: SetFilter, address: ListAddress, locale: Locale) -> impl IntoView {
    let query = use_query_map();
    let href = address.href(query.get_untracked(), |q| {
        q.remove(filter.key);
    });
    let shown = format!("{}: {}", filter.label, filter.value);
    let name = td_string!(locale, filters.remove, filter = shown.clone()).to_string();
    view! {
        <a class="chip" href=href aria-label=name data-testid="filter-chip">
            <bdi>{shown}</bdi>
            <span class="chip-x" aria-hidden="true">"×"</span>
        </a>
    }
}

/// A list's filters as a GET form of the router: with the wasm, a changed filter
/// applies at once, as a navigation that fetches the list's data and not the
/// page; before the wasm (or without it) the submit button sends it.
///
/// In a sheet, a filter applied at once leaves the sheet open (the user may set
/// another); the submit button and "Clear the filters" close it.
#[component]
pub fn FilterForm(
    /// Where the form goes: the list's path.
    action: String,
    /// What the submit button says.
    #[prop(into)]
    submit: Signal<String>,
    /// The list with no filter, for a "Clear the filters" link; none, no link.
    #[prop(optional)]
    clear: Option<String>,
    /// The form's class, beside `filters`.
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Form
            method="GET"
            action=action
            attr:class=format!("filters panel {class}")
            on:change=apply_at_once
            on:submit=close_sheet_when_sent
        >
            {children()}
            <div class="filter-buttons">
                <button type="submit" class="button button--primary">{submit}</button>
                {clear.map(|href| view! {
                    <a href=href class="button" on:click=close_enclosing_sheet>{tr!(i18n, filters.clear)}</a>
                })}
            </div>
        </Form>
    }
}

/// Sends the form a control changed in, as if its button had been pressed: a
/// form's `on:change` handler for changes that apply at once.
pub fn apply_at_once(ev: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(form) = ev
            .current_target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok())
        {
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Closes the sheet around a form its button sent (a form sent by
/// [`apply_at_once`] has no button, and leaves it open).
fn close_sheet_when_sent(ev: leptos::ev::SubmitEvent) {
    #[cfg(feature = "hydrate")]
    if ev.submitter().is_some() {
        close_enclosing_sheet(ev);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// A labelled control of a filter form. The label names the control by `for`
/// rather than by holding it, so a `<select>`'s name is its label alone, not the
/// label and every option's text.
#[component]
pub fn Field(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
        </div>
    }
}

/// A link of the [`Pager`]: where it goes and what it says.
pub struct PageLink {
    pub href: String,
    pub words: Signal<String>,
}

/// Links to a list's other pages (its first, the previous, the next), each
/// there when that page is.
#[component]
pub fn Pager(
    /// The pager's accessible name ("Pages of the grid").
    #[prop(into)]
    label: Signal<String>,
    #[prop(default = None)] first: Option<PageLink>,
    #[prop(default = None)] previous: Option<PageLink>,
    #[prop(default = None)] next: Option<PageLink>,
) -> impl IntoView {
    let link = |link: Option<PageLink>, rel: Option<&'static str>| {
        link.map(
            |PageLink { href, words }| view! { <a href=href class="button" rel=rel>{words}</a> },
        )
    };
    view! {
        <nav class="pager" aria-label=label>
            {link(first, None)}
            {link(previous, Some("prev"))}
            {link(next, Some("next"))}
        </nav>
    }
}
