//! The broadcast hub: the latest metrics tick, and two channels, each message
//! serialized once into a cheaply cloned frame: the viewers' feed (every
//! tick in full, and the lookup batches) and the public feed (each tick's
//! aggregate figures only, [`MetricsTick::public_view`]; no lookups). The
//! channels are
//! bounded: a slow client skips to newer messages instead of growing memory
//! or slowing the others.

use app::types::{HistoryEntry, MetricsTick, Role, ServerMessage, TickPoint, RECENT_TICKS};
use axum::extract::ws::Utf8Bytes;
use std::{
    collections::HashMap,
    collections::VecDeque,
    net::IpAddr,
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};
use tokio::sync::{broadcast, Semaphore};

/// Messages buffered per client before it starts skipping.
const CHANNEL_CAPACITY: usize = 64;
/// Lookups per batch; the rest are counted as dropped.
pub const LOOKUP_SAMPLE: usize = 20;
/// Most WebSocket clients at once.
pub const MAX_CLIENTS: usize = 2_000;
/// Most WebSocket clients from one address at once by default, so one
/// client cannot take every slot (`WS_MAX_PER_IP`).
pub const MAX_CLIENTS_PER_IP: usize = 20;

/// Shared by the collector, the lookup path and the WebSocket handlers.
pub struct Hub {
    latest: RwLock<Option<Arc<MetricsTick>>>,
    /// The time lines' points of the last [`RECENT_TICKS`] ticks.
    recent: Mutex<VecDeque<TickPoint>>,
    /// Viewers' feed: everything.
    sender: broadcast::Sender<Utf8Bytes>,
    /// Public feed: aggregate ticks.
    public: broadcast::Sender<Utf8Bytes>,
    pending: Mutex<(Vec<HistoryEntry>, u64)>,
    /// Permits for WebSocket clients.
    pub clients: Arc<Semaphore>,
    /// Open WebSocket clients by address.
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
    /// Most clients per address.
    max_per_ip: usize,
}

/// One address's WebSocket slot, given back when dropped.
pub struct IpSlot {
    ip: IpAddr,
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut per_ip = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = per_ip.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new(MAX_CLIENTS_PER_IP)
    }
}

impl Hub {
    /// A hub letting each address hold `max_per_ip` WebSocket clients.
    pub fn new(max_per_ip: usize) -> Self {
        Hub {
            latest: RwLock::new(None),
            recent: Mutex::new(VecDeque::with_capacity(RECENT_TICKS)),
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            public: broadcast::channel(CHANNEL_CAPACITY).0,
            pending: Mutex::new((Vec::new(), 0)),
            clients: Arc::new(Semaphore::new(MAX_CLIENTS)),
            per_ip: Arc::default(),
            max_per_ip,
        }
    }

    /// Most WebSocket clients per address.
    pub fn max_per_ip(&self) -> usize {
        self.max_per_ip
    }

    /// A WebSocket slot for `ip`, unless it already holds the most allowed.
    pub fn ip_slot(&self, ip: IpAddr) -> Option<IpSlot> {
        let mut per_ip = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let count = per_ip.entry(ip).or_insert(0);
        if *count >= self.max_per_ip {
            return None;
        }
        *count += 1;
        Some(IpSlot {
            ip,
            per_ip: self.per_ip.clone(),
        })
    }

    /// A receiver of the feed for `role` from now on (viewers and admins:
    /// everything; public: aggregate ticks).
    pub fn subscribe(&self, role: Role) -> broadcast::Receiver<Utf8Bytes> {
        if role >= Role::Viewer {
            self.sender.subscribe()
        } else {
            self.public.subscribe()
        }
    }

    /// The time lines so far, oldest first.
    pub fn recent(&self) -> Vec<TickPoint> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.iter().copied().collect()
    }

    /// The latest tick, if the collector has run.
    pub fn latest(&self) -> Option<Arc<MetricsTick>> {
        self.latest.read().map(|l| l.clone()).unwrap_or(None)
    }

    /// Stores and broadcasts a tick.
    pub fn publish_metrics(&self, tick: MetricsTick) {
        let tick = Arc::new(tick);
        if let Ok(mut latest) = self.latest.write() {
            *latest = Some(tick.clone());
        }
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.len() == RECENT_TICKS {
                recent.pop_front();
            }
            recent.push_back(TickPoint::of(&tick));
        }
        if self.public.receiver_count() > 0 {
            send(&self.public, &ServerMessage::Metrics(tick.public_view()));
        }
        self.broadcast(&ServerMessage::Metrics((*tick).clone()));
    }

    /// Notes a lookup for the next batch (cheap; called on every lookup: it
    /// copies the entry only when someone listens and the sample has room).
    pub fn lookup(&self, entry: &HistoryEntry) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.0.len() < LOOKUP_SAMPLE {
            pending.0.push(entry.clone());
        } else {
            pending.1 += 1;
        }
    }

    /// Counts a lookup that is not shown (a near hit whose entry was not
    /// built under contention): every lookup is either sent or counted.
    pub fn skipped(&self) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).1 += 1;
    }

    /// Sends the lookups gathered since the last batch, if any.
    pub fn flush_lookups(&self) {
        let (mut items, dropped) =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if !items.is_empty() || dropped > 0 {
            // In the order they finished (tasks record their lookups a few
            // µs after stamping them, not always in that order).
            items.sort_by_key(|e| e.at_us);
            self.broadcast(&ServerMessage::Lookup { items, dropped });
        }
    }

    fn broadcast(&self, message: &ServerMessage) {
        send(&self.sender, message);
    }
}

fn send(channel: &broadcast::Sender<Utf8Bytes>, message: &ServerMessage) {
    if let Ok(text) = serde_json::to_string(message) {
        // No receiver is not an error: nobody is watching.
        let _ = channel.send(Utf8Bytes::from(text));
    }
}

/// How often lookup batches go out.
pub const LOOKUP_BATCH_EVERY: Duration = Duration::from_millis(250);

/// Sends lookup batches forever (spawn it).
pub async fn batch_lookups(hub: Arc<Hub>) {
    let mut tick = tokio::time::interval(LOOKUP_BATCH_EVERY);
    loop {
        tick.tick().await;
        hub.flush_lookups();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::types::Source;

    fn entry(n: u64) -> HistoryEntry {
        HistoryEntry {
            query: app::types::LookupQuery::Product(
                app::types::ProductId::parse(&format!("prod{n}")).expect("valid id"),
            ),
            source: Source::Cache,
            elapsed_us: n,
            at: n,
            at_us: n * 1000,
        }
    }

    #[tokio::test]
    async fn lookups_are_sampled_into_bounded_batches() {
        let hub = Hub::default();
        let mut public = hub.subscribe(Role::Public);
        let mut rx = hub.subscribe(Role::Viewer);
        for n in 0..1_000 {
            hub.lookup(&entry(n));
        }
        hub.flush_lookups();
        let text = rx.recv().await.expect("a batch");
        let message: ServerMessage = serde_json::from_str(text.as_str()).expect("json");
        match message {
            ServerMessage::Lookup { items, dropped } => {
                assert_eq!(items.len(), LOOKUP_SAMPLE);
                assert_eq!(dropped, 1_000 - LOOKUP_SAMPLE as u64);
            }
            other => panic!("unexpected {other:?}"),
        }
        hub.flush_lookups();
        assert!(rx.try_recv().is_err(), "no empty batches");
        assert!(public.try_recv().is_err(), "no lookups on the public feed");
    }

    #[tokio::test]
    async fn the_public_feed_carries_aggregate_ticks_only() {
        let hub = Hub::default();
        let mut public = hub.subscribe(Role::Public);
        let mut full = hub.subscribe(Role::Viewer);
        let tick = MetricsTick {
            at: 7,
            reads_from: "127.0.0.1:6380".into(),
            nodes: vec![app::types::NodeMetrics::default()],
            ..MetricsTick::default()
        };
        hub.publish_metrics(tick.clone());
        let public_text = public.recv().await.expect("a public tick");
        assert!(!public_text.as_str().contains("127.0.0.1"), "{public_text}");
        match ServerMessage::from_json(public_text.as_str()) {
            Some(ServerMessage::Metrics(seen)) => assert_eq!(seen, tick.public_view()),
            other => panic!("unexpected {other:?}"),
        }
        let full_text = full.recv().await.expect("a full tick");
        assert!(full_text.as_str().contains("127.0.0.1:6380"));
    }
}
