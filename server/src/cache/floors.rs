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

use redis::Value;
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

/// The replication offset in a `ROLE` answer: `["master", offset, ...]` or
/// `["slave", host, port, state, offset]`; `None` for anything else (a
/// replica still connecting has none to give).
pub fn role_offset(role: &Value) -> Option<u64> {
    let Value::Array(items) = role else {
        return None;
    };
    let word = match items.first()? {
        Value::BulkString(bytes) => bytes.as_slice(),
        Value::SimpleString(text) => text.as_bytes(),
        _ => return None,
    };
    let offset = match word {
        b"master" => items.get(1)?,
        b"slave" => items.get(4)?,
        _ => return None,
    };
    match offset {
        Value::Int(n) if *n >= 0 => Some(*n as u64),
        _ => None,
    }
}

/// The floor a write's readers need: once every replica confirmed the
/// write (`WAIT`), the lowest offset the master's `ROLE` lists for its
/// replicas already includes it, and is usually well below the master's own
/// offset (which runs on with other clients' writes); otherwise the master's
/// offset. So a replica that holds the write can answer for it even when
/// the master died just after.
pub fn write_floor(role: &Value, confirmed_by_all: bool) -> Option<u64> {
    let master = role_offset(role)?;
    if !confirmed_by_all {
        return Some(master);
    }
    let Value::Array(items) = role else {
        return Some(master);
    };
    let Some(Value::Array(replicas)) = items.get(2) else {
        return Some(master);
    };
    let acked = replicas.iter().map(|replica| match replica {
        Value::Array(fields) => match fields.get(2) {
            Some(Value::BulkString(text)) => std::str::from_utf8(text).ok()?.parse::<u64>().ok(),
            Some(Value::Int(n)) if *n >= 0 => Some(*n as u64),
            _ => None,
        },
        _ => None,
    });
    // An ack that cannot be read: the master's offset, never a guess.
    let lowest = match acked.collect::<Option<Vec<u64>>>() {
        Some(acks) => acks.into_iter().min().unwrap_or(master),
        None => master,
    };
    Some(lowest.min(master))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn offsets_are_read_from_both_roles() {
        let master = Value::Array(vec![
            bulk("master"),
            Value::Int(4_242),
            Value::Array(vec![]),
        ]);
        assert_eq!(role_offset(&master), Some(4_242));
        let replica = Value::Array(vec![
            bulk("slave"),
            bulk("10.0.0.1"),
            Value::Int(6379),
            bulk("connected"),
            Value::Int(4_000),
        ]);
        assert_eq!(role_offset(&replica), Some(4_000));
        let connecting = Value::Array(vec![
            bulk("slave"),
            bulk("10.0.0.1"),
            Value::Int(6379),
            bulk("connect"),
            Value::Int(-1),
        ]);
        assert_eq!(role_offset(&connecting), None);
        assert_eq!(role_offset(&Value::Nil), None);
    }

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

    #[test]
    fn a_write_confirmed_by_all_needs_only_what_the_slowest_replica_acked() {
        let role = |second: &str| {
            Value::Array(vec![
                bulk("master"),
                Value::Int(9_000),
                Value::Array(vec![
                    Value::Array(vec![bulk("10.0.0.2"), bulk("6379"), bulk("8100")]),
                    Value::Array(vec![bulk("10.0.0.3"), bulk("6379"), bulk(second)]),
                ]),
            ])
        };
        assert_eq!(write_floor(&role("8200"), true), Some(8_100));
        assert_eq!(write_floor(&role("8200"), false), Some(9_000));
        assert_eq!(write_floor(&role("?"), true), Some(9_000));
        assert_eq!(write_floor(&Value::Nil, true), None);
    }
}
