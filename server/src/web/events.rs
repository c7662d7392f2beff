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
//!
//! What a stream costs does not grow with the number watching: one [`Feed`] per
//! run reads the store (its summary, its newest items, its live state) and
//! shares each look with every stream of that run; a stream reads the store
//! itself only to catch up from further back than the feed keeps. Streams are
//! capped, [`MAX_STREAMS_PER_SESSION`] per session (429 past it) and
//! [`MAX_STREAMS`] in all (503), both with `Retry-After`; a stream ends when its
//! session is signed out.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use app::ssr::{AdminUser, RunManager, SignOuts, redact_item, redact_run};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
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
/// Items a feed keeps for its streams: a stream further behind reads the store.
const KEPT: usize = 2 * BATCH as usize;
/// Once caught up, at most ten looks (and progress events) a second per run;
/// behind, items go as fast as the client takes them.
const MIN_GAP: Duration = Duration::from_millis(100);
/// How often to look at a run of another process, which wakes nobody.
const POLL: Duration = Duration::from_millis(250);
/// How often a stream checks that its session still lives (it may have expired
/// without a sign-out).
const SESSION_CHECK: Duration = Duration::from_secs(60);
/// Event streams open at once, in all. A phone shows one or two; a hundred
/// viewers of a run fit.
pub const MAX_STREAMS: usize = 128;
/// Event streams one session may have open: a few tabs' worth.
pub const MAX_STREAMS_PER_SESSION: usize = 8;
/// When a refused stream may ask again.
const RETRY_SECS: u64 = 5;

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

/// What the streams share: the runs' feeds, and who has streams open.
#[derive(Clone)]
pub struct Streams {
    engine: Engine,
    runs: RunManager,
    sign_outs: SignOuts,
    shared: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    feeds: HashMap<i64, Weak<Feed>>,
    total: usize,
    /// Streams by session token.
    by_session: HashMap<String, usize>,
}

impl Streams {
    /// No streams yet.
    pub fn new(engine: Engine, runs: RunManager, sign_outs: SignOuts) -> Self {
        Self {
            engine,
            runs,
            sign_outs,
            shared: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for one more stream of `session`, or the status refusing it.
    fn admit(&self, session: &str) -> Result<StreamSlot, StatusCode> {
        let mut open = self.lock();
        let mine = open.by_session.get(session).copied().unwrap_or(0);
        if mine >= MAX_STREAMS_PER_SESSION {
            return Err(StatusCode::TOO_MANY_REQUESTS);
        }
        if open.total >= MAX_STREAMS {
            tracing::warn!(streams = open.total, "event streams at their cap");
            return Err(StatusCode::SERVICE_UNAVAILABLE);
        }
        open.total += 1;
        open.by_session.insert(session.to_owned(), mine + 1);
        Ok(StreamSlot {
            streams: self.clone(),
            session: session.to_owned(),
        })
    }

    /// The feed of `run_id`, started if no stream follows it yet.
    fn feed(&self, run_id: i64) -> Arc<Feed> {
        let mut open = self.lock();
        if let Some(feed) = open.feeds.get(&run_id).and_then(Weak::upgrade) {
            return feed;
        }
        open.feeds.retain(|_, feed| feed.strong_count() > 0);
        let feed = Feed::start(self.engine.clone(), self.runs.clone(), run_id);
        open.feeds.insert(run_id, Arc::downgrade(&feed));
        feed
    }
}

/// The engine a stream's [`AdminUser`] is checked against, when the session
/// gate has not checked it already.
impl FromRef<Streams> for Engine {
    fn from_ref(streams: &Streams) -> Self {
        streams.engine.clone()
    }
}

/// One open stream's place, given back when the stream ends.
struct StreamSlot {
    streams: Streams,
    session: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.lock();
        open.total -= 1;
        if let Some(mine) = open.by_session.get_mut(&self.session) {
            *mine -= 1;
            if *mine == 0 {
                open.by_session.remove(&self.session);
            }
        }
    }
}

/// The route's handler. 401 without a super admin session, 404 for a run never
/// logged, 429 or 503 (with `Retry-After`) past the caps.
pub async fn run_events(
    State(streams): State<Streams>,
    admin: AdminUser,
    Path(run_id): Path<i64>,
    Query(resume): Query<Resume>,
    headers: HeaderMap,
) -> Response {
    let engine = streams.engine.clone();
    let slot = match streams.admit(admin.session()) {
        Ok(slot) => slot,
        Err(status) => {
            let mut response = status.into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_SECS));
            return response;
        }
    };
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
    let feed = streams.feed(run_id);
    let follow = Follow {
        looks: feed.looks.subscribe(),
        _feed: feed,
        _slot: slot,
        sign_outs: streams.sign_outs.subscribe(),
        session_checked: Instant::now(),
        admin,
        engine,
        run_id,
        at: from,
        tail: resume.tail,
        sent_progress: None,
        done: false,
    };
    Sse::new(follow.into_stream())
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// One look at a run, shared by every stream that follows it.
#[derive(Debug, Clone)]
struct Look {
    /// The run's summary (an orphaned run's told as failed, interrupted); `None`
    /// when the store could not be read: streams end, and their clients
    /// reconnect (with their last id).
    run: Option<RunSummary>,
    /// The newest items, at most [`KEPT`], oldest first.
    items: Arc<VecDeque<FedItem>>,
    /// The last item logged (as far as the feed has read).
    newest: u64,
    /// The feed has read every item logged so far.
    caught_up: bool,
    live: Option<LiveRun>,
}

/// The one reader of a run's store rows for all the streams that follow it. Its
/// task ends when the last of them has gone, or after the run's end.
struct Feed {
    looks: watch::Sender<Option<Arc<Look>>>,
}

impl Feed {
    fn start(engine: Engine, runs: RunManager, run_id: i64) -> Arc<Self> {
        let (looks, _) = watch::channel(None);
        let feed = Arc::new(Self { looks });
        let weak = Arc::downgrade(&feed);
        tokio::spawn(async move {
            let mut reader = FeedReader {
                beats: runs.beats(),
                engine,
                runs,
                run_id,
                items: VecDeque::new(),
                read_to: None,
                orphaned: false,
            };
            loop {
                let started = Instant::now();
                let look = reader.look().await;
                let over = look
                    .run
                    .as_ref()
                    .is_none_or(|run| run.outcome != Outcome::Running && look.caught_up);
                let caught_up = look.caught_up;
                let Some(feed) = weak.upgrade() else { break };
                feed.looks.send_replace(Some(Arc::new(look)));
                drop(feed);
                if over {
                    break;
                }
                if caught_up {
                    let _ = tokio::time::timeout(POLL, reader.beats.changed()).await;
                    tokio::time::sleep_until(started + MIN_GAP).await;
                }
            }
        });
        feed
    }
}

/// An item as every stream sends it: redacted and serialized once, by the feed.
#[derive(Debug, Clone)]
struct FedItem {
    seq: u64,
    json: Arc<str>,
}

impl FedItem {
    fn of(mut logged: LoggedItem) -> Self {
        redact_item(&mut logged.item);
        let json = serde_json::to_string(&logged).unwrap_or_else(|err| {
            tracing::error!(error = %err, "an item did not serialize");
            "null".to_owned()
        });
        Self {
            seq: logged.seq,
            json: json.into(),
        }
    }
}

struct FeedReader {
    engine: Engine,
    runs: RunManager,
    beats: watch::Receiver<u64>,
    run_id: i64,
    items: VecDeque<FedItem>,
    /// The last item read, once the first look has placed the feed.
    read_to: Option<u64>,
    /// Logged as running, but no process holds its lock: seen once, and if still
    /// so on the next look, its process died.
    orphaned: bool,
}

impl FeedReader {
    /// The run's summary (read first: when it says the run has ended, the items
    /// read after it are all there are), its next items and, while it goes, its
    /// live state.
    async fn look(&mut self) -> Look {
        let (engine, runs, run_id, read_to) = (
            self.engine.clone(),
            self.runs.clone(),
            self.run_id,
            self.read_to,
        );
        let read = tokio::task::spawn_blocking(move || {
            // The first look starts the feed at its newest items: streams from
            // further back read their way there themselves.
            let after = match read_to {
                Some(after) => after,
                None => engine.logged_items(run_id)?.saturating_sub(KEPT as u64),
            };
            // The summary and the items in one read: when the summary says the
            // run has ended, the items are all there are.
            let (run, items) = engine.run_items(run_id, &ItemFilter::default(), after, BATCH)?;
            let live = match run.outcome {
                Outcome::Running => runs.live()?.filter(|live| live.run_id == Some(run_id)),
                _ => None,
            };
            Ok::<_, engine::Error>((run, after, items, live))
        })
        .await
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, "reading a run's events did not finish");
            Err(engine::Error::Internal("interrupted".into()))
        });
        let (mut run, after, items, live) = match read {
            Ok(read) => read,
            Err(err) => {
                // The store is out of reach for now: the clients reconnect (with
                // their last id) when their streams end.
                tracing::warn!(error = %err, run_id = self.run_id, "run events stopped");
                return Look {
                    run: None,
                    items: Arc::default(),
                    newest: 0,
                    caught_up: true,
                    live: None,
                };
            }
        };
        let caught_up = items.len() < BATCH as usize;
        let nothing_new = items.is_empty();
        self.read_to = Some(items.last().map_or(after, |item| item.seq));
        self.items.extend(items.into_iter().map(FedItem::of));
        while self.items.len() > KEPT {
            self.items.pop_front();
        }
        let progressing = live.as_ref().is_some_and(|live| live.progress.is_some());
        if run.outcome == Outcome::Running && !progressing && nothing_new {
            if self.orphaned {
                run.outcome = Outcome::Failed;
                run.error = Some(RunError::Interrupted);
            }
            self.orphaned = true;
        } else if progressing {
            self.orphaned = false;
        }
        Look {
            run: Some(run),
            items: Arc::new(self.items.clone()),
            newest: self.read_to.unwrap_or(0),
            caught_up,
            live,
        }
    }
}

/// One client's way through a run's events.
struct Follow {
    engine: Engine,
    /// Keeps the run's feed going while this stream follows it.
    _feed: Arc<Feed>,
    looks: watch::Receiver<Option<Arc<Look>>>,
    _slot: StreamSlot,
    sign_outs: watch::Receiver<u64>,
    session_checked: Instant,
    /// Who follows it, to check again that their session lives.
    admin: AdminUser,
    run_id: i64,
    at: Position,
    /// Only the newest this many waiting items, when set.
    tail: Option<u64>,
    /// The progress last sent, so an unchanged one is not sent again.
    sent_progress: Option<Progress>,
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

    /// The next events to send, once there are any; `None` once `finished` is
    /// out, or the session has ended.
    async fn next_events(&mut self) -> Option<Vec<Event>> {
        while !self.done {
            let look = self.looks.borrow_and_update().clone();
            if let Some(look) = look {
                let events = self.events(&look).await?;
                if !events.is_empty() {
                    return Some(events);
                }
            }
            if self.session_checked.elapsed() >= SESSION_CHECK && !self.session_lives().await {
                return None;
            }
            tokio::select! {
                changed = self.looks.changed() => changed.ok()?,
                changed = self.sign_outs.changed() => {
                    changed.ok()?;
                    if !self.session_lives().await {
                        return None;
                    }
                }
                () = tokio::time::sleep(SESSION_CHECK) => {}
            }
        }
        None
    }

    /// What `look` holds for this client: its next items (from the feed, or from
    /// the store when it is further behind than the feed keeps), then the run's
    /// end or its progress.
    async fn events(&mut self, look: &Look) -> Option<Vec<Event>> {
        let run = look.run.as_ref()?;
        let after = match self.tail {
            Some(tail) => self.at.seq.max(look.newest.saturating_sub(tail)),
            None => self.at.seq,
        };
        let kept_from = look.items.front().map_or(look.newest, |item| item.seq - 1);
        let limit = self
            .tail
            .map_or(BATCH, |tail| tail.min(u64::from(BATCH)) as u32);
        let (items, behind) = if after >= kept_from {
            let items: Vec<FedItem> = look
                .items
                .iter()
                .filter(|item| item.seq > after)
                .take(limit as usize)
                .cloned()
                .collect();
            let behind = items.last().is_some_and(|item| item.seq < look.newest);
            (items, behind)
        } else {
            let (engine, run_id) = (self.engine.clone(), self.run_id);
            let read = tokio::task::spawn_blocking(move || {
                engine.run_items(run_id, &ItemFilter::default(), after, limit)
            })
            .await;
            match read {
                Ok(Ok((_, items))) => {
                    let behind = !items.is_empty();
                    (items.into_iter().map(FedItem::of).collect(), behind)
                }
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, run_id = self.run_id, "run events stopped");
                    return None;
                }
                Err(_) => return None,
            }
        };
        let mut events: Vec<Event> = items.into_iter().map(|item| self.item(item)).collect();
        if behind {
            return Some(events);
        }
        if run.outcome != Outcome::Running && look.caught_up {
            events.push(self.finished(run.clone()));
        } else if let Some(progress) = look.live.as_ref().and_then(|live| live.progress) {
            events.extend(self.progress(progress));
        }
        Some(events)
    }

    /// Whether the stream's session is still signed in (checked after a sign-out
    /// anywhere, and now and then for one that expired).
    async fn session_lives(&mut self) -> bool {
        self.session_checked = Instant::now();
        self.admin.still_signed_in().await
    }

    fn item(&mut self, item: FedItem) -> Event {
        self.at = Position {
            seq: item.seq,
            progress: 0,
        };
        Event::default()
            .event("item")
            .id(self.at.id().to_string())
            .data(&*item.json)
    }

    fn progress(&mut self, progress: Progress) -> Option<Event> {
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
