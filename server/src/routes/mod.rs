//! The JSON API under `/api`, one module per resource.

pub mod client_ip;
pub(crate) mod db;
mod extract;
pub(crate) mod guards;
pub(crate) mod health;
pub mod hosts;
pub(crate) mod keys;
pub mod limits;
pub(crate) mod live;
pub(crate) mod locale;
pub(crate) mod lookup;
mod prometheus;
pub mod rate_limit;
pub mod security_headers;
pub(crate) mod session;
pub(crate) mod stats;

use crate::{error::ApiError, state::AppState};
use axum::{
    extract::DefaultBodyLimit,
    routing::{any, get, post},
    Router,
};

/// Largest request body the API reads (a product is well under 8 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `GET /ws`: the live feed, `GET /metrics` for Prometheus (outside
/// `/api`, as the contract names them), and `GET /locale`, the language
/// switch of the pages.
pub fn ws() -> Router<AppState> {
    Router::new()
        .route("/ws", get(live::ws))
        .route("/metrics", get(prometheus::metrics))
        .route("/locale", get(locale::switch))
}

/// Every `/api` route, with its full path: merged into the app's router
/// rather than nested, so a request passes one router, not two (nesting
/// cost ~5% of a cache hit). Unknown API paths get a JSON 404, never the
/// HTML app.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health::health))
        .route(
            "/api/db/product/{id}",
            get(db::get_product)
                .put(db::put_product)
                .delete(db::delete_product),
        )
        .route("/api/db/products", get(db::list_products))
        .route("/api/db/categories", get(db::categories))
        .route("/api/products/{id}", get(lookup::product))
        .route("/api/search", get(lookup::search))
        .route("/api/stats", get(stats::stats))
        .route("/api/stats/reset", post(stats::reset))
        .route("/api/history", get(stats::history))
        .route("/api/replication", get(live::replication))
        .route("/api/keys", get(keys::list).delete(keys::delete))
        .route("/api/keys/value", get(keys::value))
        .route(
            "/api/session",
            get(session::who)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/api/openapi.json", get(openapi_json))
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
        )
        .route("/api", any(no_such_route))
        .route("/api/", any(no_such_route))
        .route("/api/{*rest}", any(no_such_route))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// `GET /api/openapi.json`: the generated document (see [`crate::openapi`]).
async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    axum::Json(crate::openapi::ApiDoc::openapi())
}

async fn no_such_route() -> ApiError {
    ApiError::NotFound("no such API route".to_string())
}
