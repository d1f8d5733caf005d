//! Lock-free counts for the near-cache hit path: one atomic add for the
//! count and one for the latency bucket, so the hottest path never waits on
//! a lock another core holds. The flusher takes them (swapping each to 0)
//! and adds them to Redis with the rest.

use super::histogram;
use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicU64, Ordering},
};

/// Buckets kept: [`histogram::bucket`] of 2^64 µs is below this.
const BUCKETS: usize = 512;

/// Near-cache hits and their latency histogram, not yet in Redis.
pub struct Tally {
    hits: AtomicU64,
    buckets: Box<[AtomicU64]>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            hits: AtomicU64::new(0),
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// What [`Tally::take`] removed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Taken {
    /// Hits counted.
    pub hits: u64,
    /// Latency bucket → count.
    pub latency: BTreeMap<u32, u64>,
}

impl Tally {
    /// Counts one hit that took `elapsed_us`.
    pub fn record(&self, elapsed_us: u64) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        let bucket = (histogram::bucket(elapsed_us) as usize).min(BUCKETS - 1);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// Removes what was counted (for a flush).
    pub fn take(&self) -> Taken {
        self.read(|cell| cell.swap(0, Ordering::Relaxed))
    }

    /// What is counted now, left in place.
    pub fn peek(&self) -> Taken {
        self.read(|cell| cell.load(Ordering::Relaxed))
    }

    /// Adds back what a failed flush took.
    pub fn restore(&self, taken: &Taken) {
        self.hits.fetch_add(taken.hits, Ordering::Relaxed);
        for (bucket, count) in &taken.latency {
            if let Some(cell) = self.buckets.get(*bucket as usize) {
                cell.fetch_add(*count, Ordering::Relaxed);
            }
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.take();
    }

    fn read(&self, each: impl Fn(&AtomicU64) -> u64) -> Taken {
        let hits = each(&self.hits);
        let latency = self
            .buckets
            .iter()
            .enumerate()
            .filter_map(|(bucket, cell)| {
                let count = each(cell);
                (count > 0).then_some((bucket as u32, count))
            })
            .collect();
        Taken { hits, latency }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_and_restore() {
        let tally = Tally::default();
        for us in [3, 3, 40, 1_000_000] {
            tally.record(us);
        }
        let peeked = tally.peek();
        assert_eq!(peeked.hits, 4);
        assert_eq!(peeked.latency[&histogram::bucket(3)], 2);
        let taken = tally.take();
        assert_eq!(taken, peeked);
        assert_eq!(tally.peek(), Taken::default());
        tally.restore(&taken);
        assert_eq!(tally.peek(), taken);
    }
}
