//! The near cache: a second, in-process tier in front of the Redis cache, so
//! a hot product or search is answered without a network round trip.
//!
//! Coherence comes from Redis itself (server-assisted client-side caching,
//! see [`tracking`]): a connection in `CLIENT TRACKING ON BCAST` mode hears of
//! every change to a `cache:product:` or `cache:search:` key (the search
//! generation included), and evicts the entry here. While that connection is not known
//! to be alive the near cache serves nothing and keeps nothing.
//!
//! An entry is only ever made from a Redis read of the *master* (the node
//! the tracking connection listens to), and only if no invalidation of its
//! key (nor a flush) was heard between the moment the read was sent and the
//! moment the entry is stored: a read that raced a write can never leave the
//! old value behind. That is what [`Ticket`] checks.
//!
//! Bounds: an entry count (`NEAR_CACHE_ENTRIES`), a byte budget
//! (`NEAR_CACHE_BYTES`), and the Redis entry's own expiry (an entry never
//! outlives the Redis key it copies).

pub mod tracking;

use super::ProductJson;
use app::types::{NearHealth, ProductPage};
use moka::{policy::Expiry, sync::Cache as Moka};
use std::{
    hash::{BuildHasher, RandomState},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

/// Fences: invalidations bump the stripe of their key. More stripes make an
/// unrelated invalidation less likely to refuse a fill (a refused fill only
/// costs the next request a Redis read).
const STRIPES: usize = 1024;

/// Bytes counted for an entry besides its JSON: the key, the moka node, the
/// answer's fixed parts.
const ENTRY_OVERHEAD: usize = 160;

/// What the near tier holds for one key: the answer's value, prepared once
/// and shared by every hit, with the expiry of the Redis entry it copies.
#[derive(Debug)]
pub struct Near<V> {
    /// A product's JSON (`None`: a negative entry), or a search's page.
    pub value: V,
    /// When the Redis entry this copies expires.
    pub expires_at: Instant,
    /// The JSON size of the value (its weight).
    bytes: usize,
}

impl<V> Near<V> {
    /// Remaining lifetime at `now`, in milliseconds (0 once expired).
    pub fn ttl_ms(&self, now: Instant) -> u64 {
        self.expires_at.saturating_duration_since(now).as_millis() as u64
    }
}

/// A product held near: its JSON, or `None` for an absent id.
pub type NearProduct = Near<Option<ProductJson>>;
/// A search held near: its page of results.
pub type NearSearch = Near<Arc<ProductPage>>;

/// Entries expire with the Redis key they copy.
struct UntilRedisExpiry;

impl<V> Expiry<String, Arc<Near<V>>> for UntilRedisExpiry {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<Near<V>>,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(value.expires_at.saturating_duration_since(created_at))
    }
}

/// How big the near cache may grow: products and searches are each held
/// within these bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NearLimits {
    /// Most entries (0: the near tier is off).
    pub entries: u64,
    /// Most bytes of answers (JSON plus a fixed overhead per entry).
    pub bytes: u64,
}

/// A promise taken before a Redis read: the read's answer may be stored in
/// the near cache only if nothing invalidated its key since (neither a flush,
/// which moves the epoch, nor a change counted by the key's fence).
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    epoch: u64,
    fence_index: usize,
    fence: u64,
}

/// The fence of every search (after the products' stripes): a generation
/// bump or a changed search entry moves it.
const SEARCH_FENCE: usize = STRIPES;

/// Counters of the near tier (process lifetime), for `/api/stats` and
/// `/metrics`.
#[derive(Debug, Default)]
struct Counters {
    invalidations: AtomicU64,
    flushes: AtomicU64,
    refused_fills: AtomicU64,
}

/// The in-process tier. Shared by every request; every method takes `&self`.
pub struct NearCache {
    limits: NearLimits,
    products: Moka<String, Arc<NearProduct>>,
    /// Searches by canonical form, valid for the search generation they
    /// were read under: every bump of the generation flushes them.
    searches: Moka<String, Arc<NearSearch>>,
    /// Bumped by every flush and every change of the tracking connection.
    epoch: AtomicU64,
    /// Whether the tracking connection is alive: the tier serves and fills
    /// only then.
    live: AtomicBool,
    /// `host:port` of the node the tracking connection listens to: only its
    /// answers may fill the tier.
    tracked: RwLock<Option<Arc<str>>>,
    /// One counter per stripe of product ids, then [`SEARCH_FENCE`].
    fences: Box<[AtomicU64]>,
    hasher: RandomState,
    counters: Counters,
}

impl NearCache {
    /// An empty near cache bounded by `limits`; it serves nothing until the
    /// tracking connection says it is live ([`NearCache::go_live`]).
    pub fn new(limits: NearLimits) -> Self {
        let entries = limits.entries.max(1);
        let bytes = limits.bytes.max(1);
        // Every entry weighs at least bytes / entries, so the byte budget
        // also caps the entry count.
        let floor = (bytes / entries).clamp(1, u64::from(u32::MAX));
        let weight = move |bytes: usize| {
            ((bytes + ENTRY_OVERHEAD) as u64)
                .max(floor)
                .min(u64::from(u32::MAX)) as u32
        };
        let products = Moka::builder()
            .max_capacity(bytes)
            .weigher(move |_key: &String, value: &Arc<NearProduct>| weight(value.bytes))
            .expire_after(UntilRedisExpiry)
            .build();
        let searches = Moka::builder()
            .max_capacity(bytes)
            .weigher(move |key: &String, value: &Arc<NearSearch>| weight(key.len() + value.bytes))
            .expire_after(UntilRedisExpiry)
            .build();
        NearCache {
            limits,
            products,
            searches,
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(false),
            tracked: RwLock::new(None),
            fences: (0..=SEARCH_FENCE).map(|_| AtomicU64::new(0)).collect(),
            hasher: RandomState::new(),
            counters: Counters::default(),
        }
    }

    /// Whether the tier is configured on (`NEAR_CACHE_ENTRIES` > 0).
    pub fn enabled(&self) -> bool {
        self.limits.entries > 0
    }

    /// Whether the tier serves right now (on, and its tracking connection
    /// alive).
    pub fn live(&self) -> bool {
        self.enabled() && self.live.load(Ordering::SeqCst)
    }

    fn stripe(&self, id: &str) -> usize {
        (self.hasher.hash_one(id) as usize) % STRIPES
    }

    /// The product's entry, if the tier serves and holds one that has not
    /// expired at `now`.
    pub fn product(&self, id: &str, now: Instant) -> Option<Arc<NearProduct>> {
        self.fresh(&self.products, id, now)
    }

    /// The search's entry, if the tier serves and holds one that has not
    /// expired at `now`.
    pub fn search(&self, canonical: &str, now: Instant) -> Option<Arc<NearSearch>> {
        self.fresh(&self.searches, canonical, now)
    }

    fn fresh<V: Send + Sync + 'static>(
        &self,
        cache: &Moka<String, Arc<Near<V>>>,
        key: &str,
        now: Instant,
    ) -> Option<Arc<Near<V>>> {
        if !self.live() {
            return None;
        }
        cache.get(key).filter(|entry| entry.expires_at > now)
    }

    /// Taken before the Redis read whose answer may fill the tier with a
    /// product (`None`: the tier does not serve now, so nothing will be
    /// stored).
    pub fn ticket(&self, id: &str) -> Option<Ticket> {
        self.ticket_on(self.stripe(id))
    }

    /// Like [`NearCache::ticket`], for a search.
    pub fn search_ticket(&self) -> Option<Ticket> {
        self.ticket_on(SEARCH_FENCE)
    }

    fn ticket_on(&self, fence_index: usize) -> Option<Ticket> {
        if !self.live() {
            return None;
        }
        Some(Ticket {
            epoch: self.epoch.load(Ordering::SeqCst),
            fence_index,
            fence: self.fences[fence_index].load(Ordering::SeqCst),
        })
    }

    fn still_valid(&self, ticket: &Ticket) -> bool {
        self.live.load(Ordering::SeqCst)
            && self.epoch.load(Ordering::SeqCst) == ticket.epoch
            && self.fences[ticket.fence_index].load(Ordering::SeqCst) == ticket.fence
    }

    /// Stores what a master read found for a product (`value`, living
    /// `ttl_ms` more), if no invalidation of the key came since `ticket`
    /// was taken.
    pub fn fill(&self, id: &str, ticket: Ticket, value: Option<ProductJson>, ttl_ms: u64) {
        let bytes = value.as_ref().map_or(0, ProductJson::len);
        self.store(&self.products, id, ticket, value, bytes, ttl_ms);
    }

    /// Stores a search page a master read found (its JSON `bytes` long), if
    /// the searches' fence did not move since `ticket` was taken.
    pub fn fill_search(
        &self,
        canonical: &str,
        ticket: Ticket,
        page: Arc<ProductPage>,
        bytes: usize,
        ttl_ms: u64,
    ) {
        self.store(&self.searches, canonical, ticket, page, bytes, ttl_ms);
    }

    /// The fenced insert: refused if `ticket` no longer holds, and checked
    /// again after storing, so an invalidation that slipped in between is
    /// undone here (the invalidating side bumps the fence before it evicts,
    /// so one of the two always removes the entry).
    fn store<V: Send + Sync + 'static>(
        &self,
        cache: &Moka<String, Arc<Near<V>>>,
        key: &str,
        ticket: Ticket,
        value: V,
        bytes: usize,
        ttl_ms: u64,
    ) {
        if ttl_ms == 0 || !self.still_valid(&ticket) {
            self.counters.refused_fills.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let entry = Near {
            value,
            expires_at: Instant::now() + Duration::from_millis(ttl_ms),
            bytes,
        };
        cache.insert(key.to_string(), Arc::new(entry));
        if !self.still_valid(&ticket) {
            cache.invalidate(key);
            self.counters.refused_fills.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets every search (the search generation moved: a product
    /// changed), and refuses fills from reads already under way.
    pub fn flush_searches(&self) {
        self.fences[SEARCH_FENCE].fetch_add(1, Ordering::SeqCst);
        self.searches.invalidate_all();
    }

    /// A Redis key changed (tracking said so): forgets the product it holds,
    /// the search it holds, or every search when the search generation
    /// moved. Other keys are ignored.
    pub fn invalidate_key(&self, key: &[u8]) {
        if key == crate::keyspace::cache::SEARCH_GENERATION.as_bytes() {
            self.flush_searches();
            self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // `cache:search:<generation>:<canonical>`: that one search.
        if let Some(rest) = key.strip_prefix(crate::keyspace::cache::SEARCH_PREFIX.as_bytes()) {
            let canonical = rest
                .iter()
                .position(|b| *b == b':')
                .and_then(|colon| std::str::from_utf8(&rest[colon + 1..]).ok());
            if let Some(canonical) = canonical {
                self.fences[SEARCH_FENCE].fetch_add(1, Ordering::SeqCst);
                self.searches.invalidate(canonical);
                self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        let Some(id) = key.strip_prefix(crate::keyspace::cache::PRODUCT_PREFIX.as_bytes()) else {
            return;
        };
        let Ok(id) = std::str::from_utf8(id) else {
            return;
        };
        self.evict(id);
        self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets one product, and refuses fills from reads already under way.
    /// Called on a tracking message, and by this server's own writes right
    /// after they invalidated Redis, so the writer reads its own write at once
    /// (other servers within the invalidation delay).
    pub fn evict(&self, id: &str) {
        self.fences[self.stripe(id)].fetch_add(1, Ordering::SeqCst);
        self.products.invalidate(id);
    }

    /// Forgets everything (FLUSHDB, or the tracking connection changed).
    pub fn flush(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.products.invalidate_all();
        self.searches.invalidate_all();
        self.counters.flushes.fetch_add(1, Ordering::Relaxed);
    }

    /// The tracking connection to `addr` is subscribed: start serving,
    /// from empty.
    pub fn go_live(&self, addr: Arc<str>) {
        *self.tracked.write().unwrap_or_else(|e| e.into_inner()) = Some(addr);
        self.flush();
        self.live.store(true, Ordering::SeqCst);
    }

    /// Whether answers from the node at `addr` may fill the tier: only the
    /// tracked node's invalidations fence them (a replica, or a new master
    /// the tracking connection has not moved to yet, may be behind).
    pub fn tracks(&self, addr: &str) -> bool {
        self.tracked
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            .is_some_and(|tracked| tracked == addr)
    }

    /// The tracking connection is lost or in doubt: stop serving and forget
    /// everything, since invalidations may be missed from now on.
    pub fn go_dark(&self) {
        self.live.store(false, Ordering::SeqCst);
        *self.tracked.write().unwrap_or_else(|e| e.into_inner()) = None;
        self.flush();
    }

    /// Waits until the tier serves, `within` at most (`false`: it does not
    /// yet, e.g. Redis is down; it will go live by itself later).
    pub async fn until_live(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while !self.live() {
            if !self.enabled() || Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// The tier's figures now (entry count and bytes after pending
    /// evictions are applied).
    pub fn health(&self) -> NearHealth {
        self.products.run_pending_tasks();
        self.searches.run_pending_tasks();
        NearHealth {
            enabled: self.enabled(),
            live: self.live(),
            entries: self.products.entry_count() + self.searches.entry_count(),
            bytes: self.products.weighted_size() + self.searches.weighted_size(),
            max_entries: self.limits.entries,
            max_bytes: self.limits.bytes,
            invalidations: self.counters.invalidations.load(Ordering::Relaxed),
            flushes: self.counters.flushes.load(Ordering::Relaxed),
            refused_fills: self.counters.refused_fills.load(Ordering::Relaxed),
        }
    }

    /// The configured bounds.
    pub fn limits(&self) -> NearLimits {
        self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(id: &str) -> ProductJson {
        ProductJson::from_stored(id, format!(r#"{{"id":"{id}"}}"#).into_bytes()).unwrap()
    }

    fn live(limits: NearLimits) -> NearCache {
        let near = NearCache::new(limits);
        near.go_live("127.0.0.1:6379".into());
        near
    }

    const SMALL: NearLimits = NearLimits {
        entries: 100,
        bytes: 1 << 20,
    };

    #[test]
    fn serves_only_while_live() {
        let near = live(SMALL);
        let ticket = near.ticket("p1").unwrap();
        near.fill("p1", ticket, Some(json("p1")), 10_000);
        assert!(near.product("p1", Instant::now()).is_some());
        near.go_dark();
        assert!(near.product("p1", Instant::now()).is_none());
        assert!(near.ticket("p1").is_none());
        assert!(!near.tracks("127.0.0.1:6379"));
        near.go_live("127.0.0.1:6379".into());
        assert!(near.tracks("127.0.0.1:6379") && !near.tracks("127.0.0.1:6380"));
        assert!(near.product("p1", Instant::now()).is_none(), "flushed");
    }

    #[test]
    fn an_invalidation_during_the_read_refuses_the_fill() {
        let near = live(SMALL);
        let ticket = near.ticket("p1").unwrap();
        near.invalidate_key(b"cache:product:p1");
        near.fill("p1", ticket, Some(json("p1")), 10_000);
        assert!(near.product("p1", Instant::now()).is_none());
        // A flush in between refuses it too.
        let ticket = near.ticket("p1").unwrap();
        near.flush();
        near.fill("p1", ticket, Some(json("p1")), 10_000);
        assert!(near.product("p1", Instant::now()).is_none());
        assert_eq!(near.health().refused_fills, 2);
        // Other prefixes are not products.
        let ticket = near.ticket("p1").unwrap();
        near.invalidate_key(b"db:product:p1");
        near.fill("p1", ticket, None, 10_000);
        let entry = near.product("p1", Instant::now()).unwrap();
        assert!(entry.value.is_none(), "a negative entry");
        near.invalidate_key(b"cache:product:p1");
        assert!(near.product("p1", Instant::now()).is_none());
    }

    #[test]
    fn a_generation_bump_flushes_searches_and_refuses_racing_fills() {
        let near = live(SMALL);
        let page = Arc::new(ProductPage {
            items: vec![],
            total: 0,
        });
        let ticket = near.search_ticket().unwrap();
        near.fill_search("q=a", ticket, page.clone(), 10, 10_000);
        assert!(near.search("q=a", Instant::now()).is_some());
        // A product write elsewhere only evicts that product...
        near.invalidate_key(b"cache:product:p1");
        assert!(near.search("q=a", Instant::now()).is_some());
        // ...but its generation bump drops every search.
        near.invalidate_key(b"cache:search:gen");
        assert!(near.search("q=a", Instant::now()).is_none());
        let ticket = near.search_ticket().unwrap();
        near.invalidate_key(b"cache:search:gen");
        near.fill_search("q=a", ticket, page.clone(), 10, 10_000);
        assert!(near.search("q=a", Instant::now()).is_none(), "raced a bump");
        // One search's key deleted by hand: that search only.
        for canonical in ["q=a", "q=b|category=x"] {
            let ticket = near.search_ticket().unwrap();
            near.fill_search(canonical, ticket, page.clone(), 10, 10_000);
        }
        near.invalidate_key(b"cache:search:7:q=b|category=x");
        assert!(near.search("q=b|category=x", Instant::now()).is_none());
        assert!(near.search("q=a", Instant::now()).is_some());
    }

    #[test]
    fn entries_expire_with_redis() {
        let near = live(SMALL);
        let ticket = near.ticket("p1").unwrap();
        near.fill("p1", ticket, Some(json("p1")), 1_500);
        let entry = near.product("p1", Instant::now()).unwrap();
        let ttl = entry.ttl_ms(Instant::now());
        assert!((1_000..=1_500).contains(&ttl), "{ttl}");
        let later = Instant::now() + Duration::from_millis(1_600);
        assert!(near.product("p1", later).is_none());
    }

    #[test]
    fn bounded_by_entries_and_bytes() {
        let near = live(NearLimits {
            entries: 1_000,
            bytes: 1 << 30,
        });
        for i in 0..100_000 {
            let id = format!("p{i}");
            let ticket = near.ticket(&id).unwrap();
            near.fill(&id, ticket, Some(json(&id)), 60_000);
        }
        let health = near.health();
        assert!(health.entries <= 1_000, "{health:?}");
        assert!(health.entries >= 100, "{health:?}");

        let near = live(NearLimits {
            entries: 1_000_000,
            bytes: 64 * 1024,
        });
        for i in 0..100_000 {
            let id = format!("p{i}");
            let ticket = near.ticket(&id).unwrap();
            near.fill(&id, ticket, Some(json(&id)), 60_000);
        }
        let health = near.health();
        assert!(health.bytes <= 64 * 1024, "{health:?}");
        assert!(
            health.entries <= 64 * 1024 / ENTRY_OVERHEAD as u64,
            "{health:?}"
        );
    }
}
