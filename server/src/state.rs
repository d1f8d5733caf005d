//! What every handler shares: the configuration, the Redis topology and the
//! Leptos options.

use crate::{
    cache::Cache, config::Config, hub::Hub, stats::Recorder, store::Store, topology::Topology,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::{ops::Deref, sync::Arc};

/// Shared application state. Axum clones the state for every request, so it
/// is one `Arc` (one atomic increment per request, not one per field).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// Wraps the shared parts.
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    /// The settings the server was started with.
    pub config: Config,
    /// Connections to the Redis master and replicas.
    pub topology: Topology,
    /// The system of record (Redis or PostgreSQL).
    pub db: Store,
    /// Cache-aside lookups in front of `db`.
    pub cache: Cache,
    /// Lookup statistics shared through Redis.
    pub stats: Arc<Recorder>,
    /// Per-client rate limits (`None`: off).
    pub limiter: Option<Arc<crate::ratelimit::RateLimiter>>,
    /// Live metrics and lookup events for WebSocket clients.
    pub hub: Arc<Hub>,
    /// Who may see and do what (tokens, sessions, the loopback rule).
    pub access: crate::auth::Access,
    /// Which keys the key browser shows to whom.
    pub key_policy: crate::keybrowser::KeyPolicy,
    /// Where the site's files are and how pages link to them.
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
