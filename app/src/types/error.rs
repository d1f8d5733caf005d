//! API errors as both sides see them: the body every error answer carries,
//! and a failed call with its HTTP status, so a page tells "not found" from
//! "Redis is down" by status, never by the words of the message.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Body of every API error: `{"error": "<human sentence>"}`, plus
/// `"outcome"` on a write that was not answered with success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// A sentence a person can act on.
    pub error: String,
    /// For a write: whether it was refused (not applied) or its outcome is
    /// unknown (sent, and no answer came: it may have been applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<WriteOutcome>,
}

impl ApiErrorBody {
    /// A body with only a sentence.
    pub fn new(error: impl Into<String>) -> Self {
        ApiErrorBody {
            error: error.into(),
            outcome: None,
        }
    }
}

/// What became of a write the server could not confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    /// Not applied: safe to retry.
    Refused,
    /// Sent, then no answer (a timeout, a connection lost): it may have
    /// been applied. Read it back before deciding to retry.
    Unknown,
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
