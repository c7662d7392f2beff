//! `/runs/{id}`: one run. Live while it goes (progress, counters, rate and time
//! left, the newest log lines, Cancel); its items after, paged and filtered.

mod api;
mod undo;

pub use api::{CancelRun, GetRun, PreviewUndo, RunView, StartSync, UndoPreview, UndoRun, get_run};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::{Action, Counts, LoggedItem, Outcome, ProductField, ReelStatus, RunSummary};

use crate::components::{
    Choice, Field, FilterForm, FormError, Loaded, OutcomeBadge, PageLink, Pager, RunProgress,
    uncounted,
};
use crate::fmt;
use crate::i18n::td_string;
use crate::labels;
use crate::language::use_i18n;
use crate::live::{Follow, LOG_LINES, RunEvents, follow_run, read_item};
use crate::reasons;
use crate::routes;

/// `/runs/{id}`.
#[component]
pub fn RunPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let run = Resource::new(
        // The undo's preview is part of the address: asking for it draws the
        // page anew.
        move || {
            let q = query.read();
            let undo = q.get(undo::UNDO_KEY).is_some();
            (id(), q.get("action"), q.get("reel"), q.get("after"), undo)
        },
        |(id, action, reel, after, _)| async move {
            let id = id.ok_or(crate::error::AppError::NotFound)?;
            get_run(id, action, reel, after.and_then(|a| a.parse().ok())).await
        },
    );
    let title = td_string!(i18n.get_locale_untracked(), run.title).to_string();
    view! {
        <Title text=title />
        <Loaded
            resource=run
            view=move |data| view! { <RunBody data on_end=move || run.refetch() /> }
            loading=Signal::derive(tr!(i18n, run.loading))
            error_title=Signal::derive(tr!(i18n, run.load_failed))
        />
    }
}

/// The run, live or ended.
#[component]
fn RunBody<F>(data: RunView, on_end: F) -> impl IntoView
where
    F: Fn() + Clone + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let RunView {
        run,
        live,
        logged,
        items,
        next_after,
        started,
        ..
    } = data;
    let RunSummary {
        id,
        kind,
        trigger,
        who,
        outcome,
        ..
    } = run.clone();
    let heading = move || labels::run_title(i18n.get_locale(), kind, id);
    let by = move || {
        let locale = i18n.get_locale();
        td_string!(
            locale,
            run.started_by,
            when = fmt::date_time(locale, started.local),
            who = who.clone(),
            trigger = labels::trigger(locale, trigger)
        )
        .to_string()
    };
    let body = if outcome == Outcome::Running {
        let follow = Follow {
            run_id: id,
            logged,
            lines: LOG_LINES,
            read_item: Some(read_item),
        };
        let events = follow_run(follow, live.as_ref().and_then(|l| l.progress));
        let cancel_requested = live.as_ref().is_some_and(|l| l.cancel_requested);
        Effect::new(move || {
            if events.finished.get().is_some() {
                on_end();
            }
        });
        view! { <LivePanel id events cancel_requested /> }.into_any()
    } else if query_has(undo::UNDO_KEY) && undo::undoable(&run) {
        view! { <undo::UndoConfirm id /> }.into_any()
    } else {
        let offer = undo::undoable(&run).then(|| view! { <undo::UndoLink id /> });
        view! {
            <EndedPanel run=run.clone() />
            {offer}
            <Items id items next_after />
        }
        .into_any()
    };
    view! {
        <div class="page-head">
            <h1>{heading}</h1>
            <OutcomeBadge outcome testid="run-outcome" />
        </div>
        <p class="detail" dir="auto">{by}</p>
        {body}
    }
}

/// Whether the page's address holds `key`.
fn query_has(key: &str) -> bool {
    use_query_map().read_untracked().get(key).is_some()
}

/// A run as it goes.
#[component]
fn LivePanel(id: i64, events: RunEvents, cancel_requested: bool) -> impl IntoView {
    let i18n = use_i18n();
    let cancel = ServerAction::<CancelRun>::new();
    let cancelling = move || {
        cancel_requested
            || cancel.pending().get()
            || cancel.value().get().is_some_and(|r| r.is_ok())
    };
    let counts =
        Signal::derive(move || events.progress.get().map(|p| p.counts).unwrap_or_default());
    let rate = move || {
        let locale = i18n.get_locale();
        let rate = events.rate.get()?;
        let left = events
            .seconds_left()
            .map(|secs| fmt::duration(locale, (secs * 1_000.0) as u64));
        Some(
            td_string!(
                locale,
                run.rate,
                rate = fmt::number(locale, rate.round() as u64),
                left = left.unwrap_or_else(|| "—".to_owned())
            )
            .to_string(),
        )
    };
    view! {
        // Without the wasm the page reloads itself every few seconds instead.
        <noscript inner_html=r#"<meta http-equiv="refresh" content="3">"# />
        <section class="panel live-run" aria-live="off">
            <RunProgress progress=events.progress />
            <p class="detail" data-testid="run-rate">{rate}</p>
            <CountList counts />
            {move || events.lost.get().then(|| view! {
                <p class="form-error" role="alert">{tr!(i18n, run.stream_lost)}</p>
            })}
            <ActionForm action=cancel>
                <input type="hidden" name="id" value=id.to_string() />
                <button
                    type="submit"
                    class="button button--danger button--wide"
                    disabled=cancelling
                    aria-busy=move || cancelling().to_string()
                >
                    {move || if cancelling() { tr!(i18n, run.cancelling)() } else { tr!(i18n, run.cancel)() }}
                </button>
            </ActionForm>
            {move || {
                cancel
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <FormError error testid="cancel-error" /> })
            }}
        </section>
        <section class="panel">
            <h2>{tr!(i18n, run.log)}</h2>
            <ol class="run-log" data-testid="run-log" aria-live="polite" aria-relevant="additions">
                <For
                    each=move || events.log.get()
                    key=|item| item.seq
                    children=move |item| view! { <LogLine item /> }
                />
            </ol>
        </section>
    }
}

/// A run that has ended: its counters, how long it took, why it failed.
#[component]
fn EndedPanel(run: RunSummary) -> impl IntoView {
    let i18n = use_i18n();
    let took = move || {
        run.duration_ms.map(|ms| {
            let locale = i18n.get_locale();
            td_string!(
                locale,
                dashboard.run_took,
                duration = fmt::duration(locale, ms)
            )
            .to_string()
        })
    };
    view! {
        <section class="panel">
            <p class="detail">{took}</p>
            <CountList counts=Signal::stored(run.counts) />
            {run.error.map(|e| view! { <p class="error-message">{move || reasons::run_error(i18n.get_locale(), &e)}</p> })}
        </section>
    }
}

/// A run's counters.
#[component]
pub fn CountList(#[prop(into)] counts: Signal<Counts>) -> impl IntoView {
    let i18n = use_i18n();
    type Pick = fn(&Counts) -> u64;
    let rows: [(&str, Pick); 7] = [
        ("imported", |c| c.imported),
        ("updated", |c| c.updated),
        ("exported", |c| c.exported),
        ("status_in", |c| c.status_in),
        ("conflicts", |c| c.conflicts),
        ("rejected", |c| c.rejected),
        ("unchanged", |c| c.unchanged),
    ];
    let label = move |key: &str| {
        let locale = i18n.get_locale();
        match key {
            "imported" => td_string!(locale, counts.imported),
            "updated" => td_string!(locale, counts.updated),
            "exported" => td_string!(locale, counts.exported),
            "status_in" => td_string!(locale, counts.status_in),
            "conflicts" => td_string!(locale, counts.conflicts),
            "rejected" => td_string!(locale, counts.rejected),
            _ => td_string!(locale, counts.unchanged),
        }
        .to_string()
    };
    view! {
        <dl class="counts" data-testid="run-counts">
            {rows
                .into_iter()
                .map(|(key, pick)| {
                    view! {
                        <div data-count=key data-value=move || pick(&counts.get()).to_string()>
                            <dt>{move || label(key)}</dt>
                            <dd>{move || fmt::number(i18n.get_locale(), pick(&counts.get()))}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}

/// One line of the live log.
#[component]
fn LogLine(item: LoggedItem) -> impl IntoView {
    let i18n = use_i18n();
    let action = item.item.action;
    view! {
        <li data-action=action.as_str()>
            <bdi class="reel">{item.item.reel_number}</bdi>
            " "
            <span class="action">{move || labels::action(i18n.get_locale(), action)}</span>
            {item.item.reason.map(|reason| view! { " " <span class="reason">{move || reasons::reason(i18n.get_locale(), &reason)}</span> })}
        </li>
    }
}

/// The items of an ended run: filtered by action and reel number (a plain GET
/// form, so the filters live in the address), a page at a time.
#[component]
fn Items(id: i64, items: Vec<LoggedItem>, next_after: Option<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reel = move || query.read().get("reel").unwrap_or_default();
    // The next page keeps the filters and moves the key on.
    let next = next_after.map(|after| {
        let mut next = query.get_untracked();
        next.replace("after", after.to_string());
        format!("{}{}", routes::run(id), next.to_query_string())
    });
    view! {
        <section class="panel" data-testid="run-items">
            <h2>{tr!(i18n, run.items)}</h2>
            <FilterForm action=routes::run(id) submit=Signal::derive(tr!(i18n, run.filter))>
                <Field id="items-action" label=Signal::derive(tr!(i18n, run.filter_action))>
                    <Choice
                        id="items-action"
                        key="action"
                        any=Signal::derive(tr!(i18n, run.any_action))
                        choices=uncounted(&labels::ACTIONS)
                        spell=Action::as_str
                        label=labels::action
                    />
                </Field>
                <Field id="items-reel" label=Signal::derive(tr!(i18n, run.filter_reel))>
                    <input id="items-reel" type="search" name="reel" value=reel prop:value=reel dir="auto" autocomplete="off" />
                </Field>
            </FilterForm>
            <ItemList items first=routes::run(id) next empty=Signal::derive(tr!(i18n, run.no_items)) />
        </section>
    }
}

/// A page of items (a run's, or a plan's) with the links to the first and the
/// next page.
#[component]
pub fn ItemList(
    items: Vec<LoggedItem>,
    /// The first page's address.
    first: String,
    /// The next page's address, when there is one.
    next: Option<String>,
    /// Said when there are no items.
    #[prop(into)]
    empty: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let list = if items.is_empty() {
        view! { <p class="detail">{empty}</p> }.into_any()
    } else {
        view! {
            <ul class="items">
                {items.into_iter().map(|item| view! { <ItemRow item /> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {list}
        <Pager
            label=Signal::derive(tr!(i18n, run.pages))
            first=Some(PageLink { href: first, words: Signal::derive(tr!(i18n, run.first_page)) })
            next=next.map(|href| PageLink { href, words: Signal::derive(tr!(i18n, run.next_page)) })
        />
    }
}

/// One item with its changes, old → new.
#[component]
pub fn ItemRow(item: LoggedItem) -> impl IntoView {
    let i18n = use_i18n();
    let action = item.item.action;
    let reel = item.item.reel_number;
    let shown = reel.clone();
    view! {
        <li class="item" data-reel=reel data-action=action.as_str()>
            <p>
                <bdi class="reel">{shown}</bdi>
                " "
                <span class="badge">{move || labels::action(i18n.get_locale(), action)}</span>
            </p>
            {item.item.reason.map(|reason| view! { <p class="reason detail">{move || reasons::reason(i18n.get_locale(), &reason)}</p> })}
            <ChangeList changes=item.item.changes />
        </li>
    }
}

/// Field changes as `field: old → new`, fields by their names and statuses in
/// the user's words; other values as the warehouse holds them.
#[component]
pub fn ChangeList(changes: Vec<model::Change>) -> impl IntoView {
    let i18n = use_i18n();
    (!changes.is_empty()).then(|| {
        view! {
            <ul class="changes">
                {changes
                    .into_iter()
                    .map(|change| {
                        let field = change.field.parse::<ProductField>().ok();
                        let name = move || match field {
                            Some(known) => labels::field(i18n.get_locale(), known),
                            None => change.field.clone(),
                        };
                        let is_status = field == Some(ProductField::Status);
                        let show = move |value: Option<String>| {
                            move || match value.as_deref() {
                                None => "∅".to_owned(),
                                Some(v) => match v.parse::<ReelStatus>() {
                                    Ok(status) if is_status => labels::status(i18n.get_locale(), status),
                                    _ => v.to_owned(),
                                },
                            }
                        };
                        view! {
                            <li>
                                <bdi class="field">{name}</bdi>
                                ": "
                                <bdi class="old">{show(change.old)}</bdi>
                                " → "
                                <bdi class="new">{show(change.new)}</bdi>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
