//! Cache-aside lookups: look in the Redis cache first; on a
//! miss read the product database once (however many requests missed
//! together), store the answer with a jittered TTL, and say where the answer
//! came from and how long it took.

mod error;
mod floors;
pub mod near;
mod scripts;
mod single_flight;

pub use error::CacheError;
pub use near::{NearCache, NearLimits};

use crate::{
    catalog::Durability,
    hub::Hub,
    invalidate::Invalidator,
    keyspace::{cache as keys, db as db_keys},
    postgres::listen::Channel,
    readiness::Readiness,
    stats::Recorder,
    store::Store,
    topology::{now_us, role_offset, Node, ReadTarget},
};
use app::types::{
    HistoryEntry, LookupQuery, Product, ProductId, ProductPage, SearchParams, Source,
};
use floors::Floors;
use serde_json::value::RawValue;
use single_flight::SingleFlight;
use std::{
    hash::{BuildHasher, RandomState},
    sync::Arc,
    time::{Duration, Instant},
};

/// How long an absent id is remembered.
pub const NEGATIVE_TTL: Duration = Duration::from_secs(5);

/// Reads of a search's entry while writes keep moving the generation, before
/// the lookup goes to the database.
const MAX_GENERATION_TRIES: usize = 3;

/// The answer of a lookup, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup<T> {
    /// The product (`None`: it does not exist) or the search result.
    pub value: T,
    /// Cache or database.
    pub source: Source,
    /// Server-side time of the whole lookup.
    pub elapsed_us: u64,
    /// Remaining lifetime of the cache entry, in seconds.
    pub ttl_s: u64,
}

/// A product's JSON exactly as stored, checked to be a JSON object. A hit is
/// answered with these bytes spliced into the response: decoding the product
/// and encoding it again would cost more than the rest of a hit together.
/// Shared (`Bytes`, always UTF-8), so a hit copies no product and an answer
/// takes a share of it without an allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductJson(bytes::Bytes);

impl ProductJson {
    /// Checks that `bytes` (from Redis) are one JSON object; anything else
    /// (hand-edited or corrupt data) is an error, never sent to a client.
    pub fn from_stored(id: &str, bytes: Vec<u8>) -> Result<Self, CacheError> {
        let corrupt = |why: String| CacheError::Corrupt {
            id: id.to_string(),
            why,
        };
        // UTF-8 first, so the JSON check reads a `str` (checked once).
        let text = String::from_utf8(bytes).map_err(|e| corrupt(e.to_string()))?;
        let raw: &RawValue = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if !raw.get().starts_with('{') {
            return Err(corrupt("not an object".to_string()));
        }
        Ok(ProductJson(text.into()))
    }

    /// JSON this server encoded itself (a product read from the database and
    /// checked by decoding it).
    fn encoded(json: String) -> Self {
        ProductJson(json.into())
    }

    /// The JSON's length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the JSON is empty (never, for a checked one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON as a buffer that shares the text (no copy), for an answer.
    pub fn to_bytes(&self) -> bytes::Bytes {
        self.0.clone()
    }
}

/// A database answer, for the replica-read floors.
enum Answered<'a> {
    /// Product id and its stored text (`""` for absent).
    Product(&'a str, &'a [u8]),
    /// Canonical search and its page's JSON.
    Search(&'a str, &'a [u8]),
}

/// What one flight produced, shared with every request that waited.
#[derive(Clone)]
struct Filled<T> {
    value: T,
    source: Source,
    ttl_ms: u64,
}

/// What a lookup's look in the cache learnt, for the flight that follows
/// a miss.
struct Probe {
    /// The write generation read with the look (PostgreSQL only).
    generation: Option<String>,
    /// [`SingleFlight::landings`] of the key before the look.
    landings: u64,
}

/// What a [`Cache`] is made of.
pub struct CacheParts {
    /// The master: fills, re-checks, database reads.
    pub master: Node,
    /// The system of record.
    pub db: Store,
    /// Entry lifetime (+0-10% jitter).
    pub ttl: Duration,
    /// Where lookups are counted.
    pub stats: Arc<Recorder>,
    /// Where lookups are announced.
    pub hub: Arc<Hub>,
    /// Where cache reads go.
    pub reads: Arc<ReadTarget>,
    /// The in-process tier.
    pub near: Arc<NearCache>,
    /// Whether the built-in catalog is loaded.
    pub readiness: Arc<Readiness>,
    /// With PostgreSQL: whether its change notifications come through.
    pub channel: Option<Arc<Channel>>,
}

/// The cache in front of the product database.
pub struct Cache {
    master: Node,
    db: Store,
    ttl: Duration,
    stats: Arc<Recorder>,
    hub: Arc<Hub>,
    reads: Arc<ReadTarget>,
    products: SingleFlight<Result<Filled<Option<ProductJson>>, CacheError>>,
    searches: SingleFlight<Result<Filled<Arc<ProductPage>>, CacheError>>,
    near: Arc<NearCache>,
    readiness: Arc<Readiness>,
    /// Replication-offset floors, with replica reads only.
    floors: Option<Floors>,
    /// Drops Redis entries after this server's PostgreSQL writes.
    invalidator: Invalidator,
    /// With PostgreSQL: whether its change notifications reach this
    /// server (while they may not, lookups bypass both cache tiers).
    channel: Option<Arc<Channel>>,
    /// The search generation this server saw last: the one a search read
    /// expects (its entry key is built from it before the script runs).
    generation: std::sync::Mutex<String>,
}

impl Cache {
    /// A cache in front of `parts.db`; see [`CacheParts`].
    pub fn new(parts: CacheParts) -> Self {
        let CacheParts {
            master,
            db,
            ttl,
            stats,
            hub,
            reads,
            near,
            readiness,
            channel,
        } = parts;
        Cache {
            invalidator: Invalidator::new(master.clone()),
            master,
            db,
            ttl,
            stats,
            hub,
            floors: reads.enabled().then(Floors::default),
            generation: std::sync::Mutex::new("0".to_string()),
            reads,
            products: SingleFlight::default(),
            searches: SingleFlight::default(),
            near,
            readiness,
            channel,
        }
    }

    /// Whether the cache tiers must be bypassed now: PostgreSQL's change
    /// notifications may not be reaching this server (see
    /// [`Channel::dark`]).
    fn dark(&self) -> bool {
        self.channel.as_ref().is_some_and(|c| c.dark())
    }

    /// Whether the built-in catalog is loaded (lookups may say "missing").
    pub fn readiness(&self) -> &Arc<Readiness> {
        &self.readiness
    }

    /// An admin write of `product`, and everything this server owes it
    /// before the answer: the store's write (with its `WAIT`, or the
    /// invalidation after a PostgreSQL commit), then [`Cache::after_write`]
    /// and the near tier's entry and searches, whatever the write's outcome
    /// (an unknown one may have been applied). The one place writes go
    /// through, for both stores.
    pub async fn put(&self, product: &Product) -> Result<(bool, Durability), CacheError> {
        let written = self.db.put_and_wait(product).await;
        self.written(product.id.as_str(), written.as_ref().ok())
            .await;
        Ok(written?)
    }

    /// An admin delete of `id`, like [`Cache::put`].
    pub async fn delete(&self, id: &ProductId) -> Result<(bool, Durability), CacheError> {
        let deleted = self.db.delete_and_wait(id).await;
        self.written(id.as_str(), deleted.as_ref().ok()).await;
        Ok(deleted?)
    }

    /// What this server does after its own write of `id`, whatever its
    /// outcome (`done`: what the store said of an applied one).
    /// PostgreSQL: a committed write drops the Redis entries; a failed drop
    /// is logged, not reported (the table's `NOTIFY` reaches every server's
    /// listener, which retries). Redis: the write's script dropped them.
    async fn written(&self, id: &str, done: Option<&(bool, Durability)>) {
        if let (Store::Postgres(_), Some(_)) = (&self.db, done) {
            if let Err(error) = self.invalidator.products(&[id]).await {
                tracing::warn!(%error, "cache not invalidated after a write; the listener will retry");
            }
        }
        self.after_write(id, done.and_then(|(_, d)| d.offset)).await;
        self.near.evict(id);
        self.near.flush_searches();
    }

    /// Called after a write of `id` by this server and before it is
    /// answered (read-your-writes on the writing server): lookups from now
    /// on do not join a database read that began before the write, and with
    /// replica reads no replica answers for `id` (or any search) before it
    /// has reached `offset`, the master's offset after the write (asked of
    /// the master when the store did not say).
    pub async fn after_write(&self, id: &str, offset: Option<u64>) {
        self.products.fence(&keys::product(id));
        if let Some(floors) = &self.floors {
            let offset = match offset {
                Some(offset) => Some(offset),
                None => self.master_offset().await,
            };
            match offset {
                Some(offset) => floors.wrote(id, offset),
                None => tracing::debug!("no master offset after a write; replicas may lag it"),
            }
        }
    }

    /// The master's replication offset now (`ROLE`).
    async fn master_offset(&self) -> Option<u64> {
        let role: redis::Value = self.master.query(&redis::cmd("ROLE")).await.ok()?;
        role_offset(&role)
    }

    /// With replica reads: a database answer (`value`, the text the fill
    /// stores) is from a state no later than the master's offset once it is
    /// read, so replicas must reach that, or hold that very value, before
    /// they answer the same key.
    async fn answered_from_master(&self, answered: Answered<'_>) {
        if let Some(floors) = &self.floors {
            let offset = self.master_offset().await;
            match answered {
                Answered::Product(id, value) => floors.answered_product(id, offset, value),
                Answered::Search(canonical, value) => {
                    floors.answered_search(canonical, offset, value)
                }
            }
        }
    }

    /// The near tier (for its figures, and for tests).
    pub fn near(&self) -> &Arc<NearCache> {
        &self.near
    }

    /// The configured TTL plus up to 10% random jitter, so entries made
    /// together do not all expire together.
    fn jittered_ttl_ms(&self) -> u64 {
        let base = self.ttl.as_millis() as u64;
        let spread = base / 10;
        base + RandomState::new().hash_one(Instant::now()) % (spread + 1)
    }

    /// Looks a product up by id: in the near cache first (no round trip);
    /// then in Redis (`GET` + `PTTL` pipelined, one round trip), keeping what
    /// the master answered in the near cache; on a miss one database read
    /// shared by concurrent misses.
    ///
    /// A near hit is answered before any of the miss path's state exists:
    /// that path is a future of its own, allocated only when it runs, so a
    /// hit's future (boxed and moved by every layer above) stays small.
    pub async fn product(&self, id: &ProductId) -> Result<Lookup<Option<ProductJson>>, CacheError> {
        let started = Instant::now();
        if let Some(look) = self.near_look(id, started) {
            return Ok(self.near_answer(id, look));
        }
        Box::pin(self.product_beyond_near(id, started)).await
    }

    /// The near tier's entry for a product, looked at and not yet counted
    /// (nothing is recorded until [`Cache::near_answer`]): a caller that
    /// finds one may still leave the lookup to [`Cache::product`].
    pub fn near_look(&self, id: &ProductId, started: Instant) -> Option<NearLook> {
        if self.dark() {
            return None;
        }
        let entry = self.near.product(id.as_str(), started)?;
        Some(NearLook { entry, started })
    }

    /// A near hit found by [`Cache::near_look`], counted and shaped as
    /// [`Cache::product`] answers it.
    pub fn near_answer(&self, id: &ProductId, look: NearLook) -> Lookup<Option<ProductJson>> {
        let NearLook { entry, started } = look;
        let found = entry.value.is_some();
        let ttl_ms = entry.ttl_ms(started);
        self.near_hit(started, entry.value.clone(), found, ttl_ms, || {
            LookupQuery::Product(id.clone())
        })
    }

    /// [`Cache::product`] past the near tier: Redis, then the database.
    async fn product_beyond_near(
        &self,
        id: &ProductId,
        started: Instant,
    ) -> Result<Lookup<Option<ProductJson>>, CacheError> {
        if self.dark() {
            let json = self.db.get_raw(id.as_str()).await?;
            let value = match json {
                Some(json) => {
                    decode(id.as_str(), &json)?;
                    Some(ProductJson::encoded(json))
                }
                None => None,
            };
            let found = value.is_some();
            let filled = Filled {
                value,
                source: Source::Database,
                ttl_ms: 0,
            };
            return Ok(self.finish(started, filled, LookupQuery::Product(id.clone()), found));
        }
        let ticket = self.near.ticket(id.as_str());
        let key = keys::product(id.as_str());
        let query = LookupQuery::Product(id.clone());
        let id = id.as_str();
        // Before the look: see `SingleFlight::landings`.
        let landings = self.products.landings(&key);
        let with_generation = matches!(self.db, Store::Postgres(_));
        let key = key.as_str();
        let hit = self
            .first_read(|node| async move {
                let tracked = ticket.is_some() && self.near.tracks(&node.addr());
                let read = self.read_product(&node, id, key, with_generation).await?;
                Ok((read, tracked))
            })
            .await?;
        let filled = match hit {
            ((None, generation), _) => {
                let probe = Probe {
                    generation,
                    landings,
                };
                self.products
                    .run(key, || self.fill_product(id, key, probe))
                    .await
                    .0?
            }
            ((Some(hit), _), tracked) => {
                // Only the tracked node's answers are fenced by the
                // invalidations the near cache hears.
                if let (Some(ticket), true) = (ticket, tracked) {
                    self.near.fill(id, ticket, hit.value.clone(), hit.ttl_ms);
                }
                hit
            }
        };
        let found = filled.value.is_some();
        Ok(self.finish(started, filled, query, found))
    }

    /// The cache entry of a product, if any (`GET` + `PTTL`, one round
    /// trip), and with `with_generation` the write generation read in the
    /// same round trip (the fence of a fill from PostgreSQL: read before the
    /// database is, so any invalidation after it refuses the fill; read on a
    /// replica it is at most the master's, and an older one only refuses the
    /// fill).
    async fn read_product(
        &self,
        node: &Node,
        id: &str,
        key: &str,
        with_generation: bool,
    ) -> Result<(Option<Filled<Option<ProductJson>>>, Option<String>), CacheError> {
        let Some(floors) = &self.floors else {
            let mut pipe = redis::pipe();
            pipe.cmd("GET").arg(key).cmd("PTTL").arg(key);
            if with_generation {
                pipe.cmd("GET").arg(keys::SEARCH_GENERATION);
                let (cached, pttl, generation): (Option<Vec<u8>>, i64, Option<String>) =
                    node.pipe(&pipe).await?;
                return Ok((Self::entry(id, cached, pttl)?, Some(or_zero(generation))));
            }
            let (cached, pttl): (Option<Vec<u8>>, i64) = node.pipe(&pipe).await?;
            return Ok((Self::entry(id, cached, pttl)?, None));
        };
        // ROLE before: the state read includes at least this offset; ROLE
        // after: it includes nothing beyond that one.
        let mut pipe = redis::pipe();
        pipe.cmd("ROLE")
            .cmd("GET")
            .arg(key)
            .cmd("PTTL")
            .arg(key)
            .cmd("ROLE")
            .cmd("GET")
            .arg(keys::SEARCH_GENERATION);
        let (before, cached, pttl, after, generation): (
            redis::Value,
            Option<Vec<u8>>,
            i64,
            redis::Value,
            Option<String>,
        ) = node.pipe(&pipe).await?;
        if let Some(bytes) = &cached {
            if is_replica(&before) && !floors.product_ok(id, role_offset(&before), bytes) {
                return Err(CacheError::ReplicaBehind);
            }
            floors.answered_product(id, role_offset(&after), bytes);
        }
        let generation = with_generation.then(|| or_zero(generation));
        Ok((Self::entry(id, cached, pttl)?, generation))
    }

    /// [`Cache::read_product`] on the master with the write generation in
    /// the same round trip (the fence of a fill from PostgreSQL).
    async fn read_product_and_generation(
        &self,
        id: &str,
        key: &str,
    ) -> Result<(Option<Filled<Option<ProductJson>>>, String), CacheError> {
        let mut pipe = redis::pipe();
        pipe.cmd("GET")
            .arg(key)
            .cmd("PTTL")
            .arg(key)
            .cmd("GET")
            .arg(keys::SEARCH_GENERATION);
        let (cached, pttl, generation): (Option<Vec<u8>>, i64, Option<String>) =
            self.master.pipe(&pipe).await?;
        Ok((Self::entry(id, cached, pttl)?, or_zero(generation)))
    }

    fn entry(
        id: &str,
        cached: Option<Vec<u8>>,
        pttl: i64,
    ) -> Result<Option<Filled<Option<ProductJson>>>, CacheError> {
        let value = match cached {
            None => return Ok(None),
            Some(bytes) if bytes == keys::MISSING.as_bytes() => None,
            Some(bytes) => Some(ProductJson::from_stored(id, bytes)?),
        };
        Ok(Some(Filled {
            value,
            source: Source::Cache,
            ttl_ms: pttl.max(0) as u64,
        }))
    }

    /// Runs once per key at a time. Looks in the cache again first when a
    /// flight of this server finished since the caller's look (it may have
    /// filled the entry, and the database must not be read twice); otherwise
    /// the look stands, and a PostgreSQL miss makes two Redis round trips
    /// (the look, the fill).
    ///
    /// The database's JSON is decoded as a [`Product`] before it is cached,
    /// so only well-formed products ever reach the cache.
    async fn fill_product(
        &self,
        id: &str,
        key: &str,
        probe: Probe,
    ) -> Result<Filled<Option<ProductJson>>, CacheError> {
        let look_stands = self.products.landings(key) == probe.landings;
        // A store outside Redis cannot be compared inside a script: the fill
        // is kept only if no invalidation came since this generation.
        let generation = match (&self.db, probe.generation) {
            (Store::Postgres(_), Some(generation)) if look_stands => Some(generation),
            (Store::Postgres(_), _) => match self.read_product_and_generation(id, key).await? {
                (Some(hit), _) => return Ok(hit),
                (None, generation) => Some(generation),
            },
            (Store::Redis(_), _) => {
                if !look_stands {
                    if let (Some(hit), _) = self.read_product(&self.master, id, key, false).await? {
                        return Ok(hit);
                    }
                }
                None
            }
        };
        match self.db.get_raw(id).await? {
            Some(json) => {
                decode(id, &json)?;
                let ttl_ms = self.jittered_ttl_ms();
                let fill = match &generation {
                    None => {
                        let mut fill = scripts::FILL_PRODUCT.key(db_keys::product(id));
                        fill.key(key).arg(&json).arg(ttl_ms);
                        fill
                    }
                    Some(generation) => {
                        let mut fill = scripts::FILL_PRODUCT_AT.key(keys::SEARCH_GENERATION);
                        fill.key(key).arg(&json).arg(ttl_ms).arg(generation);
                        fill
                    }
                };
                let stored = self.store(self.master.script::<i64>(&fill).await);
                self.answered_from_master(Answered::Product(id, json.as_bytes()))
                    .await;
                Ok(Filled {
                    value: Some(ProductJson::encoded(json)),
                    source: Source::Database,
                    ttl_ms: if stored { ttl_ms } else { 0 },
                })
            }
            // The catalog load may be about to write it: not "missing" yet,
            // and nothing negative cached for the other servers to read.
            None if !self.readiness.is_ready() => Err(CacheError::Starting),
            None => {
                let ttl_ms = NEGATIVE_TTL.as_millis() as u64;
                let mut fill = match &generation {
                    None => scripts::FILL_MISSING.key(db_keys::product(id)),
                    Some(_) => scripts::FILL_MISSING_AT.key(keys::SEARCH_GENERATION),
                };
                fill.key(key).arg(ttl_ms);
                if let Some(generation) = &generation {
                    fill.arg(generation);
                }
                let stored = self.store(self.master.script::<i64>(&fill).await);
                self.answered_from_master(Answered::Product(id, keys::MISSING.as_bytes()))
                    .await;
                Ok(Filled {
                    value: None,
                    source: Source::Database,
                    ttl_ms: if stored { ttl_ms } else { 0 },
                })
            }
        }
    }

    /// Where a read that is not a lookup goes (the key browser): the
    /// replica chosen for cache reads, else the master.
    pub fn read_node(&self) -> Node {
        self.reads.replica().unwrap_or_else(|| self.master.clone())
    }

    /// Database reads under way (single flights), by id and by search.
    pub fn flights_in_progress(&self) -> usize {
        self.products.len() + self.searches.len()
    }

    /// Whether a cache fill was stored. A fill that fails after a good
    /// database read never fails the lookup: the client gets the database's
    /// answer (with no TTL), and the failure is counted.
    fn store(&self, result: Result<i64, crate::topology::StoreError>) -> bool {
        match result {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(%error, "cache fill failed; answering from the database");
                self.stats.record_fill_failure();
                false
            }
        }
    }

    /// Cache-aside search keyed by the canonical form of the query: the near
    /// cache first, then Redis under the current write generation (keeping
    /// what the tracked master answered near), then the database.
    pub async fn search(
        &self,
        query: &SearchParams,
    ) -> Result<Lookup<Arc<ProductPage>>, CacheError> {
        let started = Instant::now();
        if self.dark() {
            let page = Arc::new(self.db.search(query).await?);
            let found = page.total > 0;
            let filled = Filled {
                value: page,
                source: Source::Database,
                ttl_ms: 0,
            };
            return Ok(self.finish(started, filled, LookupQuery::Search(query.clone()), found));
        }
        let canonical = query.canonical();
        if let Some(entry) = self.near.search(&canonical, started) {
            let found = entry.value.total > 0;
            let ttl_ms = entry.ttl_ms(started);
            return Ok(
                self.near_hit(started, entry.value.clone(), found, ttl_ms, || {
                    LookupQuery::Search(query.clone())
                }),
            );
        }
        let ticket = self.near.search_ticket();
        let (generation, hit, tracked) = self
            .first_read(|node| {
                let canonical = &canonical;
                async move {
                    let tracked = ticket.is_some() && self.near.tracks(&node.addr());
                    let (generation, hit) = self.read_search(&node, canonical).await?;
                    Ok((generation, hit, tracked))
                }
            })
            .await?;
        let filled = match hit {
            Some((hit, bytes)) => {
                if let (Some(ticket), true) = (ticket, tracked) {
                    self.near
                        .fill_search(&canonical, ticket, hit.value.clone(), bytes, hit.ttl_ms);
                }
                hit
            }
            None => {
                let flight_key = format!("{generation}:{canonical}");
                self.searches
                    .run(&flight_key, || {
                        self.fill_search(query, &canonical, &generation)
                    })
                    .await
                    .0?
            }
        };
        let found = filled.value.total > 0;
        Ok(self.finish(started, filled, LookupQuery::Search(query.clone()), found))
    }

    /// The current write generation and, if cached under it, the search's
    /// entry with its JSON size (one script, one round trip while the
    /// generation this server saw last is still current; one more after a
    /// write moved it on).
    async fn read_search(
        &self,
        node: &Node,
        canonical: &str,
    ) -> Result<(String, Option<(Filled<Arc<ProductPage>>, usize)>), CacheError> {
        let mut expected = self.known_generation();
        for _ in 0..MAX_GENERATION_TRIES {
            let (generation, cached, pttl) =
                self.read_search_under(node, canonical, &expected).await?;
            if generation != expected {
                self.saw_generation(&generation);
                expected = generation;
                continue;
            }
            let hit = cached.and_then(|json| {
                let page = serde_json::from_str::<ProductPage>(&json).ok()?;
                Some((
                    Filled {
                        value: Arc::new(page),
                        source: Source::Cache,
                        ttl_ms: pttl.max(0) as u64,
                    },
                    json.len(),
                ))
            });
            return Ok((generation, hit));
        }
        // Writes keep moving it: a miss under the latest one seen.
        Ok((expected, None))
    }

    /// One read of the search's entry under `expected` (see
    /// [`scripts::READ_SEARCH`]); in replica mode between two `ROLE`s, with
    /// the floors checked.
    async fn read_search_under(
        &self,
        node: &Node,
        canonical: &str,
        expected: &str,
    ) -> Result<(String, Option<String>, i64), CacheError> {
        match &self.floors {
            None => {
                let mut read = scripts::READ_SEARCH.key(keys::SEARCH_GENERATION);
                read.key(keys::search(expected, canonical)).arg(expected);
                Ok(node.script(&read).await?)
            }
            Some(floors) => {
                let (before, answer, after) = self
                    .read_search_between_roles(node, canonical, expected)
                    .await?;
                if let Some(json) = &answer.1 {
                    let bytes = json.as_bytes();
                    if is_replica(&before)
                        && !floors.search_ok(canonical, role_offset(&before), bytes)
                    {
                        return Err(CacheError::ReplicaBehind);
                    }
                    floors.answered_search(canonical, role_offset(&after), bytes);
                }
                Ok(answer)
            }
        }
    }

    /// The search generation this server saw last.
    fn known_generation(&self) -> String {
        self.generation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn saw_generation(&self, generation: &str) {
        *self.generation.lock().unwrap_or_else(|e| e.into_inner()) = generation.to_string();
    }

    /// The search script between two `ROLE`s in one pipeline (see
    /// [`Cache::read_product`]); a node without the script (a replica:
    /// scripts are not replicated) is given it once.
    async fn read_search_between_roles(
        &self,
        node: &Node,
        canonical: &str,
        expected: &str,
    ) -> Result<(redis::Value, (String, Option<String>, i64), redis::Value), CacheError> {
        let mut pipe = redis::pipe();
        pipe.cmd("ROLE")
            .cmd("EVALSHA")
            .arg(scripts::READ_SEARCH.get_hash())
            .arg(2)
            .arg(keys::SEARCH_GENERATION)
            .arg(keys::search(expected, canonical))
            .arg(expected)
            .cmd("ROLE");
        match node.pipe(&pipe).await {
            Err(error) if error.is_no_script() => {
                let _: String = node
                    .query(
                        redis::cmd("SCRIPT")
                            .arg("LOAD")
                            .arg(&*scripts::READ_SEARCH_CODE),
                    )
                    .await?;
                Ok(node.pipe(&pipe).await?)
            }
            other => Ok(other?),
        }
    }

    /// Runs once per search and generation at a time; looks in the cache
    /// again first, like [`Cache::fill_product`].
    async fn fill_search(
        &self,
        query: &SearchParams,
        canonical: &str,
        generation: &str,
    ) -> Result<Filled<Arc<ProductPage>>, CacheError> {
        if let (current, Some((hit, _))) = self.read_search(&self.master, canonical).await? {
            if current == generation {
                return Ok(hit);
            }
        }
        let page = self.db.search(query).await?;
        let json = serde_json::to_string(&page).map_err(|e| CacheError::Corrupt {
            id: canonical.to_string(),
            why: e.to_string(),
        })?;
        let ttl_ms = self.jittered_ttl_ms();
        let mut fill = scripts::FILL_SEARCH.key(keys::SEARCH_GENERATION);
        fill.key(keys::search(generation, canonical))
            .arg(generation)
            .arg(&json)
            .arg(ttl_ms);
        let stored = self.store(self.master.script::<i64>(&fill).await);
        self.answered_from_master(Answered::Search(canonical, json.as_bytes()))
            .await;
        Ok(Filled {
            value: Arc::new(page),
            source: Source::Database,
            ttl_ms: if stored { ttl_ms } else { 0 },
        })
    }

    /// The first cache read of a lookup: on the replica chosen for reads if
    /// any, falling back to the master (without an error for the client) when
    /// that replica fails, and to the other replicas when the master fails
    /// too (it may be dead, mid-failover). A read whose connection broke
    /// under it (Sentinel closes every client of a node it reconfigures) is
    /// tried once more on a fresh connection first. Fills and re-checks
    /// always use the master.
    async fn first_read<T, F, Fut>(&self, read: F) -> Result<T, CacheError>
    where
        F: Fn(Node) -> Fut,
        Fut: std::future::Future<Output = Result<T, CacheError>>,
    {
        let attempt = |node: Node| {
            let read = &read;
            async move {
                match read(node.clone()).await {
                    Err(error) if error.is_connection_lost() => read(node).await,
                    other => other,
                }
            }
        };
        let chosen = self.reads.replica();
        if let Some(replica) = &chosen {
            match attempt(replica.clone()).await {
                Ok(value) => return Ok(value),
                // Behind this server's own writes or answers for this key:
                // the master answers this one, the replica stays chosen.
                Err(CacheError::ReplicaBehind) => {}
                Err(error) => {
                    tracing::debug!(%error, "replica read failed; using the master");
                    self.reads.demote();
                }
            }
        }
        let error = match attempt(self.master.clone()).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !self.reads.enabled() {
            return Err(error);
        }
        let master = self.master.addr();
        let others = self.reads.fallbacks();
        for replica in others
            .iter()
            .filter(|r| r.addr() != master && chosen.as_ref().is_none_or(|c| c.addr() != r.addr()))
        {
            if let Ok(value) = attempt(replica.clone()).await {
                return Ok(value);
            }
        }
        Err(error)
    }

    /// Stops the clock on a near hit, counts it without a lock, offers it to
    /// the history and the live feed (`query` is only built if they take
    /// it), and shapes the answer.
    fn near_hit<T>(
        &self,
        started: Instant,
        value: T,
        found: bool,
        ttl_ms: u64,
        query: impl FnOnce() -> LookupQuery,
    ) -> Lookup<T> {
        let elapsed_us = started.elapsed().as_micros() as u64;
        self.stats.telemetry.lookup(Source::Near, found, elapsed_us);
        let shown = self.stats.record_near(elapsed_us, || {
            let at_us = now_us();
            let entry = HistoryEntry {
                query: query(),
                source: Source::Near,
                elapsed_us,
                at: at_us / 1000,
                at_us,
            };
            self.hub.lookup(&entry);
            entry
        });
        if !shown {
            self.hub.skipped();
        }
        Lookup {
            value,
            source: Source::Near,
            elapsed_us,
            ttl_s: ttl_ms / 1000,
        }
    }

    /// Stops the clock, counts the lookup, announces it, and shapes the answer.
    fn finish<T>(
        &self,
        started: Instant,
        filled: Filled<T>,
        query: LookupQuery,
        found: bool,
    ) -> Lookup<T> {
        let elapsed_us = started.elapsed().as_micros() as u64;
        self.stats
            .telemetry
            .lookup(filled.source, found, elapsed_us);
        let at_us = now_us();
        let entry = HistoryEntry {
            query,
            source: filled.source,
            elapsed_us,
            at: at_us / 1000,
            at_us,
        };
        self.hub.lookup(&entry);
        self.stats.record(filled.source, elapsed_us, Some(entry));
        Lookup {
            value: filled.value,
            source: filled.source,
            elapsed_us,
            ttl_s: filled.ttl_ms / 1000,
        }
    }
}

/// A product the near tier holds, looked at by [`Cache::near_look`] and not
/// yet counted as a lookup.
pub struct NearLook {
    entry: Arc<near::NearProduct>,
    started: Instant,
}

impl NearLook {
    /// The stored JSON's length (0 for a negative entry): what the answer
    /// carries beyond its fixed fields.
    pub fn json_len(&self) -> usize {
        self.entry.value.as_ref().map_or(0, ProductJson::len)
    }
}

/// Whether a `ROLE` answer is a replica's (a master always may answer: it
/// holds every write).
/// A generation never set is generation `0`.
fn or_zero(generation: Option<String>) -> String {
    generation.unwrap_or_else(|| "0".to_string())
}

fn is_replica(role: &redis::Value) -> bool {
    matches!(role, redis::Value::Array(items)
        if matches!(items.first(), Some(redis::Value::BulkString(b)) if b == b"slave"))
}

fn decode(id: &str, json: &str) -> Result<Product, CacheError> {
    serde_json::from_str(json).map_err(|e| CacheError::Corrupt {
        id: id.to_string(),
        why: e.to_string(),
    })
}
