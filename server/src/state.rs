//! What every handler shares: the configuration, the Redis topology and the
//! Leptos options.

use crate::{
    cache::Cache, catalog::ProductDb, config::Config, metrics::Hub, stats::Recorder,
    topology::Topology,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    /// The settings the server was started with.
    pub config: Arc<Config>,
    /// Connections to the Redis master and replicas.
    pub topology: Topology,
    /// The product database (on the master).
    pub db: ProductDb,
    /// Cache-aside lookups in front of `db`.
    pub cache: Arc<Cache>,
    /// Lookup statistics shared through Redis.
    pub stats: Arc<Recorder>,
    /// Live metrics and lookup events for WebSocket clients.
    pub hub: Arc<Hub>,
    /// Where the site's files are and how pages link to them.
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
