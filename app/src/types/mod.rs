//! JSON types of the HTTP API, shared by the server (which produces them) and
//! the browser (which reads them), so both sides agree by construction.

mod ha;
mod health;
mod lookup;
mod metrics;
mod product;

pub use ha::{Failover, HaStatus, SentinelStatus};
pub use health::{HealthReport, HealthStatus, NodeHealth, NodeRole};
pub use lookup::{
    HistoryEntry, LatencyBySource, LatencySummary, ProductLookup, SearchResult, Source, Stats,
};
pub use metrics::{MetricsTick, NodeMetrics, Replication, ReplicationNode, ServerMessage};
pub use product::{
    validate_category, validate_id, validate_price, CategoryCount, DbProduct, Invalid, PriceOrder,
    Product, ProductDeleted, ProductPage, ProductWritten, MAX_CATEGORY_LEN, MAX_FEATURES,
    MAX_FEATURE_LEN, MAX_ID_LEN, MAX_NAME_LEN, MAX_PRICE,
};

/// Body of every API error: `{"error": "<human sentence>"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// A sentence a person can act on.
    pub error: String,
}
