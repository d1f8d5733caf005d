//! Why a lookup or a write through the cache failed. Cloneable (the causes
//! are shared), so one failed database read answers every request that
//! waited for it; the HTTP mapping is the routes' (`crate::error`).

use crate::{store::StoreFailure, topology::StoreError};
use std::sync::Arc;

/// A lookup or write the cache could not complete.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CacheError {
    /// A Redis call failed (the cache itself, or a read of it).
    #[error(transparent)]
    Redis(Arc<StoreError>),
    /// The system of record failed (a read, or a write: refused or unknown).
    #[error(transparent)]
    Store(Arc<StoreFailure>),
    /// The built-in catalog is still being loaded: an absent id may be
    /// about to exist, so it is not called missing.
    #[error(
        "the server is starting: the built-in catalog is still being loaded; retry in a moment"
    )]
    Starting,
    /// Every node that could answer is behind this server's own writes or
    /// answers for the key (replica reads); see `cache/floors.rs`.
    #[error("no node could answer: the master failed and the replicas are behind this server's own writes")]
    ReplicaBehind,
    /// A stored product or cached page is not what we write (edited by
    /// hand, or corrupt): never sent to a client.
    #[error("the stored product {id:?} is not valid product JSON: {why}")]
    Corrupt {
        /// The product id (or search) whose data is broken.
        id: String,
        /// The decoder's sentence.
        why: String,
    },
}

impl From<StoreError> for CacheError {
    fn from(error: StoreError) -> Self {
        CacheError::Redis(Arc::new(error))
    }
}

impl From<StoreFailure> for CacheError {
    fn from(error: StoreFailure) -> Self {
        CacheError::Store(Arc::new(error))
    }
}

impl CacheError {
    /// Whether a Redis connection broke under the call (a read may try once
    /// more: the next call re-dials).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, CacheError::Redis(error) if error.is_connection_lost())
    }
}
