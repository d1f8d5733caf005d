//! The browser side of the live feed (`/ws`): one WebSocket per page that
//! needs it, decoded into signals, reconnecting by itself with exponential
//! backoff (0.5 s doubling to 10 s) and saying so while it does.

use crate::types::{HistoryEntry, MetricsTick, Role, ServerMessage, TickPoint, RECENT_TICKS};
use leptos::prelude::*;
use std::collections::VecDeque;

/// Ticks kept for the time lines (3 minutes at the default 1 s tick).
pub const TICKS_KEPT: usize = RECENT_TICKS;
/// Whole ticks kept (the newest is what the tiles show).
const FULL_TICKS_KEPT: usize = 2;
/// Lookups kept for the live list.
pub const LOOKUPS_KEPT: usize = 30;

/// Connection state, for the page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    /// Before the first connection (and always on the server).
    Connecting,
    /// Messages are flowing.
    Live,
    /// The connection dropped; the next attempt is in `in_ms`.
    Reconnecting {
        /// Attempt number, from 1.
        attempt: u32,
        /// Delay before it.
        in_ms: u32,
    },
}

/// The live data a page reads.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    /// Connection state.
    pub status: RwSignal<FeedStatus>,
    /// The newest ticks, oldest first (whole: tiles, nodes, Sentinels).
    pub ticks: RwSignal<VecDeque<MetricsTick>>,
    /// The time lines' points, oldest first: the server's recent history
    /// from the snapshot, then one per tick.
    pub points: RwSignal<VecDeque<TickPoint>>,
    /// Recent lookups, newest first.
    pub lookups: RwSignal<VecDeque<HistoryEntry>>,
    /// Lookups left out of batches under load, since the page opened.
    pub dropped: RwSignal<u64>,
    /// The role the feed is for (a public feed has no node details and no
    /// lookups), from its snapshot.
    pub role: RwSignal<Role>,
}

impl LiveFeed {
    /// The newest tick.
    pub fn latest(&self) -> Option<MetricsTick> {
        self.ticks.with(|t| t.back().cloned())
    }

    /// Applies one server message.
    pub fn apply(&self, message: ServerMessage) {
        match message {
            ServerMessage::Snapshot {
                metrics,
                history,
                recent,
                role,
            } => {
                self.role.set(role);
                // A reconnect starts the time lines from the server's view.
                self.points.set(recent.into_iter().collect());
                if let Some(tick) = metrics {
                    let point = TickPoint::of(&tick);
                    if self.points.with(|p| p.back().map(|b| b.at)) != Some(point.at) {
                        self.points.update(|p| p.push_back(point));
                    }
                    self.ticks.update(|ticks| {
                        ticks.clear();
                        ticks.push_back(tick);
                    });
                }
                self.lookups
                    .set(history.into_iter().take(LOOKUPS_KEPT).collect());
            }
            ServerMessage::Metrics(tick) => self.push_tick(tick),
            ServerMessage::Lookup { items, dropped } => {
                self.dropped.update(|d| *d += dropped);
                self.lookups.update(|list| {
                    for item in items {
                        list.push_front(item);
                    }
                    list.truncate(LOOKUPS_KEPT);
                });
            }
        }
    }

    fn push_tick(&self, tick: MetricsTick) {
        let point = TickPoint::of(&tick);
        self.points.update(|points| {
            points.push_back(point);
            while points.len() > TICKS_KEPT {
                points.pop_front();
            }
        });
        self.ticks.update(|ticks| {
            ticks.push_back(tick);
            while ticks.len() > FULL_TICKS_KEPT {
                ticks.pop_front();
            }
        });
    }
}

/// Opens the feed for the current page; it closes when the page goes away.
pub fn use_live_feed() -> LiveFeed {
    let feed = LiveFeed {
        status: RwSignal::new(FeedStatus::Connecting),
        ticks: RwSignal::new(VecDeque::new()),
        lookups: RwSignal::new(VecDeque::new()),
        points: RwSignal::new(VecDeque::new()),
        dropped: RwSignal::new(0),
        role: RwSignal::new(Role::default()),
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::start(feed));
    feed
}

/// Backoff before attempt `attempt` (1-based): 0.5 s, 1 s, 2 s … 10 s.
pub fn backoff_ms(attempt: u32) -> u32 {
    (500u32.saturating_mul(1 << attempt.saturating_sub(1).min(5))).min(10_000)
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{backoff_ms, FeedStatus, LiveFeed};
    use crate::types::ServerMessage;
    use leptos::prelude::*;
    use std::{
        cell::{Cell, RefCell},
        rc::Rc,
    };
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{MessageEvent, WebSocket};

    /// One socket and the handlers the browser calls on it. Dropping it
    /// detaches the handlers first, then closes the socket, so neither a late
    /// event reaches a freed handler nor a reconnect leaks the old ones.
    struct Connection {
        ws: WebSocket,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_close: Closure<dyn FnMut()>,
    }

    impl Drop for Connection {
        fn drop(&mut self) {
            self.ws.set_onmessage(None);
            self.ws.set_onclose(None);
            let _ = self.ws.close();
        }
    }

    /// The live connection, replaced on every reconnect.
    type Current = Rc<RefCell<Option<Connection>>>;

    /// Connects, and reconnects until the page is left.
    pub fn start(feed: LiveFeed) {
        let closed = Rc::new(Cell::new(false));
        let current: Current = Rc::new(RefCell::new(None));
        connect(feed, 0, closed.clone(), current.clone());
        let closed = send_wrapper::SendWrapper::new((closed, current));
        on_cleanup(move || {
            let (closed, current) = &*closed;
            closed.set(true);
            current.borrow_mut().take();
        });
    }

    fn url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws", location.host().ok()?))
    }

    fn connect(feed: LiveFeed, failures: u32, closed: Rc<Cell<bool>>, current: Current) {
        if closed.get() {
            return;
        }
        let Some(Ok(ws)) = url().map(|u| WebSocket::new(&u)) else {
            return retry(feed, failures + 1, closed, current);
        };
        let healthy = Rc::new(Cell::new(false));

        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let healthy = healthy.clone();
            move |event: MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    if let Some(message) = ServerMessage::from_json(&text) {
                        healthy.set(true);
                        feed.status.set(FeedStatus::Live);
                        feed.apply(message);
                    }
                }
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

        let on_close = Closure::<dyn FnMut()>::new({
            let (closed, current) = (closed.clone(), current.clone());
            move || {
                // A connection that delivered data starts the backoff afresh.
                let failures = if healthy.get() { 0 } else { failures };
                retry(feed, failures + 1, closed.clone(), current.clone());
            }
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // Drops the previous (closed) connection and its handlers.
        *current.borrow_mut() = Some(Connection {
            ws,
            _on_message: on_message,
            _on_close: on_close,
        });
    }

    fn retry(feed: LiveFeed, attempt: u32, closed: Rc<Cell<bool>>, current: Current) {
        if closed.get() {
            return;
        }
        let in_ms = backoff_ms(attempt);
        feed.status.set(FeedStatus::Reconnecting { attempt, in_ms });
        let again = send_wrapper::SendWrapper::new(move || {
            connect(feed, attempt, closed.clone(), current.clone())
        });
        set_timeout(
            move || (again.take())(),
            std::time::Duration::from_millis(in_ms as u64),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_seconds() {
        assert_eq!(backoff_ms(1), 500);
        assert_eq!(backoff_ms(2), 1_000);
        assert_eq!(backoff_ms(3), 2_000);
        assert_eq!(backoff_ms(5), 8_000);
        assert_eq!(backoff_ms(6), 10_000);
        assert_eq!(backoff_ms(40), 10_000);
    }
}
