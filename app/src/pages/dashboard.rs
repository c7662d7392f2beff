use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::get_dashboard;
use crate::components::{AppErrorPanel, ErrorPanel, SiteHeader, Stat};
use crate::model::{DashboardData, LastRun, StatusCounts, format_count};

/// `/`: the live figures, with a Refresh button.
///
/// The figures come from one server function. [`Transition`] keeps the last figures
/// on screen while a refresh is under way instead of flashing the loading text.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let figures = Resource::new(|| (), |_| get_dashboard());
    let (refreshing, set_refreshing) = signal(false);

    // Without the wasm, the form simply reloads the page; with it, only the
    // figures are fetched again.
    let refresh = move |ev: SubmitEvent| {
        ev.prevent_default();
        figures.refetch();
    };

    view! {
        <Title text="Dashboard" />
        <SiteHeader />
        <main class="page">
            <div class="page-head">
                <h1>"Dashboard"</h1>
                <form method="get" action="/" on:submit=refresh>
                    <button
                        type="submit"
                        class="button button--primary"
                        data-testid="refresh"
                        aria-busy=move || refreshing.get().to_string()
                    >
                        {move || if refreshing.get() { "Refreshing…" } else { "Refresh" }}
                    </button>
                </form>
            </div>
            <Transition
                fallback=|| view! { <p class="loading" role="status">"Loading figures…"</p> }
                set_pending=set_refreshing
            >
                {move || Suspend::new(async move {
                    match figures.await {
                        Ok(data) => view! { <Figures data /> }.into_any(),
                        // The session ended while the page was open.
                        Err(error) if error.needs_login() => {
                            view! { <Redirect path="/login" /> }.into_any()
                        }
                        Err(error) => {
                            view! { <AppErrorPanel title="Couldn't load the dashboard" error /> }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </main>
    }
}

/// The dashboard's figures, once read.
#[component]
pub fn Figures(data: DashboardData) -> impl IntoView {
    let warehouse_error = data.warehouse_error.map(|message| {
        view! {
            <ErrorPanel
                title="Warehouse database unavailable"
                message
                advice="Check that the warehouse app's database file is in place and readable (the --external option or REELSYNC_EXTERNAL), then press Refresh. Figures from reelsync's own store are still shown."
            />
        }
    });

    view! {
        {warehouse_error}
        <section class="stats" aria-label="Reels">
            <Stat
                label="Importable reels"
                value=data.importable
                hint="In stock in the warehouse, not yet tracked"
                testid="importable"
            />
            <Stat
                label="Tracked reels"
                value=Some(data.tracked)
                hint="Imported and kept in step"
                testid="tracked"
            />
            <Stat
                label="Conflicts"
                value=Some(data.conflicts)
                hint="Statuses that moved apart on both sides"
                testid="conflicts"
                warn={ data.conflicts > 0 }
            />
        </section>
        <div class="panels">
            <StatusPanel counts=data.by_status />
            <LastRunPanel run=data.last_run />
            <section class="panel" data-testid="auto-sync">
                <h2>"Automatic sync"</h2>
                {if data.auto_sync {
                    view! { <span class="badge badge--ok">"On"</span> }.into_any()
                } else {
                    view! { <span class="badge">"Off"</span> }.into_any()
                }}
                <p class="detail">
                    "Next run: "
                    {match data.next_run {
                        Some(next) => {
                            view! {
                                <time datetime=next.iso title=next.local>
                                    {next.relative}
                                </time>
                            }
                                .into_any()
                        }
                        None => view! { <span>"—"</span> }.into_any(),
                    }}
                </p>
            </section>
        </div>
        <p class="footnote" data-testid="read-at">
            "Figures read at "
            <time datetime=data.read_at.iso>{data.read_at.local}</time>
            " · signed in as "
            {data.user}
        </p>
    }
}

/// Tracked reels by status, as a table.
#[component]
fn StatusPanel(counts: StatusCounts) -> impl IntoView {
    let rows = [
        ("In stock", counts.in_stock, "status-in-stock"),
        ("Sold", counts.sold, "status-sold"),
        ("Delivered", counts.delivered, "status-delivered"),
    ];
    view! {
        <section class="panel">
            <h2>"Tracked reels by status"</h2>
            <table class="figures">
                // An explicit <tbody>: browsers insert one anyway, and hydration
                // must find the same tree the server wrote.
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(label, count, testid)| {
                            view! {
                                <tr data-testid=testid data-value=count.to_string()>
                                    <th scope="row">{label}</th>
                                    <td>{format_count(count)}</td>
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
fn LastRunPanel(run: Option<LastRun>) -> impl IntoView {
    let body = match run {
        None => view! { <p class="detail">"No sync has run yet."</p> }.into_any(),
        Some(run) => {
            let c = run.counts;
            let did = format!(
                "{} imported · {} updated · {} exported · {} statuses in · {} conflicts · {} rejected",
                c.imported, c.updated, c.exported, c.status_in, c.conflicts, c.rejected
            );
            view! {
                <p>
                    <span class=run.outcome.class() data-testid="last-run-outcome">
                        {run.outcome.label()}
                    </span>
                    " "
                    <span class="detail">{format!("{} run #{}", run.kind, run.id)}</span>
                </p>
                <p class="detail">
                    <time datetime=run.started.iso title=run.started.local>
                        {run.started.relative}
                    </time>
                    {format!(" by {}", run.who)}
                    {run.duration.map(|d| format!(", took {d}"))}
                </p>
                <p class="detail">{did}</p>
                {run.error.map(|e| view! { <p class="error-message">{e}</p> })}
            }
            .into_any()
        }
    };
    view! {
        <section class="panel" data-testid="last-run">
            <h2>"Last run"</h2>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Moment, RunCounts, RunOutcome};

    fn moment(text: &str) -> Moment {
        Moment {
            iso: "2026-11-23T12:00:00Z".into(),
            local: "2026-11-23 13:00".into(),
            relative: text.into(),
        }
    }

    fn sample() -> DashboardData {
        DashboardData {
            importable: Some(1_204),
            warehouse_error: None,
            tracked: 36,
            by_status: StatusCounts {
                in_stock: 20,
                sold: 10,
                delivered: 6,
            },
            conflicts: 2,
            last_run: Some(LastRun {
                id: 7,
                kind: "manual".into(),
                who: "admin".into(),
                started: moment("5 min ago"),
                duration: Some("1.2 s".into()),
                outcome: RunOutcome::Partial,
                counts: RunCounts {
                    imported: 3,
                    ..RunCounts::default()
                },
                error: None,
            }),
            auto_sync: true,
            next_run: Some(moment("in 10 min")),
            read_at: moment("just now"),
            user: "admin".into(),
        }
    }

    fn render(data: DashboardData) -> String {
        Owner::new().with(|| view! { <Figures data /> }.to_html())
    }

    #[test]
    fn shows_every_figure() {
        let html = render(sample());
        for text in [
            "1,204",
            "Tracked reels",
            "36",
            "Delivered",
            "Partial",
            "manual run #7",
            "5 min ago",
            "took 1.2 s",
            "3 imported",
            "in 10 min",
            "signed in as",
        ] {
            assert!(html.contains(text), "missing {text:?} in {html}");
        }
        assert!(html.contains("<tbody>"));
        assert!(!html.contains("Warehouse database unavailable"));
    }

    #[test]
    fn warehouse_trouble_gets_a_panel_and_a_dash() {
        let html = render(DashboardData {
            importable: None,
            warehouse_error: Some("warehouse database w.db is locked".into()),
            last_run: None,
            auto_sync: false,
            next_run: None,
            ..sample()
        });
        assert!(html.contains("Warehouse database unavailable"));
        assert!(html.contains("w.db is locked"));
        assert!(html.contains("What to do"));
        assert!(html.contains("No sync has run yet."));
        assert!(html.contains("Off"));
    }
}
