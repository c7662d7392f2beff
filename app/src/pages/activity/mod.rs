//! `/activity`: the activity log, newest first, filtered by who, what, subject,
//! outcome and the mill's days, a page at a time; each entry opens to what it
//! changed and where it came from. "Download CSV" takes the filtered log.

mod api;

pub use api::{ActivityForm, ActivityView, ListActivity, list_activity};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use model::{ActivityEntry, ActivityOutcome};

use crate::components::{
    Choice, Field, FilterForm, FilterPanel, ListAddress, Loaded, PageLink, Pager, SetFilter,
    set_filters, uncounted,
};
use crate::i18n::{Locale, td_string};
use crate::language::use_i18n;
use crate::pages::Moment;
use crate::{fmt, labels, routes};

/// The log's address: a new filter starts from the newest entry.
fn address() -> ListAddress {
    ListAddress {
        path: routes::ACTIVITY.to_owned(),
        page_keys: &["before"],
    }
}

/// `/activity`.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let log = Resource::new(
        move || query.get(),
        |q| async move {
            let form = ActivityForm {
                who: q.get("who"),
                what: q.get("what"),
                subject: q.get("subject"),
                outcome: q.get("outcome"),
                from: q.get("from"),
                to: q.get("to"),
            };
            list_activity(form, q.get("before").and_then(|b| b.parse().ok())).await
        },
    );
    let csv = move || {
        let mut q = query.get();
        q.remove("before");
        format!("{}{}", routes::ACTIVITY_CSV, q.to_query_string())
    };
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), activity.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, activity.title)}</h1>
            <a class="button" href=csv download="" data-testid="activity-csv">{tr!(i18n, activity.download)}</a>
        </div>
        <FilterPanel address=address() set=set_activity_filters>
            <Filters />
        </FilterPanel>
        <Loaded
            resource=log
            view=|data| view! { <EntryList data /> }
            loading=Signal::derive(tr!(i18n, activity.loading))
            error_title=Signal::derive(tr!(i18n, activity.load_failed))
        />
    }
}

/// The filters `query` sets, as the chips show them.
fn set_activity_filters(locale: Locale, query: &ParamsMap) -> Vec<SetFilter> {
    let keys = [
        ("who", td_string!(locale, activity.who).to_string()),
        ("what", td_string!(locale, activity.what).to_string()),
        ("subject", td_string!(locale, activity.subject).to_string()),
        ("outcome", td_string!(locale, activity.outcome).to_string()),
        ("from", td_string!(locale, activity.from).to_string()),
        ("to", td_string!(locale, activity.to).to_string()),
    ];
    set_filters(query, keys, |key, value| match key {
        "what" => labels::activity(locale, &value),
        "outcome" => ActivityOutcome::parse(&value)
            .map(|o| labels::activity_outcome(locale, o))
            .unwrap_or(value),
        _ => fmt::digits(locale, &value),
    })
}

/// The filters' form.
#[component]
fn Filters() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let value = move |key: &'static str| move || query.read().get(key).unwrap_or_default();
    let any = Signal::derive(tr!(i18n, activity.any));
    let text = move |id: &'static str, key: &'static str, label: Signal<String>| {
        view! {
            <Field id label>
                <input id=id type="search" name=key value=value(key) prop:value=value(key) dir="auto" autocomplete="off" />
            </Field>
        }
    };
    // In Persian a day is typed as the page shows days, in Solar Hijri
    // (`۱۴۰۵/۰۹/۱۶`): a browser's date picker is Gregorian.
    let day = move |id: &'static str, key: &'static str, label: Signal<String>| {
        let persian = i18n.get_locale_untracked() == Locale::fa;
        let example = td_string!(Locale::fa, activity.day_format);
        view! {
            <Field id label>
                <input
                    id=id
                    type=if persian { "text" } else { "date" }
                    inputmode=persian.then_some("numeric")
                    placeholder=persian.then_some(example)
                    name=key
                    value=value(key)
                    prop:value=value(key)
                    dir="ltr"
                    autocomplete="off"
                />
            </Field>
        }
    };
    view! {
        <FilterForm action=routes::ACTIVITY.to_owned() submit=Signal::derive(tr!(i18n, activity.filter)) clear=routes::ACTIVITY.to_owned()>
            {text("activity-who", "who", Signal::derive(tr!(i18n, activity.who)))}
            <Field id="activity-what" label=Signal::derive(tr!(i18n, activity.what))>
                <Choice id="activity-what" key="what" any choices=uncounted(&labels::ACTIVITIES) spell=|code: &'static str| code label=|locale, code: &'static str| labels::activity(locale, code) />
            </Field>
            {text("activity-subject", "subject", Signal::derive(tr!(i18n, activity.subject)))}
            <Field id="activity-outcome" label=Signal::derive(tr!(i18n, activity.outcome))>
                <Choice id="activity-outcome" key="outcome" any choices=uncounted(&ActivityOutcome::ALL) spell=ActivityOutcome::as_str label=labels::activity_outcome />
            </Field>
            {day("activity-from", "from", Signal::derive(tr!(i18n, activity.from)))}
            {day("activity-to", "to", Signal::derive(tr!(i18n, activity.to)))}
        </FilterForm>
    }
}

/// A page of entries, and the pager.
#[component]
fn EntryList(data: ActivityView) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let ActivityView { entries, next } = data;
    let next = next.map(|before| PageLink {
        href: address().href(query.get_untracked(), |q| {
            q.replace("before", before.to_string());
        }),
        words: Signal::derive(tr!(i18n, activity.older)),
    });
    let newest = PageLink {
        href: address().href(query.get_untracked(), |_| {}),
        words: Signal::derive(tr!(i18n, activity.newest)),
    };
    let list = if entries.is_empty() {
        view! { <p class="detail panel" data-testid="activity-none">{tr!(i18n, activity.none)}</p> }
            .into_any()
    } else {
        let rows = entries
            .into_iter()
            .map(|(entry, at)| view! { <Entry entry at /> })
            .collect_view();
        view! { <ol class="activity-list" data-testid="activity-list">{rows}</ol> }.into_any()
    };
    view! {
        {list}
        <Pager label=Signal::derive(tr!(i18n, activity.pages)) first=Some(newest) next />
    }
}

/// One entry: when, who, what, which and how it ended; opened, what changed
/// and where the request came from.
#[component]
fn Entry(entry: ActivityEntry, at: Moment) -> impl IntoView {
    let i18n = use_i18n();
    let ActivityEntry {
        id,
        who,
        action,
        subject,
        detail,
        outcome,
        client,
        agent,
        ..
    } = entry;
    let what = {
        let action = action.clone();
        move || labels::activity(i18n.get_locale(), &action)
    };
    let when = move || fmt::date_time(i18n.get_locale(), at.local);
    let badge = match outcome {
        ActivityOutcome::Done => "badge badge--ok",
        ActivityOutcome::Refused => "badge badge--warn",
        ActivityOutcome::Failed => "badge badge--bad",
    };
    let from = [client, agent]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li data-testid="activity-entry" data-id=id data-action=action.clone() data-outcome=outcome.as_str()>
            <details class="activity-entry">
                <summary>
                    <time datetime=at.utc.to_rfc3339()>{when}</time>
                    " "
                    <bdi class="who">{who}</bdi>
                    " "
                    <span class="what">{what}</span>
                    " "
                    <bdi class="subject">{subject}</bdi>
                    " "
                    <span class=badge>{move || labels::activity_outcome(i18n.get_locale(), outcome)}</span>
                </summary>
                {detail.map(|detail| view! { <pre class="activity-detail" dir="ltr">{detail}</pre> })}
                {(!from.is_empty()).then(|| view! {
                    <p class="detail">{tr!(i18n, activity.from_client)} " " <bdi dir="ltr">{from}</bdi></p>
                })}
            </details>
        </li>
    }
}
