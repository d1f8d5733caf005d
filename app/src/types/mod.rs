//! JSON types of the HTTP API, shared by the server (which produces them) and
//! the browser (which reads them), so both sides agree by construction.

mod health;

pub use health::{HealthReport, HealthStatus, NodeHealth, NodeRole};

/// Body of every API error: `{"error": "<human sentence>"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiErrorBody {
    /// A sentence a person can act on.
    pub error: String,
}
