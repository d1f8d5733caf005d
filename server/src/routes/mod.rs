//! The JSON API under `/api`, one module per resource.

mod admin;
mod db;
mod extract;
mod health;
pub mod limits;
mod live;
mod lookup;
mod stats;

use crate::{error::ApiError, state::AppState};
use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};

/// Largest request body the API reads (a product is well under 8 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `GET /ws`: the live feed (outside `/api`, as the contract names it).
pub fn ws() -> Router<AppState> {
    Router::new().route("/ws", get(live::ws))
}

/// Every `/api` route. Unknown API paths get a JSON 404, never the HTML app.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route(
            "/db/product/{id}",
            get(db::get_product)
                .put(db::put_product)
                .delete(db::delete_product),
        )
        .route("/db/products", get(db::list_products))
        .route("/db/categories", get(db::categories))
        .route("/products/{id}", get(lookup::product))
        .route("/search", get(lookup::search))
        .route("/stats", get(stats::stats))
        .route("/stats/reset", post(stats::reset))
        .route("/history", get(stats::history))
        .route("/replication", get(live::replication))
        .fallback(|| async { ApiError::NotFound("no such API route".to_string()) })
        .method_not_allowed_fallback(|| async {
            ApiError::Rejected(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this method is not allowed on this route".to_string(),
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
