//! `GET /metrics`: Prometheus' text format (see
//! [`crate::metrics::prometheus`]). Served at the root, where scrapers look.
//! It names every node and its figures, so it is for viewers: a scraper
//! sends the viewer token as a bearer token (no Redis call to check it).

use super::guards::Viewer;
use crate::{error::ApiError, hub::MAX_CLIENTS, metrics::prometheus, state::AppState};
use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

/// The OpenMetrics content type Prometheus asks for.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Renders every series from in-process counters and the last tick: no
/// Redis call, so a scrape costs nothing when Redis is slow or down.
pub async fn metrics(_viewer: Viewer, State(state): State<AppState>) -> Result<Response, ApiError> {
    let tick = state.hub.latest();
    let ha = state.topology.ha_status();
    let snapshot = prometheus::Snapshot {
        tick: tick.as_deref(),
        ha: ha.as_ref(),
        websocket_clients: MAX_CLIENTS.saturating_sub(state.hub.clients.available_permits()) as u64,
        refused_connections: crate::serve::REFUSED_CONNECTIONS
            .load(std::sync::atomic::Ordering::Relaxed),
        flights: state.cache.flights_in_progress() as u64,
    };
    let text = prometheus::render(&state.stats.telemetry, &snapshot)
        .map_err(|e| ApiError::Internal(format!("cannot render the metrics: {e}")))?;
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
