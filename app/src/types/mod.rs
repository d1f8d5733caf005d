//! JSON types of the HTTP API, shared by the server (which produces them) and
//! the browser (which reads them), so both sides agree by construction.

mod error;
mod ha;
mod health;
mod id;
mod invalid;
mod keys;
mod locale;
mod lookup;
mod metrics;
mod money;
mod product;
mod query;
mod session;

pub use error::{ApiErrorBody, ApiFailure, WriteOutcome};
pub use id::{ProductId, MAX_ID_LEN};
pub use invalid::Invalid;
pub use keys::{
    validate_key, KeyDeleted, KeyInfo, KeyItem, KeyPage, KeyQuery, KeyType, KeyValue,
    DEFAULT_SCAN_COUNT, MAX_ANSWER_BYTES, MAX_ELEMENT_BYTES, MAX_ITEMS, MAX_KEY_LEN,
    MAX_PATTERN_LEN, MAX_SCAN_COUNT, MAX_VIEWER_SCAN_COUNT,
};
pub use locale::{Locale, LocaleChoice, LOCALE_COOKIE, MAX_BACK_LEN};
pub use money::{Cents, Round};
pub use query::{
    percent_encode, tokenize, ListQuery, LookupQuery, SearchParams, DEFAULT_LIMIT,
    DEFAULT_SEARCH_LIMIT, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_WORD_LEN,
};
pub use session::{
    Credential, Role, SessionInfo, SignIn, ViewerAccess, CSRF_HEADER, MAX_TOKEN_LEN, SESSION_COOKIE,
};

pub use ha::{Failover, HaStatus, SentinelStatus};
pub use health::{
    HealthReport, HealthStatus, LinkStatus, NearHealth, NodeHealth, NodeRole, StoreHealth,
};
pub use lookup::{
    HistoryEntry, LatencyBySource, LatencySummary, ProductLookup, ProductMissing, SearchResult,
    Source, Stats, StatsReset,
};
pub use metrics::{
    MetricsTick, NodeMetrics, Replication, ReplicationNode, ServerMessage, TickPoint, RECENT_TICKS,
};
pub use product::{
    validate_category, CategoryCount, DbProduct, PriceOrder, Product, ProductDeleted, ProductPage,
    ProductWritten, StoreKind, MAX_CATEGORY_LEN, MAX_FEATURES, MAX_FEATURE_LEN, MAX_NAME_LEN,
};
