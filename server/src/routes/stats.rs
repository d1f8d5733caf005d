//! `GET /api/stats`, `GET /api/history`, and the admin `POST /api/stats/reset`.

use super::admin::Admin;
use crate::{error::ApiError, state::AppState};
use app::types::{HistoryEntry, Stats};
use axum::{extract::State, Json};

/// Hits, misses, hit ratio and latency percentiles of every instance.
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(state.stats.stats().await?))
}

/// The recent lookups, newest first.
pub async fn history(State(state): State<AppState>) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    Ok(Json(state.stats.history().await?))
}

/// Forgets every count and the history (admin).
pub async fn reset(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.stats.reset().await?;
    Ok(Json(serde_json::json!({ "reset": true })))
}
