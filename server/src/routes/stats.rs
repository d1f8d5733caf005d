//! `GET /api/stats` (aggregate: public), `GET /api/history` (everyone's
//! recent searches: viewers), and the admin `POST /api/stats/reset`.

use super::guards::{Admin, Viewer};
use crate::{error::ApiError, state::AppState};
use app::types::{ApiErrorBody, HistoryEntry, Stats, StatsReset};
use axum::{extract::State, Json};

/// Hits, misses, hit ratio and latency percentiles of every instance.
#[utoipa::path(get, path = "/api/stats", tag = "stats",
    responses((status = 200, body = Stats), (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(state.stats.stats().await?))
}

/// The recent lookups of every client, newest first (viewers: what people
/// search for is theirs, not the public's).
#[utoipa::path(get, path = "/api/history", tag = "stats", security(("viewer" = [])),
    responses((status = 200, body = Vec<HistoryEntry>),
              (status = 401, description = "Not signed in as a viewer", body = ApiErrorBody),
              (status = 403, description = "Wrong token, or viewer pages closed", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn history(
    _viewer: Viewer,
    State(state): State<AppState>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    Ok(Json(state.stats.history().await?))
}

/// Forgets every count and the history (admin).
#[utoipa::path(post, path = "/api/stats/reset", tag = "stats", security(("admin" = [])),
    responses((status = 200, description = "Forgotten", body = StatsReset),
              (status = 401, description = "No token", body = ApiErrorBody),
              (status = 403, description = "Wrong token or read-only server", body = ApiErrorBody), (status = 429, description = "Rate limited", body = ApiErrorBody), (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn reset(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<StatsReset>, ApiError> {
    state.stats.reset().await?;
    Ok(Json(StatsReset { reset: true }))
}
