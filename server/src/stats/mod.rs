//! Lookup statistics shared by every server instance. Requests only touch
//! in-process counters; a flusher adds them to Redis once a second in one
//! pipeline (never one extra Redis write per request). Reads merge what Redis
//! holds with what is not flushed yet.

pub mod histogram;
mod tally;
mod telemetry;

pub use telemetry::Telemetry;

use crate::topology::{Node, StoreError};
use app::types::{HistoryEntry, LatencyBySource, Source, Stats, StoreKind};
use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

/// Most history entries kept (in Redis and in the pending queue).
pub const HISTORY_LEN: usize = 50;
/// How often pending counts reach Redis.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

const COUNTERS: &str = "stats:counters";
const LATENCY_NEAR: &str = "stats:latency:near";
const LATENCY_CACHE: &str = "stats:latency:cache";
const LATENCY_DATABASE: &str = "stats:latency:database";
const HISTORY: &str = "stats:history";

/// A latency histogram as Redis holds it: bucket → count.
type Buckets = HashMap<u32, u64>;

/// What is counted but not yet in Redis.
#[derive(Debug, Default, Clone)]
struct Pending {
    hits: u64,
    misses: u64,
    fill_failures: u64,
    throttled: u64,
    limiter_bypassed: u64,
    cache_latency: BTreeMap<u32, u64>,
    database_latency: BTreeMap<u32, u64>,
    /// Newest last.
    history: VecDeque<HistoryEntry>,
}

impl Pending {
    /// Adds a lookup to the history, forgetting the oldest beyond
    /// [`HISTORY_LEN`].
    fn remember(&mut self, entry: HistoryEntry) {
        self.history.push_back(entry);
        if self.history.len() > HISTORY_LEN {
            self.history.pop_front();
        }
    }

    fn merge_older(&mut self, older: Pending) {
        self.hits += older.hits;
        self.misses += older.misses;
        self.fill_failures += older.fill_failures;
        self.throttled += older.throttled;
        self.limiter_bypassed += older.limiter_bypassed;
        for (b, c) in older.cache_latency {
            *self.cache_latency.entry(b).or_insert(0) += c;
        }
        for (b, c) in older.database_latency {
            *self.database_latency.entry(b).or_insert(0) += c;
        }
        let mut history = older.history;
        history.extend(self.history.drain(..));
        while history.len() > HISTORY_LEN {
            history.pop_front();
        }
        self.history = history;
    }
}

/// Records lookups in process and shares them through Redis.
pub struct Recorder {
    master: Node,
    store: StoreKind,
    pending: Mutex<Pending>,
    /// Near-cache hits, counted without a lock.
    near: tally::Tally,
    /// The same events as process-lifetime Prometheus series (`/metrics`).
    pub telemetry: Telemetry,
}

impl Recorder {
    /// Counts into `master`'s `stats:*` keys; `store` is the system of
    /// record the database reads go to (named in every [`Stats`]).
    pub fn new(master: Node, store: StoreKind) -> Self {
        Recorder {
            master,
            store,
            pending: Mutex::new(Pending::default()),
            near: tally::Tally::default(),
            telemetry: Default::default(),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a cache write that failed after a good database read (the
    /// lookup was answered from the database anyway).
    pub fn record_fill_failure(&self) {
        self.telemetry.fill_failed();
        self.pending().fill_failures += 1;
    }

    /// Counts a request refused by the rate limiter.
    pub fn record_throttled(&self) {
        self.telemetry.throttled();
        self.pending().throttled += 1;
    }

    /// Counts a request let through because the rate limiter could not ask
    /// Redis.
    pub fn record_limiter_bypass(&self) {
        self.telemetry.limiter_bypassed();
        self.pending().limiter_bypassed += 1;
    }

    /// Counts one near-cache hit without waiting on any lock; its history
    /// entry (built by `entry` only if used) is kept when the history is
    /// free at that instant, and skipped under contention (the history shows
    /// the last few lookups; at thousands per second, skipping one changes
    /// nothing a person can see).
    /// Returns whether the entry was built and kept.
    pub fn record_near(&self, elapsed_us: u64, entry: impl FnOnce() -> HistoryEntry) -> bool {
        self.near.record(elapsed_us);
        match self.pending.try_lock() {
            Ok(mut pending) => {
                pending.remember(entry());
                true
            }
            Err(_) => false,
        }
    }

    /// Counts one lookup (in memory only).
    pub fn record(&self, source: Source, elapsed_us: u64, history: Option<HistoryEntry>) {
        let mut pending = self.pending();
        let latency = match source {
            Source::Near => None,
            Source::Cache => {
                pending.hits += 1;
                Some(&mut pending.cache_latency)
            }
            Source::Database => {
                pending.misses += 1;
                Some(&mut pending.database_latency)
            }
        };
        match latency {
            Some(latency) => *latency.entry(histogram::bucket(elapsed_us)).or_insert(0) += 1,
            None => self.near.record(elapsed_us),
        }
        if let Some(entry) = history {
            pending.remember(entry);
        }
    }

    /// Adds the pending counts to Redis in one pipeline. On failure they are
    /// kept for the next flush, so a Redis outage loses nothing.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let batch = std::mem::take(&mut *self.pending());
        let near = self.near.take();
        if near.hits == 0
            && batch.hits == 0
            && batch.misses == 0
            && batch.fill_failures == 0
            && batch.throttled == 0
            && batch.limiter_bypassed == 0
            && batch.history.is_empty()
        {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.cmd("HINCRBY")
            .arg(COUNTERS)
            .arg("hits")
            .arg(batch.hits + near.hits)
            .ignore();
        pipe.cmd("HINCRBY")
            .arg(COUNTERS)
            .arg("misses")
            .arg(batch.misses)
            .ignore();
        for (field, count) in [
            ("near_hits", near.hits),
            ("fill_failures", batch.fill_failures),
            ("throttled", batch.throttled),
            ("limiter_bypassed", batch.limiter_bypassed),
        ] {
            if count > 0 {
                pipe.cmd("HINCRBY")
                    .arg(COUNTERS)
                    .arg(field)
                    .arg(count)
                    .ignore();
            }
        }
        for (key, counts) in [
            (LATENCY_NEAR, &near.latency),
            (LATENCY_CACHE, &batch.cache_latency),
            (LATENCY_DATABASE, &batch.database_latency),
        ] {
            for (bucket, count) in counts {
                pipe.cmd("HINCRBY").arg(key).arg(bucket).arg(count).ignore();
            }
        }
        if !batch.history.is_empty() {
            let mut push = redis::cmd("LPUSH");
            push.arg(HISTORY);
            for entry in &batch.history {
                push.arg(serde_json::to_string(entry).unwrap_or_default());
            }
            pipe.add_command(push).ignore();
            pipe.cmd("LTRIM")
                .arg(HISTORY)
                .arg(0)
                .arg(HISTORY_LEN - 1)
                .ignore();
        }
        match self.master.pipe::<()>(&pipe).await {
            Ok(()) => Ok(()),
            Err(error) => {
                self.pending().merge_older(batch);
                self.near.restore(&near);
                Err(error)
            }
        }
    }

    /// Flushes every [`FLUSH_EVERY`], forever (spawn it).
    pub async fn flush_forever(self: std::sync::Arc<Self>) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = self.flush().await {
                tracing::debug!(%error, "stats not flushed; kept for the next tick");
            }
        }
    }

    /// Every instance's counts (from Redis) plus this one's unflushed ones.
    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("HGETALL").arg(COUNTERS);
        pipe.cmd("HGETALL").arg(LATENCY_NEAR);
        pipe.cmd("HGETALL").arg(LATENCY_CACHE);
        pipe.cmd("HGETALL").arg(LATENCY_DATABASE);
        let (counters, near_latency, cache, database): (
            HashMap<String, u64>,
            Buckets,
            Buckets,
            Buckets,
        ) = self.master.pipe(&pipe).await?;
        let pending = self.pending().clone();
        let near = self.near.peek();
        let hits = counters.get("hits").copied().unwrap_or(0) + pending.hits + near.hits;
        let near_hits = counters.get("near_hits").copied().unwrap_or(0) + near.hits;
        let misses = counters.get("misses").copied().unwrap_or(0) + pending.misses;
        let merge = |shared: HashMap<u32, u64>, local: &BTreeMap<u32, u64>| {
            let mut all: BTreeMap<u32, u64> = shared.into_iter().collect();
            for (b, c) in local {
                *all.entry(*b).or_insert(0) += c;
            }
            histogram::summarize(&all)
        };
        let lookups = hits + misses;
        Ok(Stats {
            store: Some(self.store),
            hits,
            near_hits,
            misses,
            hit_ratio: if lookups == 0 {
                0.0
            } else {
                hits as f64 / lookups as f64
            },
            lookups,
            fill_failures: counters.get("fill_failures").copied().unwrap_or(0)
                + pending.fill_failures,
            throttled: counters.get("throttled").copied().unwrap_or(0) + pending.throttled,
            limiter_bypassed: counters.get("limiter_bypassed").copied().unwrap_or(0)
                + pending.limiter_bypassed,
            latency_us: LatencyBySource {
                near: merge(near_latency, &near.latency),
                cache: merge(cache, &pending.cache_latency),
                database: merge(database, &pending.database_latency),
            },
        })
    }

    /// The most recent lookups, newest first: unflushed ones, then Redis'.
    pub async fn history(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        let stored: Vec<String> = self
            .master
            .query(
                redis::cmd("LRANGE")
                    .arg(HISTORY)
                    .arg(0)
                    .arg(HISTORY_LEN - 1),
            )
            .await?;
        let mut entries: Vec<HistoryEntry> = self.pending().history.iter().rev().cloned().collect();
        entries.extend(
            stored
                .iter()
                .filter_map(|json| serde_json::from_str(json).ok()),
        );
        // Newest first by finishing time: this server's pending entries,
        // other servers' flushed ones and the stored list interleave.
        entries.sort_by_key(|e| std::cmp::Reverse(e.at_us));
        entries.truncate(HISTORY_LEN);
        Ok(entries)
    }

    /// Forgets every count and the history, here and in Redis.
    pub async fn reset(&self) -> Result<(), StoreError> {
        *self.pending() = Pending::default();
        self.near.clear();
        let _: () = self
            .master
            .query(
                redis::cmd("DEL")
                    .arg(COUNTERS)
                    .arg(LATENCY_NEAR)
                    .arg(LATENCY_CACHE)
                    .arg(LATENCY_DATABASE)
                    .arg(HISTORY),
            )
            .await?;
        Ok(())
    }
}
