//! The shape of the UI's words: one struct per page or part, each field a
//! text (or, where the text holds a value, a function that writes it). Each
//! language is one value of [`Texts`], so a text missing from a language is
//! a compile error, not a blank on screen.

use crate::types::{Invalid, Locale, Role};

/// Every text of the UI, in one language.
pub struct Texts {
    /// The language these texts are written in (for numbers and dates).
    pub locale: Locale,
    /// Words many pages use.
    pub common: Common,
    /// The top bar.
    pub nav: Nav,
    /// `/`, the search page.
    pub search: Search,
    /// The topology panel (search page).
    pub topology: Topology,
    /// `/dashboard`.
    pub dashboard: Dashboard,
    /// The Sentinel banner and panel (dashboard).
    pub sentinel: Sentinel,
    /// `/products` and `/products/{id}`.
    pub products: Products,
    /// `/keys`.
    pub keys: Keys,
    /// Unknown routes.
    pub not_found: NotFound,
    /// Sign-in and roles (top bar, closed pages).
    pub access: Access,
}

/// Sign-in and roles.
pub struct Access {
    /// The sign-in form's label.
    pub token_label: &'static str,
    /// Its hint.
    pub token_placeholder: &'static str,
    /// The sign-in button.
    pub sign_in: &'static str,
    /// The sign-out button.
    pub sign_out: &'static str,
    /// A role's name.
    pub role: fn(Role) -> &'static str,
    /// Beside the role of a signed-in person.
    pub signed_in_as: &'static str,
    /// Viewer pages open to this machine without a token.
    pub loopback: &'static str,
    /// A sign-in that failed (the server's sentence follows).
    pub failed: &'static str,
    /// The dashboard, for the public: details need the viewer role.
    pub details_for_viewers: &'static str,
    /// The searches of everyone, for the public.
    pub searches_for_viewers: &'static str,
}

/// Words many pages use.
pub struct Common {
    /// While data loads.
    pub loading: &'static str,
    /// Badge: answered from the server's own memory.
    pub badge_near: &'static str,
    /// Badge: answered from Redis.
    pub badge_cache: &'static str,
    /// Badge: read from the database.
    pub badge_database: &'static str,
    /// The tiers in legends and tables.
    pub tier_near: &'static str,
    /// The Redis cache tier.
    pub tier_cache: &'static str,
    /// The database tier.
    pub tier_database: &'static str,
    /// A product that can be bought now.
    pub in_stock: &'static str,
    /// A product that cannot.
    pub out_of_stock: &'static str,
    /// Node roles.
    pub role_master: &'static str,
    /// A replica node.
    pub role_replica: &'static str,
    /// A node of unknown role.
    pub role_node: &'static str,
    /// A node that answers.
    pub state_up: &'static str,
    /// A node that does not.
    pub state_down: &'static str,
    /// The replication link, as a fact.
    pub link: &'static str,
    /// Why an input is refused (a bad price, too many words, a bad id).
    pub invalid: fn(&Invalid) -> String,
    /// A node's round trip, as a fact.
    pub latency: &'static str,
    /// The chart's gauge: aria label.
    pub gauge_label: &'static str,
    /// Under the gauge's percentage.
    pub gauge_caption: &'static str,
    /// The health verdict.
    pub status_ok: &'static str,
    /// Master up, a replica down.
    pub status_degraded: &'static str,
    /// Master down.
    pub status_down: &'static str,
    /// Before the first verdict.
    pub status_checking: &'static str,
}

/// The top bar.
pub struct Nav {
    /// Under the brand.
    pub tagline: &'static str,
    /// The navigation's aria label.
    pub main: &'static str,
    /// Link to `/`.
    pub search: &'static str,
    /// Link to `/dashboard`.
    pub dashboard: &'static str,
    /// Link to `/products`.
    pub products: &'static str,
    /// Link to `/keys`.
    pub keys: &'static str,
    /// The language switch's aria label.
    pub language: &'static str,
}

/// The search page.
pub struct Search {
    /// The search box's hint.
    pub placeholder: &'static str,
    /// The search box's label.
    pub input_label: &'static str,
    /// The button.
    pub submit: &'static str,
    /// The button while a lookup runs.
    pub searching: &'static str,
    /// The category list's label.
    pub category_label: &'static str,
    /// The first option: no category filter.
    pub all_categories: &'static str,
    /// Hint of the lowest price field.
    pub min_placeholder: &'static str,
    /// Label of the lowest price field.
    pub min_label: &'static str,
    /// Hint of the highest price field.
    pub max_placeholder: &'static str,
    /// Label of the highest price field.
    pub max_label: &'static str,
    /// The answer card's title.
    pub answer: &'static str,
    /// The answer card before the first search.
    pub answer_empty: &'static str,
    /// Before the cache key of a product answer.
    pub cache_entry: &'static str,
    /// `42 matching products`.
    pub matching: fn(u64, Locale) -> String,
    /// No product has this id: its word is searched instead.
    pub searched_as_word: fn(&str) -> String,
    /// Before the response time.
    pub time: &'static str,
    /// Before the TTL countdown.
    pub ttl: &'static str,
    /// The stats card's title.
    pub stats_title: &'static str,
    /// Stats: hits.
    pub hits: &'static str,
    /// Stats: misses.
    pub misses: &'static str,
    /// Stats: lookups.
    pub lookups: &'static str,
    /// The chart card's title.
    pub response_times: &'static str,
    /// The chart's aria label.
    pub chart_label: &'static str,
    /// Under the chart.
    pub chart_note: &'static str,
    /// The history card's title.
    pub recent: &'static str,
    /// The Mine/Everyone switch's label.
    pub whose: &'static str,
    /// This browser's searches.
    pub mine: &'static str,
    /// Everyone's searches.
    pub everyone: &'static str,
    /// An empty history.
    pub no_search: &'static str,
    /// Tooltip of a history entry.
    pub again: &'static str,
    /// A search without words.
    pub all_products: &'static str,
}

/// The topology panel.
pub struct Topology {
    /// Its title.
    pub title: &'static str,
    /// The button while live.
    pub pause: &'static str,
    /// The button while paused.
    pub resume: &'static str,
    /// `Every node is probed every 2 s.`
    pub probed_every: fn(u64) -> String,
    /// While paused.
    pub paused: &'static str,
    /// The health report could not be read.
    pub no_report: &'static str,
    /// The master does not answer.
    pub master_unreachable: &'static str,
    /// What to do about it, with the master's address.
    pub nothing_answers: fn(&str) -> String,
    /// A node in another role than configured: (configured, reported).
    pub unexpected_role: fn(&str, &str) -> String,
}

/// The dashboard.
pub struct Dashboard {
    /// Its title.
    pub title: &'static str,
    /// Time line: the app's hit ratio.
    pub series_app_ratio: &'static str,
    /// Time line: Redis' hit ratio.
    pub series_redis_ratio: &'static str,
    /// Time line suffixes: tier then percentile (`near p50`).
    pub series_p50: fn(&str) -> String,
    /// The 99th percentile.
    pub series_p99: fn(&str) -> String,
    /// Gauge: lookups answered without the database.
    pub gauge_lookups: &'static str,
    /// Gauge: Redis' own keyspace ratio.
    pub gauge_keyspace: &'static str,
    /// Tile: commands per second.
    pub ops: &'static str,
    /// Tile: Redis memory.
    pub memory: &'static str,
    /// Tile: Redis clients.
    pub clients: &'static str,
    /// Tile: keys in Redis.
    pub keys: &'static str,
    /// Tile: lookups answered.
    pub lookups: &'static str,
    /// Tile: requests refused by the rate limit.
    pub throttled: &'static str,
    /// The tier split's caption.
    pub answered_by: &'static str,
    /// The near tile's caption.
    pub near_title: &'static str,
    /// The near tier is switched off.
    pub near_off: &'static str,
    /// The near tier is waiting for its invalidation link.
    pub near_paused: &'static str,
    /// `entries · 1.2 MiB`.
    pub near_bytes: fn(&str) -> String,
    /// The note on the two hit ratios: (text, emphasis) in order.
    pub ratio_note: [(&'static str, bool); 5],
    /// Hit ratio chart: title.
    pub ratio_chart: &'static str,
    /// Hit ratio chart: aria label.
    pub ratio_chart_label: &'static str,
    /// Latency chart: title.
    pub latency_chart: &'static str,
    /// Latency chart: aria label.
    pub latency_chart_label: &'static str,
    /// The replication card's title.
    pub replication: &'static str,
    /// `cache reads from replica`.
    pub reads_from: fn(&str) -> String,
    /// The live lookups card's title.
    pub live_lookups: &'static str,
    /// Feed: opening.
    pub feed_connecting: &'static str,
    /// Feed: open.
    pub feed_live: &'static str,
    /// Feed: closed, retrying in (seconds, attempt).
    pub feed_reconnecting: fn(f64, u32, Locale) -> String,
    /// Before the first tick.
    pub waiting: &'static str,
    /// `Redis master 127.0.0.1:6379 is down: …` (role, address, error).
    pub node_down: fn(&str, &str, &str) -> String,
    /// A replica catching up (address).
    pub syncing: fn(&str) -> String,
    /// A replica without link (address).
    pub no_link: fn(&str) -> String,
    /// No alert.
    pub all_clear: &'static str,
    /// Node facts.
    pub offset: &'static str,
    /// Bytes behind the master.
    pub behind: &'static str,
    /// Time since the last heartbeat.
    pub heartbeat: &'static str,
    /// Replication lag.
    pub lag: &'static str,
    /// Time since the last I/O with the master.
    pub last_io: &'static str,
    /// `12 s ago`.
    pub seconds_ago: fn(u64) -> String,
}

/// The Sentinel banner and panel.
pub struct Sentinel {
    /// Banner: a failover runs.
    pub in_progress: &'static str,
    /// What that means.
    pub in_progress_body: &'static str,
    /// Banner: a failover just ended.
    pub complete: &'static str,
    /// (new master, old master, duration).
    pub complete_body: fn(&str, &str, &str) -> String,
    /// Banner: no majority.
    pub no_quorum_title: &'static str,
    /// (detail).
    pub no_quorum_body: fn(&str) -> String,
    /// Pill: (up, total).
    pub quorum_ok: fn(usize, usize) -> String,
    /// Pill: (up, total).
    pub quorum_missing: fn(usize, usize) -> String,
    /// `master name mymaster`.
    pub master_name: fn(&str) -> String,
    /// A Sentinel's role word.
    pub role: &'static str,
    /// The master a Sentinel names.
    pub master: &'static str,
    /// The history's title.
    pub failovers: &'static str,
    /// No failover yet.
    pub none_yet: &'static str,
    /// Column: when.
    pub when: &'static str,
    /// Column: old master.
    pub from: &'static str,
    /// Column: new master.
    pub to: &'static str,
    /// Column: duration.
    pub took: &'static str,
}

/// The product pages.
pub struct Products {
    /// The listing's title.
    pub title: &'static str,
    /// The sort switch's label.
    pub sort_label: &'static str,
    /// Cheapest first.
    pub price_asc: &'static str,
    /// Dearest first.
    pub price_desc: &'static str,
    /// Under the title.
    pub intro: &'static str,
    /// While the listing loads.
    pub loading: &'static str,
    /// The listing failed.
    pub cannot_list: &'static str,
    /// The category chips' label.
    pub categories: &'static str,
    /// The chip without filter.
    pub all: &'static str,
    /// `1–24 of 312 products` (first, last, total).
    pub count: fn(u64, u64, u64, Locale) -> String,
    /// Nothing matches.
    pub none: &'static str,
    /// Paging.
    pub previous: &'static str,
    /// Paging.
    pub next: &'static str,
    /// Back from a product.
    pub back: &'static str,
    /// Detail facts.
    pub id: &'static str,
    /// Its category.
    pub category: &'static str,
    /// Its stock.
    pub stock: &'static str,
    /// Its key in the Redis product database.
    pub redis_key: &'static str,
    /// Tooltip of the source badge.
    pub served_by: &'static str,
}

/// The key browser.
pub struct Keys {
    /// Its title.
    pub title: &'static str,
    /// Under the title.
    pub intro: &'static str,
    /// The pattern box's label.
    pub pattern_label: &'static str,
    /// Its hint.
    pub pattern_placeholder: &'static str,
    /// The type filter's label.
    pub type_label: &'static str,
    /// No type filter.
    pub all_types: &'static str,
    /// The button.
    pub scan: &'static str,
    /// While the first step runs.
    pub scanning: &'static str,
    /// (total, pattern).
    pub total: fn(u64, &str, Locale) -> String,
    /// Paging.
    pub load_more: &'static str,
    /// While a step runs.
    pub loading: &'static str,
    /// Columns.
    pub key: &'static str,
    /// Column: type.
    pub kind: &'static str,
    /// Column: time to live.
    pub ttl: &'static str,
    /// Column: memory.
    pub size: &'static str,
    /// No key found yet.
    pub none: &'static str,
    /// A key without expiry.
    pub no_ttl: &'static str,
    /// A string's length.
    pub bytes: fn(u64, Locale) -> String,
    /// A collection's length.
    pub elements: fn(u64, Locale) -> String,
    /// A value cut to its first part.
    pub truncated: &'static str,
    /// One element cut: (its true size).
    pub element_cut: fn(u64, Locale) -> String,
    /// Keys of this step the caller's role does not see: (how many).
    pub hidden: fn(u64, Locale) -> String,
    /// Eviction: the token field.
    pub admin_token: &'static str,
    /// Eviction: the button.
    pub evict: &'static str,
    /// Eviction done.
    pub evicted: &'static str,
    /// Nothing to evict.
    pub already_gone: &'static str,
    /// Link to look the product up again.
    pub look_up: &'static str,
}

/// The page for unknown routes.
pub struct NotFound {
    /// Its title.
    pub title: &'static str,
    /// Its sentence.
    pub body: &'static str,
    /// Its link home.
    pub back: &'static str,
}

impl Common {
    /// A source's badge word.
    pub fn badge(&self, source: crate::types::Source) -> &'static str {
        use crate::types::Source;
        match source {
            Source::Near => self.badge_near,
            Source::Cache => self.badge_cache,
            Source::Database => self.badge_database,
        }
    }

    /// A source's word in legends (`near`, `cache`, `database`).
    pub fn tier(&self, source: crate::types::Source) -> &'static str {
        use crate::types::Source;
        match source {
            Source::Near => self.tier_near,
            Source::Cache => self.tier_cache,
            Source::Database => self.tier_database,
        }
    }

    /// A node's role word (`node` when unknown).
    pub fn role(&self, role: Option<crate::types::NodeRole>) -> &'static str {
        use crate::types::NodeRole;
        match role {
            Some(NodeRole::Master) => self.role_master,
            Some(NodeRole::Replica) => self.role_replica,
            None => self.role_node,
        }
    }

    /// `up` or `down`.
    pub fn state(&self, up: bool) -> &'static str {
        if up {
            self.state_up
        } else {
            self.state_down
        }
    }
}
