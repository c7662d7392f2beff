//! `GET /api/runs/{id}/events`: a run as Server-Sent Events, for its run page and
//! the dashboard's banner.
//!
//! Events: `progress` (the run's [`Progress`]), `item` (each logged item, with its
//! place `seq` in the log) and `finished` (the run's summary, with its outcome),
//! then the stream ends. Items are read from the main store, where a run commits
//! them page by page, so a run of this server and one of the command line stream
//! alike, a finished run replays, and a slow client is caught up from the store
//! at its own pace: the stream is only read as fast as the socket takes it, and
//! nothing queues up for it in memory.
//!
//! Every event has an id, increasing: `seq × 1,000,000 + n`, where `seq` is the
//! last item sent before it and `n` counts the `progress` events since that
//! item. A reconnect with `Last-Event-ID` (or `?after=` the last id seen) goes on
//! from there with nothing lost and nothing repeated.
//!
//! A viewer that shows only the newest lines asks for `?tail=N`: when more than
//! `N` items wait, it is sent the newest `N` of them (their ids say where they
//! are). A 70,000-reel import then costs a phone a few hundred events, not
//! 70,000; `tail=0` sends no items at all (the dashboard's banner).

use std::convert::Infallible;
use std::time::Duration;

use app::ssr::{RunManager, redact_item, redact_run};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use engine::{Engine, ItemFilter, LiveRun, LoggedItem, Outcome, Progress, RunError, RunSummary};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;

/// Ids of the events after an item: one per item, a million per run of progress.
const PER_ITEM: u64 = 1_000_000;
/// Items read from the store at a time.
const BATCH: u32 = 500;
/// Once caught up, at most ten looks (and progress events) a second per stream;
/// behind, items go as fast as the client takes them.
const MIN_GAP: Duration = Duration::from_millis(100);
/// How often to look at a run of another process, which wakes nobody.
const POLL: Duration = Duration::from_millis(250);

/// Where a client is in a run's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Position {
    /// The last item sent.
    seq: u64,
    /// `progress` events sent since that item.
    progress: u64,
}

impl Position {
    fn from_id(id: u64) -> Self {
        Self {
            seq: id / PER_ITEM,
            progress: id % PER_ITEM,
        }
    }

    fn id(self) -> u64 {
        self.seq * PER_ITEM + self.progress
    }
}

/// `?after=N`: the last event id the client has; `?tail=N`: only the newest
/// `N` of the items waiting.
#[derive(Debug, Deserialize)]
pub struct Resume {
    after: Option<u64>,
    tail: Option<u64>,
}

/// The route's handler. 401 without a super admin session, 404 for a run never
/// logged.
pub async fn run_events(
    State((engine, runs)): State<(Engine, RunManager)>,
    Path(run_id): Path<i64>,
    Query(resume): Query<Resume>,
    headers: HeaderMap,
) -> Response {
    if let Err(err) = app::ssr::authorize(&engine, &headers).await {
        return (StatusCode::from_u16(err.status()).unwrap_or(StatusCode::UNAUTHORIZED))
            .into_response();
    }
    let known = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || engine.run_summary(run_id)).await
    };
    match known {
        Ok(Ok(_)) => {}
        Ok(Err(engine::Error::NotFound { .. })) => return StatusCode::NOT_FOUND.into_response(),
        Ok(Err(err)) => {
            tracing::error!(error = %err, run_id, "reading a run for its events");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());
    let from = Position::from_id(last_event_id.or(resume.after).unwrap_or(0));
    let follow = Follow {
        beats: runs.beats(),
        engine,
        runs,
        run_id,
        at: from,
        tail: resume.tail,
        sent_progress: None,
        last_look: None,
        behind: false,
        orphaned: false,
        done: false,
    };
    Sse::new(follow.into_stream())
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// One client's way through a run's events.
struct Follow {
    engine: Engine,
    runs: RunManager,
    beats: watch::Receiver<u64>,
    run_id: i64,
    at: Position,
    /// Only the newest this many waiting items, when set.
    tail: Option<u64>,
    /// The progress last sent, so an unchanged one is not sent again.
    sent_progress: Option<Progress>,
    last_look: Option<Instant>,
    /// The last look found a full batch of items: more are waiting.
    behind: bool,
    /// Logged as running, but no process holds its lock: seen once, and if still
    /// so on the next look, its process died.
    orphaned: bool,
    done: bool,
}

impl Follow {
    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> {
        futures::stream::unfold(self, |mut follow| async move {
            let events = follow.next_events().await?;
            Some((futures::stream::iter(events.into_iter().map(Ok)), follow))
        })
        .flatten()
    }

    /// The next events to send, once there are any; `None` once `finished` is out.
    async fn next_events(&mut self) -> Option<Vec<Event>> {
        while !self.done {
            self.pace().await;
            let (run, items, live) = match self.look().await {
                Ok(look) => look,
                Err(err) => {
                    // The store is out of reach for now: the client reconnects
                    // (with its last id) when the stream ends.
                    tracing::warn!(error = %err, run_id = self.run_id, "run events stopped");
                    return None;
                }
            };
            self.behind = self.tail.is_none() && items.len() == BATCH as usize;
            let nothing_new = items.is_empty();
            let mut events: Vec<Event> = items.into_iter().map(|item| self.item(item)).collect();
            if run.outcome != Outcome::Running && !self.behind {
                events.push(self.finished(run));
            } else if let Some(progress) = live.and_then(|live| live.progress) {
                events.extend(self.progress(progress));
            } else if nothing_new {
                self.orphaned_check(&run, &mut events);
            }
            if !events.is_empty() {
                return Some(events);
            }
            self.wait().await;
        }
        None
    }

    /// The run's summary (read first: when it says the run has ended, the items
    /// read after it are all there are), its next items and, while it goes, its
    /// live state.
    async fn look(&mut self) -> engine::Result<(RunSummary, Vec<LoggedItem>, Option<LiveRun>)> {
        self.last_look = Some(Instant::now());
        let (engine, runs, run_id, after, tail) = (
            self.engine.clone(),
            self.runs.clone(),
            self.run_id,
            self.at.seq,
            self.tail,
        );
        let look = tokio::task::spawn_blocking(move || {
            let after = match tail {
                Some(tail) => after.max(engine.logged_items(run_id)?.saturating_sub(tail)),
                None => after,
            };
            let limit = tail.map_or(BATCH, |tail| tail.min(u64::from(BATCH)) as u32);
            let (run, items) = engine.run_items(run_id, &ItemFilter::default(), after, limit)?;
            let live = match run.outcome {
                Outcome::Running => runs.live()?.filter(|live| live.run_id == Some(run_id)),
                _ => None,
            };
            Ok((run, items, live))
        });
        look.await.unwrap_or_else(|err| {
            tracing::error!(error = %err, "reading a run's events did not finish");
            Err(engine::Error::Invalid("interrupted".into()))
        })
    }

    fn item(&mut self, mut logged: LoggedItem) -> Event {
        self.at = Position {
            seq: logged.seq,
            progress: 0,
        };
        redact_item(&mut logged.item);
        event("item", self.at, &logged)
    }

    fn progress(&mut self, progress: Progress) -> Option<Event> {
        self.orphaned = false;
        if self.sent_progress == Some(progress) || self.at.progress + 1 >= PER_ITEM {
            return None;
        }
        self.sent_progress = Some(progress);
        self.at.progress += 1;
        Some(event("progress", self.at, &progress))
    }

    fn finished(&mut self, mut run: RunSummary) -> Event {
        self.done = true;
        redact_run(&mut run);
        let at = Position {
            seq: self.at.seq + 1,
            progress: 0,
        };
        event("finished", at, &run)
    }

    /// A run logged as running that no process runs. Right after it ends, its
    /// outcome may just not have been read yet, so the first time only notes it;
    /// if the next look says the same, its process died and the run is told as
    /// failed (the next run logs it as interrupted).
    fn orphaned_check(&mut self, run: &RunSummary, events: &mut Vec<Event>) {
        if !self.orphaned {
            self.orphaned = true;
            return;
        }
        let mut run = run.clone();
        run.outcome = Outcome::Failed;
        run.error = Some(RunError::Interrupted);
        events.push(self.finished(run));
    }

    /// Keeps looks at least [`MIN_GAP`] apart, unless items are waiting.
    async fn pace(&self) {
        if let Some(last) = self.last_look.filter(|_| !self.behind) {
            tokio::time::sleep_until(last + MIN_GAP).await;
        }
    }

    /// Until this server's run moves, or a while for a run elsewhere.
    async fn wait(&mut self) {
        let _ = tokio::time::timeout(POLL, self.beats.changed()).await;
    }
}

fn event(name: &str, at: Position, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .id(at.id().to_string())
        .json_data(data)
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, "an event did not serialize");
            Event::default().comment("unserializable")
        })
}
