//! `GET /api/health`: 200 when the master answers, 503 otherwise; the body
//! lists every node either way.

use crate::state::AppState;
use app::types::{HealthReport, HealthStatus};
use axum::{extract::State, http::StatusCode, Json};

/// Probes every node concurrently; answers within one Redis timeout.
#[utoipa::path(get, path = "/api/health", tag = "topology",
    responses((status = 200, description = "The master answers", body = HealthReport),
              (status = 503, description = "The master does not answer", body = HealthReport)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let report = state.topology.health().await;
    let status = match report.status {
        HealthStatus::Down => StatusCode::SERVICE_UNAVAILABLE,
        HealthStatus::Ok | HealthStatus::Degraded => StatusCode::OK,
    };
    (status, Json(report))
}
