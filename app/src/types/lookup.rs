//! Cache-aside answers (`/api/products/{id}`, `/api/search`), the shared
//! statistics (`/api/stats`) and the search history (`/api/history`).

use super::{LookupQuery, Product, SearchParams, StoreKind};
use serde::{Deserialize, Serialize};

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The server's own near cache had it (no network round trip).
    Near,
    /// The Redis cache had it.
    Cache,
    /// The product database had to be read (and the cache was filled).
    Database,
}

impl Source {
    /// The wire name (`"near"`, `"cache"`, `"database"`), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Near => "near",
            Source::Cache => "cache",
            Source::Database => "database",
        }
    }
}

/// `GET /api/products/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductLookup {
    /// The product.
    pub data: Product,
    /// Cache hit or database read.
    pub source: Source,
    /// Server-side time of the whole lookup, in microseconds.
    pub elapsed_us: u64,
    /// Remaining lifetime of the cache entry, in seconds (a near-cache entry
    /// lives exactly as long as the Redis entry it copies).
    pub ttl_s: u64,
}

/// The 404 of `GET /api/products/{id}`: the error sentence, and where the
/// answer came from (a negative cache entry, or the database).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductMissing {
    /// `product "<id>" not found`.
    pub error: String,
    /// A cached "no such product", or a database read.
    pub source: Source,
    /// Server-side time of the whole lookup, in microseconds.
    pub elapsed_us: u64,
    /// Remaining lifetime of the negative cache entry, in seconds.
    pub ttl_s: u64,
}

/// `GET /api/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResult {
    /// Matching products, cheapest first, at most `limit`.
    pub items: Vec<Product>,
    /// How many products match in all.
    pub total: u64,
    /// Cache hit or database read.
    pub source: Source,
    /// Server-side time of the whole lookup, in microseconds.
    pub elapsed_us: u64,
    /// Remaining lifetime of the cache entry, in seconds.
    pub ttl_s: u64,
    /// The search as understood, in the canonical form the cache is keyed
    /// by (`q=<words>|category=…|min=…|max=…|limit=…`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub query: SearchParams,
}

/// Percentiles of one latency histogram, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LatencySummary {
    /// Median.
    pub p50: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// How many lookups were measured.
    pub count: u64,
}

/// Latency percentiles per tier: near cache, Redis cache, database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LatencyBySource {
    /// Lookups answered from a server's near cache.
    #[serde(default)]
    pub near: LatencySummary,
    /// Lookups answered from the cache.
    pub cache: LatencySummary,
    /// Lookups that read the database.
    pub database: LatencySummary,
}

/// `GET /api/stats`: shared by every server instance (kept in Redis).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Stats {
    /// The system of record that database reads go to.
    #[serde(default)]
    pub store: Option<StoreKind>,
    /// Lookups answered without the database: from a server's near cache
    /// or from Redis (negative entries included).
    pub hits: u64,
    /// The part of `hits` answered by a server's near cache, in process:
    /// these never reach Redis, so Redis' own keyspace hit ratio does not
    /// count them.
    #[serde(default)]
    pub near_hits: u64,
    /// Lookups that read the database.
    pub misses: u64,
    /// `hits / (hits + misses)`, 0 when there were none (near and Redis
    /// hits together).
    pub hit_ratio: f64,
    /// Every lookup (by id and search).
    pub lookups: u64,
    /// Cache writes that failed after a good database read: the lookup was
    /// answered from the database all the same (Redis full, read-only, or
    /// refusing the script).
    #[serde(default)]
    pub fill_failures: u64,
    /// Requests refused by the rate limiter (429), every instance.
    #[serde(default)]
    pub throttled: u64,
    /// Requests let through because the rate limiter could not ask Redis.
    #[serde(default)]
    pub limiter_bypassed: u64,
    /// Latency percentiles by source.
    pub latency_us: LatencyBySource,
}

/// Answer of `POST /api/stats/reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsReset {
    /// Always `true`: every count and the history were forgotten.
    pub reset: bool,
}

/// One entry of `GET /api/history` (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// What was looked up: a product id, or a search's canonical form
    /// (`q=…|category=…|min=…|max=…|limit=…`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub query: LookupQuery,
    /// Cache hit or database read.
    pub source: Source,
    /// Server-side time of the lookup, in microseconds.
    pub elapsed_us: u64,
    /// When, in milliseconds since the Unix epoch.
    pub at: u64,
    /// When it finished, in microseconds since the Unix epoch, so lookups
    /// of one millisecond keep their order (lists are newest first by it).
    /// 0 in entries recorded before it existed.
    #[serde(default)]
    pub at_us: u64,
}
