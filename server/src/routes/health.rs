//! `GET /api/health`: 200 when the master answers, 503 otherwise; the body
//! lists every node and the product store either way (for the public, roles
//! and states without addresses or error sentences).

use crate::state::AppState;
use app::types::{HealthReport, HealthStatus, Role, StoreHealth};
use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    Json,
};

/// Probes every node concurrently; answers within one Redis timeout.
#[utoipa::path(get, path = "/api/health", tag = "topology",
    responses((status = 200, description = "The master answers", body = HealthReport),
              (status = 503, description = "The master does not answer, or the server is still loading the built-in catalog (`ready: false`)", body = HealthReport)))]
pub async fn health(
    State(state): State<AppState>,
    parts: Parts,
) -> (StatusCode, Json<HealthReport>) {
    // A caller that cannot be told (a wrong token, sessions unreadable with
    // Redis down) is public: health answers whatever else fails.
    let (caller, (report, store)) = tokio::join!(state.access.caller(&parts), async {
        tokio::join!(state.topology.health(), state.db.ping())
    });
    let viewer = caller.is_ok_and(|c| c.role >= Role::Viewer);
    let store = match store {
        // The Redis store is the master.
        None => {
            let master = report.nodes.first();
            StoreHealth {
                kind: state.db.kind(),
                up: master.is_some_and(|m| m.up),
                latency_us: master.and_then(|m| m.latency_us),
                error: master.and_then(|m| m.error.clone()),
            }
        }
        Some(Ok(latency)) => StoreHealth {
            kind: state.db.kind(),
            up: true,
            latency_us: Some(latency.as_micros() as u64),
            error: None,
        },
        Some(Err(error)) => StoreHealth {
            kind: state.db.kind(),
            up: false,
            latency_us: None,
            error: Some(error.to_string()),
        },
    };
    let mut report = report.with_store(store);
    report.near = Some(state.cache.near().health());
    report.ready = state.cache.readiness().is_ready();
    let status = match report.status {
        HealthStatus::Down => StatusCode::SERVICE_UNAVAILABLE,
        _ if !report.ready => StatusCode::SERVICE_UNAVAILABLE,
        HealthStatus::Ok | HealthStatus::Degraded => StatusCode::OK,
    };
    (
        status,
        Json(if viewer { report } else { report.public_view() }),
    )
}
