//! `/`: the live figures.

mod api;

pub use api::{DashboardView, GetDashboard, LiveNow, get_dashboard};

use api::get_live_run;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use model::{RunSummary, StatusCounts};

use crate::components::{
    ErrorPanel, Loaded, OutcomeBadge, RunCard, RunProgress, Stat, SyncActions,
};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::language::use_i18n;
use crate::live::{Follow, follow_run};
use crate::pages::Moment;
use crate::problems::warehouse_problem;
use crate::reasons;
use crate::routes;

/// `/`: the live figures, with a Refresh button.
///
/// The figures come from one server function. [`Loaded`] keeps the last figures
/// on screen while a refresh is under way instead of flashing the loading text.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let figures = Resource::new(|| (), |_| get_dashboard());
    let (refreshing, set_refreshing) = signal(false);

    // Without the wasm, the form simply reloads the page; with it, only the
    // figures are fetched again.
    let refresh = move |ev: SubmitEvent| {
        ev.prevent_default();
        figures.refetch();
    };
    watch_for_runs(figures);

    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), dashboard.title).to_string() />
        <div class="page-head">
            <h1>{tr!(i18n, dashboard.title)}</h1>
            <form method="get" action=routes::DASHBOARD on:submit=refresh>
                <button
                    type="submit"
                    class="button button--primary"
                    data-testid="refresh"
                    aria-busy=move || refreshing.get().to_string()
                >
                    {move || {
                        if refreshing.get() {
                            td_string!(i18n.get_locale(), dashboard.refreshing).to_string()
                        } else {
                            td_string!(i18n.get_locale(), dashboard.refresh).to_string()
                        }
                    }}
                </button>
            </form>
        </div>
        <SyncActions />
        <Loaded
            resource=figures
            view=move |data| view! { <Figures data on_run_end=Callback::new(move |()| figures.refetch()) /> }
            loading=Signal::derive(move || td_string!(i18n.get_locale(), dashboard.loading).to_string())
            error_title=Signal::derive(move || {
                td_string!(i18n.get_locale(), dashboard.load_failed).to_string()
            })
            set_pending=set_refreshing
        />
    }
}

/// Every few seconds while the tab is visible, asks whether a run has started
/// (here, in the command line, by cron) and reloads the figures, with its banner,
/// when one has. A run's end is told by its banner's event stream.
fn watch_for_runs(figures: Resource<Result<DashboardView, crate::error::AppError>>) {
    Effect::new(move |_| {
        let poll = move || {
            if document().hidden() {
                return;
            }
            leptos::task::spawn_local(async move {
                let Ok(live) = get_live_run().await else {
                    return;
                };
                let now = live.and_then(|live| live.run.run_id);
                let shown = figures
                    .get_untracked()
                    .and_then(Result::ok)
                    .and_then(|data| data.live)
                    .and_then(|live| live.run.run_id);
                if now.is_some() && now != shown {
                    figures.refetch();
                }
            });
        };
        let handle = set_interval_with_handle(poll, std::time::Duration::from_secs(3)).ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    });
}

/// The run in progress, from any process: what, who, its progress bar (the
/// run page's own), and the way to its page.
#[component]
fn RunBanner(live: LiveNow, on_end: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let LiveNow { run, logged } = live;
    let id = run.run_id.unwrap_or_default();
    let follow = Follow {
        run_id: id,
        logged,
        lines: 0,
        read_item: None,
    };
    let events = follow_run(follow, run.progress);
    Effect::new(move || {
        if events.finished.get().is_some() {
            on_end.run(());
        }
    });
    let (kind, who, cancel_requested) = (run.kind, run.who, run.cancel_requested);
    let text = move || {
        let locale = i18n.get_locale();
        td_string!(
            locale,
            dashboard.running_banner,
            kind = labels::kind(locale, kind),
            id = fmt::number(locale, id.unsigned_abs()),
            who = who.clone()
        )
        .to_string()
    };
    view! {
        <section class="panel banner" data-testid="run-banner" data-run=id.to_string()>
            <p dir="auto">{text}</p>
            <RunProgress progress=events.progress />
            {cancel_requested.then(|| view! { <p class="detail">{tr!(i18n, dashboard.cancel_requested)}</p> })}
            <a class="button" href=routes::run(id)>{tr!(i18n, dashboard.open_run)}</a>
        </section>
    }
}

/// The dashboard's figures, once read.
#[component]
pub fn Figures(
    data: DashboardView,
    /// Called when the run in progress ends (the figures are then out of date).
    #[prop(optional)]
    on_run_end: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let DashboardView {
        figures,
        last_run_started,
        recent,
        next_run,
        read_at,
        user,
        live,
    } = data;
    let banner = live.map(|live| {
        let on_end = on_run_end.unwrap_or_else(|| Callback::new(|()| {}));
        view! { <RunBanner live on_end /> }
    });
    let warehouse_error = figures.warehouse_problem.map(|problem| {
        view! {
            <ErrorPanel
                title=Signal::derive(move || {
                    td_string!(i18n.get_locale(), dashboard.warehouse_unavailable).to_string()
                })
                message=Signal::derive(move || warehouse_problem(i18n.get_locale(), &problem))
                advice=Signal::derive(move || {
                    td_string!(i18n.get_locale(), dashboard.warehouse_advice).to_string()
                })
            />
        }
    });
    let hold = figures.warehouse_hold.map(|problem| {
        view! {
            <div data-testid="warehouse-hold">
                <ErrorPanel
                    title=Signal::derive(move || {
                        td_string!(i18n.get_locale(), dashboard.hold_title).to_string()
                    })
                    message=Signal::derive(move || warehouse_problem(i18n.get_locale(), &problem))
                    advice=Signal::derive(move || {
                        td_string!(
                            i18n.get_locale(),
                            dashboard.hold_advice,
                            command = crate::problems::accept_command()
                        )
                        .to_string()
                    })
                />
            </div>
        }
    });
    let label = move |text: Label| Signal::derive(move || text(i18n.get_locale()));

    // No look of all being well while a reel waits for a person.
    let conflicts = (figures.conflicts > 0).then(|| {
        let count = figures.conflicts;
        let said = move || {
            let locale = i18n.get_locale();
            td_string!(locale, dashboard.conflicts_open, count = fmt::number(locale, count)).to_string()
        };
        view! {
            <section class="panel warn" role="status" data-testid="conflicts-alert">
                <p>{said}</p>
                <a class="button button--primary" href=routes::CONFLICTS>{tr!(i18n, dashboard.open_conflicts)}</a>
            </section>
        }
    });
    view! {
        {banner}
        {hold}
        {warehouse_error}
        {conflicts}
        <section class="stats" aria-label=move || td_string!(i18n.get_locale(), dashboard.reels).to_string()>
            <Stat
                label=label(|l| td_string!(l, dashboard.importable).to_string())
                value=figures.importable
                hint=label(|l| td_string!(l, dashboard.importable_hint).to_string())
                testid="importable"
            />
            <Stat
                label=label(|l| td_string!(l, dashboard.tracked).to_string())
                value=Some(figures.tracked)
                hint=label(|l| td_string!(l, dashboard.tracked_hint).to_string())
                testid="tracked"
            />
            <Stat
                label=label(|l| td_string!(l, dashboard.conflicts).to_string())
                value=Some(figures.conflicts)
                hint=label(|l| td_string!(l, dashboard.conflicts_hint).to_string())
                testid="conflicts"
                warn={ figures.conflicts > 0 }
                href=routes::CONFLICTS
            />
            <Stat
                label=label(|l| td_string!(l, dashboard.missing).to_string())
                value=Some(figures.missing)
                hint=label(|l| td_string!(l, dashboard.missing_hint).to_string())
                testid="missing"
                warn={ figures.missing > 0 }
            />
        </section>
        <div class="panels">
            <StatusPanel counts=figures.by_status />
            <LastRunPanel run=figures.last_run started=last_run_started read_at />
            <section class="panel" data-testid="auto-sync">
                <h2>{tr!(i18n, dashboard.auto_sync)}</h2>
                {if figures.auto_sync {
                    view! { <span class="badge badge--ok">{tr!(i18n, dashboard.on)}</span> }
                        .into_any()
                } else {
                    view! { <span class="badge">{tr!(i18n, dashboard.off)}</span> }.into_any()
                }}
                <p class="detail">
                    {tr!(i18n, dashboard.next_run)}
                    " "
                    {match next_run {
                        Some(next) => view! { <When at=next read_at /> }.into_any(),
                        None => view! { <span>"—"</span> }.into_any(),
                    }}
                </p>
            </section>
        </div>
        <RecentRuns runs=recent read_at />
        <p class="footnote" data-testid="read-at">
            {move || {
                let locale = i18n.get_locale();
                td_string!(
                    locale,
                    dashboard.read_at,
                    time = fmt::time_of_day(locale, read_at.local),
                    user = user.clone()
                )
                .to_string()
            }}
        </p>
    }
}

/// The newest runs, each linking to its page, and a link to the whole history.
#[component]
fn RecentRuns(runs: Vec<(RunSummary, Moment)>, read_at: Moment) -> impl IntoView {
    let i18n = use_i18n();
    (!runs.is_empty()).then(|| {
        view! {
            <section class="panel" data-testid="recent-runs">
                <h2>{tr!(i18n, dashboard.recent_runs)}</h2>
                <ul class="run-list">
                    {runs
                        .into_iter()
                        .map(|(run, started)| view! { <RunCard run started read_at /> })
                        .collect_view()}
                </ul>
                <p><a href=routes::RUNS class="button">{tr!(i18n, dashboard.all_runs)}</a></p>
            </section>
        }
    })
}

/// A moment relative to when the page's data was read ("5 min ago"), with the
/// mill's date and time on hover and in `datetime`.
#[component]
fn When(at: Moment, read_at: Moment) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <time
            datetime=at.utc.to_rfc3339()
            title=move || fmt::date_time(i18n.get_locale(), at.local)
        >
            {move || fmt::relative(i18n.get_locale(), at.utc - read_at.utc)}
        </time>
    }
}

/// A label in a given language.
type Label = fn(Locale) -> String;

/// Tracked reels by status, as a table.
#[component]
fn StatusPanel(counts: StatusCounts) -> impl IntoView {
    let i18n = use_i18n();
    let rows: [(Label, u64, &str); 3] = [
        (
            |l| td_string!(l, status.in_stock).to_string(),
            counts.in_stock,
            "status-in-stock",
        ),
        (
            |l| td_string!(l, status.sold).to_string(),
            counts.sold,
            "status-sold",
        ),
        (
            |l| td_string!(l, status.delivered).to_string(),
            counts.delivered,
            "status-delivered",
        ),
    ];
    view! {
        <section class="panel">
            <h2>{tr!(i18n, dashboard.by_status)}</h2>
            <table class="figures">
                // An explicit <tbody>: browsers insert one anyway, and hydration
                // must find the same tree the server wrote.
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(label, count, testid)| {
                            view! {
                                <tr data-testid=testid data-value=count.to_string()>
                                    <th scope="row">{move || label(i18n.get_locale())}</th>
                                    <td>{move || fmt::number(i18n.get_locale(), count)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The latest run: outcome, when, who, how long and what it did.
#[component]
fn LastRunPanel(
    run: Option<RunSummary>,
    started: Option<Moment>,
    read_at: Moment,
) -> impl IntoView {
    let i18n = use_i18n();
    let body = match (run, started) {
        (Some(run), Some(started)) => {
            let RunSummary {
                id,
                kind,
                who,
                duration_ms,
                outcome,
                counts: c,
                error,
                ..
            } = run;
            let title = move || labels::run_title(i18n.get_locale(), kind, id);
            let by = who.clone();
            let did = move || labels::run_did(i18n.get_locale(), &c);
            let took = move || {
                duration_ms.map(|ms| {
                    let locale = i18n.get_locale();
                    let duration = fmt::duration(locale, ms);
                    format!(", {}", td_string!(locale, dashboard.run_took, duration))
                })
            };
            view! {
                <p>
                    <OutcomeBadge outcome testid="last-run-outcome" />
                    " "
                    <span class="detail">{title}</span>
                </p>
                <p class="detail">
                    <When at=started read_at />
                    " "
                    {move || td_string!(i18n.get_locale(), dashboard.run_by, who = by.clone()).to_string()}
                    {took}
                </p>
                <p class="detail">{did}</p>
                {error.map(|e| view! { <p class="error-message">{move || reasons::run_error(i18n.get_locale(), &e)}</p> })}
            }
            .into_any()
        }
        _ => view! { <p class="detail">{tr!(i18n, dashboard.no_run_yet)}</p> }.into_any(),
    };
    view! {
        <section class="panel" data-testid="last-run">
            <h2>{tr!(i18n, dashboard.last_run)}</h2>
            {body}
        </section>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
    use model::{Counts, Dashboard, Outcome, RunKind, Trigger, WarehouseProblem};

    use super::*;
    use crate::test_support::render_in;

    fn moment(minutes_ago: i64) -> Moment {
        let local = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(14, 5, 9)
            .unwrap();
        let read_at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 35, 9).unwrap();
        Moment {
            utc: read_at - TimeDelta::minutes(minutes_ago),
            local: local - TimeDelta::minutes(minutes_ago),
        }
    }

    fn sample() -> DashboardView {
        let started = moment(5);
        let mut data = DashboardView {
            figures: Dashboard {
                importable: Some(1_204),
                warehouse_error: None,
                warehouse_problem: None,
                tracked: 36,
                by_status: StatusCounts {
                    in_stock: 20,
                    sold: 10,
                    delivered: 6,
                },
                conflicts: 2,
                missing: 0,
                warehouse_hold: None,
                last_run: Some(RunSummary {
                    id: 7,
                    kind: RunKind::Manual,
                    trigger: Trigger::Manual,
                    who: "admin".into(),
                    started_at: started.utc,
                    duration_ms: Some(1_200),
                    outcome: Outcome::Partial,
                    counts: Counts {
                        imported: 3,
                        ..Counts::default()
                    },
                    error: None,
                }),
                auto_sync: true,
                next_run_at: None,
            },
            last_run_started: Some(started),
            recent: Vec::new(),
            next_run: Some(moment(-10)),
            read_at: moment(0),
            user: "admin".into(),
            live: None,
        };
        data.recent = data
            .figures
            .last_run
            .clone()
            .map(|run| (run, started))
            .into_iter()
            .collect();
        data
    }

    fn render(locale: Locale, data: DashboardView) -> String {
        render_in(locale, move || view! { <Figures data /> })
    }

    #[test]
    fn shows_every_figure_in_english() {
        let html = render(Locale::en, sample());
        for text in [
            "1,204",
            "Tracked reels",
            "36",
            "Delivered",
            "partial",
            "Manual sync · run #7",
            "5 min ago",
            "took 1.2 s",
            "3 imported",
            "in 10 min",
            "signed in as admin",
            "14:05:09",
        ] {
            assert!(html.contains(text), "missing {text:?} in {html}");
        }
        assert!(html.contains("data-value=\"1204\""));
        assert!(html.contains("<tbody>"));
        assert!(!html.contains("Warehouse database unavailable"));
    }

    #[test]
    fn shows_every_figure_in_persian() {
        let html = render(Locale::fa, sample());
        for text in [
            "۱٬۲۰۴",
            "رول‌های پیگیری‌شده",
            "۳۶",
            "تحویل‌شده",
            "ناقص",
            "همگام‌سازی دستی · اجرای #۷",
            "۵ دقیقه پیش",
            "۱٫۲ ثانیه",
            "۱۴:۰۵:۰۹",
        ] {
            assert!(html.contains(text), "missing {text:?} in {html}");
        }
        // Test hooks stay the same in every language.
        assert!(html.contains("data-value=\"1204\""));
        assert!(!html.contains("Tracked reels"));
    }

    #[test]
    fn recent_runs_link_to_their_pages_and_a_failure_is_worded_not_quoted() {
        let mut data = sample();
        let failed = model::RunError::Other {
            text: String::new(),
        };
        data.figures.last_run.as_mut().unwrap().error = Some(failed);
        let html = render(Locale::en, data.clone());
        assert!(html.contains("data-testid=\"recent-runs\""), "{html}");
        assert!(html.contains("href=\"/runs/7\""), "{html}");
        assert!(html.contains("All runs"));
        assert!(html.contains("the server log has the details"), "{html}");
        let html = render(Locale::fa, data);
        assert!(html.contains("همهٔ اجراها"));
        assert!(html.contains("جزئیات در گزارش سرور است"), "{html}");
    }

    #[test]
    fn warehouse_trouble_gets_a_panel_and_a_dash() {
        let mut data = sample();
        data.figures.importable = None;
        data.figures.warehouse_problem = Some(WarehouseProblem::Locked {
            file: "w.db".into(),
            waited_ms: 5_000,
        });
        data.figures.last_run = None;
        data.last_run_started = None;
        data.figures.auto_sync = false;
        data.next_run = None;
        let html = render(Locale::en, data.clone());
        assert!(html.contains("Warehouse database unavailable"));
        assert!(html.contains("w.db is locked"));
        assert!(html.contains("What to do"));
        assert!(html.contains("No sync has run yet."));
        assert!(html.contains("Off"));
        let html = render(Locale::fa, data);
        assert!(html.contains("پایگاه دادهٔ انبار در دسترس نیست"), "{html}");
        assert!(html.contains("w.db"));
    }

    #[test]
    fn missing_reels_and_a_held_warehouse_are_shown_in_both_languages() {
        let mut data = sample();
        data.figures.missing = 3;
        data.figures.warehouse_hold = Some(model::WarehouseProblem::NotTheSame {
            file: "ism.sqlite3".into(),
            checked: 200,
            missing: 190,
            reborn: 4,
            columns: Vec::new(),
        });
        let html = render(Locale::en, data.clone());
        assert!(html.contains("data-testid=\"missing\""), "{html}");
        assert!(html.contains("Missing from the warehouse"), "{html}");
        assert!(html.contains("data-testid=\"warehouse-hold\""), "{html}");
        assert!(html.contains("Syncing is paused"), "{html}");
        assert!(html.contains("reelsync accept-warehouse"), "{html}");
        assert!(html.contains("190"), "{html}");
        let html = render(Locale::fa, data);
        assert!(html.contains("ناپیدا در انبار"), "{html}");
        assert!(html.contains("۱۹۰"), "{html}");
        assert!(html.contains("reelsync accept-warehouse"), "{html}");
        let html = render(Locale::en, sample());
        assert!(!html.contains("warehouse-hold"), "no hold, no panel");
    }
}
