//! Read-your-writes and monotonic reads with replica reads
//! (`READ_FROM=replica`), by replication offsets.
//!
//! Each key (product ids by stripe, searches as one) has a floor: the
//! highest master replication offset that this server's writes of it
//! reached (`ROLE` after the write's `WAIT`), or that a state it answered
//! from could include (`ROLE` after the read, in the same pipeline). A
//! replica answers a read when its own offset, read by `ROLE` in the same
//! pipeline *before* the read, is at least the key's floor (its data then
//! includes everything this server wrote or showed of that key), or when
//! it answers exactly what this server last answered for that key and no
//! write of this server came since (the same value cannot be older). So
//! reads on one server never go back in time and include its own writes,
//! and a steadily read key keeps being served by a replica although the
//! master's offset always runs ahead of it. A replica that fails both is
//! passed over for the master (no error).
//!
//! Offsets of one replication stream stay comparable through a failover
//! (the promoted replica continues the stream); a floor that the old
//! master's lost writes raised sends changed values to the new master
//! until its offsets pass it.

use std::{
    hash::{BuildHasher, RandomState},
    sync::atomic::{AtomicU64, Ordering},
};

/// Products are kept per stripe of ids (a stripe's floor is the highest of
/// its ids'; its last answer is the last of any of its ids), searches per
/// stripe of canonical forms for their last answers.
const STRIPES: usize = 1024;

/// The floors of one server.
pub struct Floors {
    products: Box<[AtomicU64]>,
    /// Hash of the last product answer per stripe (0: none since a write).
    last_products: Box<[AtomicU64]>,
    searches: AtomicU64,
    last_searches: Box<[AtomicU64]>,
    /// Bumped by every write of this server: search answers from before it
    /// no longer match (any write may change any search).
    search_epoch: AtomicU64,
    hasher: RandomState,
}

fn stripes() -> Box<[AtomicU64]> {
    (0..STRIPES).map(|_| AtomicU64::new(0)).collect()
}

impl Default for Floors {
    fn default() -> Self {
        Floors {
            products: stripes(),
            last_products: stripes(),
            searches: AtomicU64::new(0),
            last_searches: stripes(),
            search_epoch: AtomicU64::new(0),
            hasher: RandomState::new(),
        }
    }
}

impl Floors {
    fn stripe(&self, key: &str) -> usize {
        self.hasher.hash_one(key) as usize % STRIPES
    }

    /// A value's fingerprint for `key` (never 0, which means "none").
    fn fingerprint(&self, key: &str, value: &[u8], epoch: u64) -> u64 {
        self.hasher.hash_one((key, value, epoch)) | 1
    }

    /// Whether a replica at `offset` (before its read) that holds `value`
    /// for product `id` may answer.
    pub fn product_ok(&self, id: &str, offset: Option<u64>, value: &[u8]) -> bool {
        let stripe = self.stripe(id);
        offset.is_some_and(|o| o >= self.products[stripe].load(Ordering::Acquire))
            || self.last_products[stripe].load(Ordering::Acquire) == self.fingerprint(id, value, 0)
    }

    /// Product `id` was answered with `value` from a state at most `offset`.
    pub fn answered_product(&self, id: &str, offset: Option<u64>, value: &[u8]) {
        let stripe = self.stripe(id);
        if let Some(offset) = offset {
            self.products[stripe].fetch_max(offset, Ordering::AcqRel);
        }
        self.last_products[stripe].store(self.fingerprint(id, value, 0), Ordering::Release);
    }

    /// Whether a replica at `offset` that holds `value` for the search
    /// `canonical` may answer.
    pub fn search_ok(&self, canonical: &str, offset: Option<u64>, value: &[u8]) -> bool {
        let epoch = self.search_epoch.load(Ordering::Acquire);
        offset.is_some_and(|o| o >= self.searches.load(Ordering::Acquire))
            || self.last_searches[self.stripe(canonical)].load(Ordering::Acquire)
                == self.fingerprint(canonical, value, epoch)
    }

    /// The search `canonical` was answered with `value` from a state at
    /// most `offset`.
    pub fn answered_search(&self, canonical: &str, offset: Option<u64>, value: &[u8]) {
        if let Some(offset) = offset {
            self.searches.fetch_max(offset, Ordering::AcqRel);
        }
        let epoch = self.search_epoch.load(Ordering::Acquire);
        self.last_searches[self.stripe(canonical)]
            .store(self.fingerprint(canonical, value, epoch), Ordering::Release);
    }

    /// This server wrote product `id`; the master's offset was `offset`
    /// once the write was done. No earlier answer of it, or of any search,
    /// counts as current any more.
    pub fn wrote(&self, id: &str, offset: u64) {
        let stripe = self.stripe(id);
        self.last_products[stripe].store(0, Ordering::Release);
        self.products[stripe].fetch_max(offset, Ordering::AcqRel);
        self.search_epoch.fetch_add(1, Ordering::AcqRel);
        self.searches.fetch_max(offset, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_answers_when_current_enough_or_unchanged_and_never_after_a_write() {
        let floors = Floors::default();
        floors.answered_product("prod1", Some(100), b"v1");
        floors.answered_search("q=x", Some(10), b"page");
        assert!(floors.search_ok("q=x", Some(0), b"page"));
        // Behind, but holding what was answered: the same value is not older.
        assert!(floors.product_ok("prod1", Some(50), b"v1"));
        // Behind with another value: it may be older.
        assert!(!floors.product_ok("prod1", Some(50), b"v0"));
        assert!(floors.product_ok("prod1", Some(100), b"v0"));
        // After this server's write, only an offset past it will do.
        floors.wrote("prod1", 300);
        assert!(!floors.product_ok("prod1", Some(200), b"v1"));
        assert!(floors.product_ok("prod1", Some(300), b"v2"));
        assert!(
            !floors.search_ok("q=x", Some(200), b"page"),
            "a write moved every search's floor"
        );
        assert!(floors.search_ok("q=x", Some(300), b"page"));
        floors.answered_search("q=x", Some(400), b"page2");
        assert!(floors.search_ok("q=x", Some(0), b"page2"));
    }
}
