//! Following a run live in the browser, through its event stream
//! (`GET /api/runs/{id}/events`): its progress, its newest log lines and how it
//! ended, as signals the run page and the dashboard's banner show.
//!
//! On the server the signals keep what the page was rendered with. In the
//! browser one `EventSource` per followed run is open while the tab is visible
//! and closed while it is hidden (a phone has few connections to spare); it is
//! reopened from the last event seen, so nothing is lost or repeated.

use leptos::prelude::*;
use model::{LoggedItem, Progress, RunSummary};

/// How many log lines the page keeps: the newest; the rest are in the run's
/// items once it ends.
pub const LOG_LINES: usize = 50;

/// A followed run, as signals.
#[derive(Debug, Clone, Copy)]
pub struct RunEvents {
    /// The latest progress.
    pub progress: RwSignal<Option<Progress>>,
    /// The newest items, newest first, at most [`LOG_LINES`].
    pub log: RwSignal<Vec<LoggedItem>>,
    /// The run's summary, once it has ended.
    pub finished: RwSignal<Option<RunSummary>>,
    /// Rows read a second, measured in the browser since it began to follow.
    pub rate: RwSignal<Option<f64>>,
    /// The stream was refused or lost (the session ended, the server went away
    /// or has too many streams open): the page says so instead of looking
    /// frozen, while the stream is asked for again every few seconds.
    pub lost: RwSignal<bool>,
}

impl RunEvents {
    fn new(progress: Option<Progress>) -> Self {
        Self {
            progress: RwSignal::new(progress),
            log: RwSignal::new(Vec::new()),
            finished: RwSignal::new(None),
            rate: RwSignal::new(None),
            lost: RwSignal::new(false),
        }
    }

    /// Seconds until the run has read every row, at the measured rate.
    pub fn seconds_left(&self) -> Option<f64> {
        let progress = self.progress.get()?;
        let rate = self.rate.get().filter(|rate| *rate > 0.0)?;
        Some(progress.total.saturating_sub(progress.scanned) as f64 / rate)
    }

    /// Puts `items` (oldest first) at the top of the log.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn push_items(&self, items: Vec<LoggedItem>) {
        self.log.update(|log| {
            let newest = items.into_iter().rev().take(LOG_LINES);
            let mut lines: Vec<LoggedItem> = newest.collect();
            lines.append(log);
            lines.truncate(LOG_LINES);
            *log = lines;
        });
    }
}

/// How long a page waits before it asks again for a stream the server refused
/// (its `Retry-After` for too many streams is a few seconds).
#[cfg(feature = "hydrate")]
const RETRY_REFUSED: std::time::Duration = std::time::Duration::from_secs(5);

/// What of a run to follow.
#[derive(Debug, Clone, Copy)]
pub struct Follow {
    pub run_id: i64,
    /// The run's items logged so far: the stream starts after them.
    pub logged: u64,
    /// How many of the newest items the view shows (0: none, only progress).
    pub lines: usize,
    /// Reads an item event, for a view that shows items. Passed in by that view
    /// rather than called here, so that item decoding (every reason's code) is
    /// in that view's wasm chunk, not in the dashboard's banner.
    pub read_item: Option<fn(&str) -> Option<LoggedItem>>,
}

/// Reads an item event's data: what a view that shows items passes as
/// [`Follow::read_item`].
pub fn read_item(data: &str) -> Option<LoggedItem> {
    serde_json::from_str(data).ok()
}

/// Follows a run from its item `logged` on, starting from `progress`. The stream
/// closes when the run has ended, when the page goes and while the tab is hidden.
pub fn follow_run(follow: Follow, progress: Option<Progress>) -> RunEvents {
    let events = RunEvents::new(progress);
    #[cfg(feature = "hydrate")]
    client::follow(follow, events);
    #[cfg(not(feature = "hydrate"))]
    let _ = follow;
    events
}

#[cfg(feature = "hydrate")]
mod client {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::RunEvents;
    use crate::routes;

    type Handler = Box<dyn FnMut(MessageEvent)>;

    /// An open stream and the handlers it calls; dropping it closes the stream.
    struct Connection {
        source: EventSource,
        _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    }

    impl Drop for Connection {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    /// Where the browser is in the stream, how fast the run reads, and the items
    /// not yet shown: a big import sends thousands a second, and the log is
    /// redrawn once per frame, not once per item.
    #[derive(Default)]
    struct Cursor {
        last_id: u64,
        first_sample: Option<(f64, u64)>,
        unshown: Vec<model::LoggedItem>,
        flush_scheduled: bool,
    }

    pub fn follow(follow: super::Follow, events: RunEvents) {
        // Event ids count a million per item (see the stream).
        let cursor = StoredValue::new_local(Cursor {
            last_id: follow.logged * 1_000_000,
            ..Cursor::default()
        });
        let connection = StoredValue::new_local(None::<Connection>);
        // Bumped to ask for the stream again after the server refused it.
        let attempt = RwSignal::new(0_u32);
        let connect = move || {
            if events.finished.get_untracked().is_some() {
                return;
            }
            let after = cursor.with_value(|c| c.last_id);
            let url = routes::run_events(follow.run_id, after, follow.lines);
            match open(&url, follow, events, cursor, connection, attempt) {
                Some(open) => connection.set_value(Some(open)),
                None => events.lost.set(true),
            }
        };
        Effect::new(move |_| {
            attempt.track();
            if !document().hidden() {
                connect();
            }
        });

        // Closed while the tab is hidden, reopened from the last event seen.
        let visibility = Closure::<dyn FnMut()>::new(move || {
            if document().hidden() {
                connection.set_value(None);
            } else if connection.with_value(Option::is_none) {
                connect();
            }
        });
        let _ = document().add_event_listener_with_callback(
            "visibilitychange",
            visibility.as_ref().unchecked_ref(),
        );
        let visibility = StoredValue::new_local(Some(visibility));
        on_cleanup(move || {
            connection.set_value(None);
            if let Some(handler) = visibility.try_update_value(Option::take).flatten() {
                let _ = document().remove_event_listener_with_callback(
                    "visibilitychange",
                    handler.as_ref().unchecked_ref(),
                );
            }
        });
    }

    fn open(
        url: &str,
        follow: super::Follow,
        events: RunEvents,
        cursor: StoredValue<Cursor, LocalStorage>,
        connection: StoredValue<Option<Connection>, LocalStorage>,
        attempt: RwSignal<u32>,
    ) -> Option<Connection> {
        let source = EventSource::new(url).ok()?;
        let remember = move |event: &MessageEvent| {
            if let Ok(id) = event.last_event_id().parse() {
                cursor.update_value(|c| c.last_id = id);
            }
            if events.lost.get_untracked() {
                events.lost.set(false);
            }
        };
        let on_progress = move |event: MessageEvent| {
            remember(&event);
            let Some(progress) = data::<model::Progress>(&event) else {
                return;
            };
            let now = js_sys::Date::now();
            let first = cursor
                .try_update_value(|c| *c.first_sample.get_or_insert((now, progress.scanned)))
                .unwrap_or((now, progress.scanned));
            let seconds = (now - first.0) / 1_000.0;
            if seconds >= 1.0 {
                events.rate.set(Some(
                    progress.scanned.saturating_sub(first.1) as f64 / seconds,
                ));
            }
            events.progress.set(Some(progress));
        };
        let read_item = follow.read_item;
        let on_item = move |event: MessageEvent| {
            remember(&event);
            let item = read_item.and_then(|read| read(&event.data().as_string()?));
            let Some(item) = item else {
                return;
            };
            let schedule = cursor
                .try_update_value(|c| {
                    c.unshown.push(item);
                    // Only the newest lines are ever shown.
                    if c.unshown.len() > 2 * super::LOG_LINES {
                        c.unshown.drain(..super::LOG_LINES);
                    }
                    !std::mem::replace(&mut c.flush_scheduled, true)
                })
                .unwrap_or(false);
            if schedule {
                request_animation_frame(move || {
                    let items = cursor
                        .try_update_value(|c| {
                            c.flush_scheduled = false;
                            std::mem::take(&mut c.unshown)
                        })
                        .unwrap_or_default();
                    events.push_items(items);
                });
            }
        };
        let on_finished = move |event: MessageEvent| {
            remember(&event);
            if let Some(run) = data(&event) {
                events.finished.set(Some(run));
            }
            // Ended: closed now, or the browser would reconnect for more; dropped
            // once this handler (which the connection owns) has returned.
            connection.with_value(|open| open.as_ref().map(|open| open.source.close()));
            set_timeout(
                move || connection.set_value(None),
                std::time::Duration::ZERO,
            );
        };
        let on_error = {
            let source = source.clone();
            move |_: MessageEvent| {
                // The browser retries by itself unless the server refused it (too
                // many streams open, the session ended): then this page asks
                // again, from the last event seen, after the server's pause.
                if source.ready_state() == EventSource::CLOSED {
                    events.lost.set(true);
                    set_timeout(
                        move || {
                            connection.set_value(None);
                            attempt.update(|n| *n += 1);
                        },
                        super::RETRY_REFUSED,
                    );
                }
            }
        };
        let mut handlers = Vec::new();
        let mut handlers_of: Vec<(&str, Handler)> = vec![
            ("progress", Box::new(on_progress)),
            ("finished", Box::new(on_finished)),
            ("error", Box::new(on_error)),
        ];
        if follow.read_item.is_some() {
            handlers_of.push(("item", Box::new(on_item)));
        }
        for (name, handler) in handlers_of {
            let handler = Closure::<dyn FnMut(MessageEvent)>::wrap(handler);
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handlers.push(handler);
        }
        Some(Connection {
            source,
            _handlers: handlers,
        })
    }

    fn data<T: serde::de::DeserializeOwned>(event: &MessageEvent) -> Option<T> {
        serde_json::from_str(&event.data().as_string()?).ok()
    }
}
