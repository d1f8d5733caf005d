//! The JSON API under `/api`, one module per resource.

mod health;

use crate::{error::ApiError, state::AppState};
use axum::{routing::get, Router};

/// Every `/api` route. Unknown API paths get a JSON 404, never the HTML app.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .fallback(|| async { ApiError::NotFound("no such API route".to_string()) })
}
