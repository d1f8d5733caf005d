//! The API's error type: every failure a handler can meet, each mapped to a
//! fitting HTTP status and a JSON body `{"error": "<human sentence>"}`.

use crate::{
    cache::CacheError, catalog::CatalogError, postgres::PgError, store::StoreFailure,
    topology::StoreError,
};
use app::types::ApiErrorBody;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

/// A request that cannot be answered, and why. Cloneable, so one failed
/// database read can answer every request that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The request itself is wrong (bad id, bad query, bad body).
    #[error("{0}")]
    BadRequest(String),
    /// An input broke one of the shared rules (`app::types::Invalid`).
    #[error("{0}")]
    Invalid(#[from] app::types::Invalid),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A viewer or admin route was called without credentials (the
    /// sentence says which role and how to sign in).
    #[error("{0}")]
    Unauthorized(String),
    /// An admin route was called with a wrong token, or writes are disabled.
    #[error("{0}")]
    Forbidden(String),
    /// The framework refused the request before a handler ran (body too
    /// large, wrong content type, not a WebSocket upgrade); the status is the
    /// framework's.
    #[error("{1}")]
    Rejected(StatusCode, String),
    /// The method is not one the route answers.
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    /// The request target is longer than we read.
    #[error("the request target is limited to {0} bytes")]
    UriTooLong(usize),
    /// The request head has too many or too large header lines.
    #[error("request headers are limited to {lines} lines and {bytes} bytes")]
    HeadersTooLarge {
        /// Most header lines.
        lines: usize,
        /// Most bytes of headers in all.
        bytes: usize,
    },
    /// The client is over its rate or its share of live connections.
    #[error("{0}")]
    TooManyRequests(String),
    /// The request was not answered within `REQUEST_TIMEOUT_MS`.
    #[error("the request took longer than {0} ms")]
    TimedOut(u128),
    /// The server is at a capacity bound (live clients) or has nothing to
    /// show yet (no metrics collected): try again shortly.
    #[error("{0}")]
    Busy(String),
    /// Redis did not answer or failed (the driver's sentence).
    #[error("Redis is unavailable: {0}")]
    Unavailable(String),
    /// A write was refused and not applied (`READONLY`, `NOREPLICAS`, a
    /// failover under way): retrying later is safe.
    #[error("the write was refused and not applied: {0}")]
    WriteRefused(String),
    /// A write was sent and no answer came: it may or may not have been
    /// applied. Its own status (504), so a client never takes it for a
    /// refusal.
    #[error("the write's outcome is unknown: {0}. It may have been applied: read the product back before retrying")]
    OutcomeUnknown(String),
    /// The PostgreSQL store did not answer in time or cannot be reached (a
    /// sentence that names PostgreSQL).
    #[error("{0}")]
    StoreUnavailable(String),
    /// The connection broke under the call; the next call re-dials, so a
    /// read may try once more (see [`ApiError::is_connection_lost`]).
    #[error("Redis is unavailable: {0}")]
    ConnectionLost(String),
    /// A replica has not reached what this server wrote or answered for a
    /// key (replica reads): the read goes elsewhere, and this error only
    /// reaches a client when no node could answer.
    #[error("no node could answer: the master failed and the replicas are behind this server's own writes")]
    ReplicaBehind,
    /// Our own data is broken (a stored product that is not valid JSON).
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::from_redis(&error)
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        ApiError::from_catalog(&error)
    }
}

impl From<PgError> for ApiError {
    fn from(error: PgError) -> Self {
        ApiError::from_postgres(&error)
    }
}

impl From<StoreFailure> for ApiError {
    fn from(error: StoreFailure) -> Self {
        ApiError::from_store(&error)
    }
}

impl From<CacheError> for ApiError {
    fn from(error: CacheError) -> Self {
        match error {
            CacheError::Redis(redis) => ApiError::from_redis(&redis),
            CacheError::Store(store) => ApiError::from_store(&store),
            starting @ CacheError::Starting => ApiError::Busy(starting.to_string()),
            CacheError::ReplicaBehind => ApiError::ReplicaBehind,
            corrupt @ CacheError::Corrupt { .. } => ApiError::Internal(corrupt.to_string()),
        }
    }
}

/// The mappings by reference: the cache's causes are shared (`Arc`).
impl ApiError {
    fn from_redis(error: &StoreError) -> Self {
        if error.is_connection_lost() {
            ApiError::ConnectionLost(error.to_string())
        } else {
            ApiError::Unavailable(error.to_string())
        }
    }

    fn from_catalog(error: &CatalogError) -> Self {
        match error {
            CatalogError::Store(store @ StoreError::NotWritable { .. }) => {
                ApiError::WriteRefused(store.to_string())
            }
            CatalogError::Store(store) => ApiError::from_redis(store),
            CatalogError::OutcomeUnknown(store) => ApiError::OutcomeUnknown(store.to_string()),
            refused @ (CatalogError::FailoverInProgress | CatalogError::Contended) => {
                ApiError::WriteRefused(refused.to_string())
            }
            corrupt @ CatalogError::Corrupt { .. } => ApiError::Internal(corrupt.to_string()),
        }
    }

    fn from_postgres(error: &PgError) -> Self {
        if error.is_unavailable() {
            ApiError::StoreUnavailable(error.to_string())
        } else {
            ApiError::Internal(error.to_string())
        }
    }

    fn from_store(error: &StoreFailure) -> Self {
        match error {
            StoreFailure::Redis(redis) => ApiError::from_catalog(redis),
            StoreFailure::Postgres(pg) => ApiError::from_postgres(pg),
            StoreFailure::PostgresWrite(pg) if pg.outcome_unknown() => {
                ApiError::OutcomeUnknown(pg.to_string())
            }
            StoreFailure::PostgresWrite(pg) if pg.is_unavailable() => {
                ApiError::WriteRefused(pg.to_string())
            }
            StoreFailure::PostgresWrite(pg) => ApiError::from_postgres(pg),
        }
    }
}

impl ApiError {
    /// Whether a Redis connection broke under the call (worth one retry for
    /// a read).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, ApiError::ConnectionLost(_))
    }

    /// For a write that did not succeed: refused or unknown.
    pub fn outcome(&self) -> Option<app::types::WriteOutcome> {
        match self {
            ApiError::WriteRefused(_) => Some(app::types::WriteOutcome::Refused),
            ApiError::OutcomeUnknown(_) => Some(app::types::WriteOutcome::Unknown),
            _ => None,
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Rejected(status, _) => *status,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TimedOut(_) | ApiError::Busy(_) | ApiError::ReplicaBehind => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Unavailable(_)
            | ApiError::ConnectionLost(_)
            | ApiError::StoreUnavailable(_)
            | ApiError::WriteRefused(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::OutcomeUnknown(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        let mut response = (
            status,
            Json(ApiErrorBody {
                error: self.to_string(),
                outcome: self.outcome(),
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fit_the_error() {
        assert_eq!(
            ApiError::BadRequest("x".into()).status(),
            StatusCode::BAD_REQUEST
        );
        let refused = ApiError::from(app::types::Invalid::Order);
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(refused.to_string(), "order must be price_asc or price_desc");
        assert_eq!(
            ApiError::NotFound("x".into()).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::Unauthorized(String::new()).status(),
            StatusCode::UNAUTHORIZED
        );
        let timeout = StoreError::Timeout {
            addr: "127.0.0.1:1".into(),
            ms: 500,
        };
        let e = ApiError::from(timeout);
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            e.to_string(),
            "Redis is unavailable: Redis at 127.0.0.1:1 did not answer within 500 ms"
        );
    }

    #[test]
    fn a_write_that_timed_out_is_unknown_and_a_refusal_is_not() {
        let timeout = || StoreError::Timeout {
            addr: "10.0.0.1:6379".into(),
            ms: 750,
        };
        let unknown = ApiError::from(CatalogError::OutcomeUnknown(timeout()));
        assert_eq!(unknown.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(unknown.outcome(), Some(app::types::WriteOutcome::Unknown));
        assert!(
            unknown.to_string().contains("may have been applied"),
            "{unknown}"
        );
        let refused = ApiError::from(CatalogError::Store(StoreError::NotWritable {
            addr: "10.0.0.1:6379".into(),
            refusal: crate::topology::Refusal::NoReplicas,
        }));
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.outcome(), Some(app::types::WriteOutcome::Refused));
        let fenced = ApiError::from(CatalogError::FailoverInProgress);
        assert_eq!(fenced.outcome(), Some(app::types::WriteOutcome::Refused));
        // A read's timeout says nothing of outcomes.
        assert_eq!(ApiError::from(timeout()).outcome(), None);
        assert!(timeout().outcome_unknown());
    }
}
