//! API errors as both sides see them: the body every error answer carries,
//! and a failed call with its HTTP status, so a page tells "not found" from
//! "Redis is down" by status, never by the words of the message.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Body of every API error: `{"error": "<human sentence>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// A sentence a person can act on.
    pub error: String,
}

/// A call to the API that did not give the data asked for. Serializable, so
/// a page rendered on the server hands the same failure to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiFailure {
    /// The HTTP status, or `None` when no answer came (network down).
    pub status: Option<u16>,
    /// The server's sentence, or ours when it gave none.
    pub error: String,
}

impl ApiFailure {
    /// No HTTP answer at all.
    pub fn unreachable(error: impl Into<String>) -> Self {
        ApiFailure {
            status: None,
            error: error.into(),
        }
    }

    /// The thing asked for does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)
    }
}

impl std::error::Error for ApiFailure {}
