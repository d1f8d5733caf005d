//! The JSON API under `/api`, one module per resource.

mod body;
pub mod client_ip;
pub(crate) mod db;
mod extract;
pub mod guard;
pub(crate) mod guards;
pub(crate) mod health;
pub mod hosts;
pub(crate) mod keys;
pub mod limits;
pub(crate) mod live;
pub(crate) mod locale;
pub(crate) mod lookup;
pub mod openapi;
pub mod product_lane;
mod prometheus;
pub mod rate_limit;
pub mod security_headers;
pub(crate) mod session;
pub(crate) mod stats;

use crate::{error::ApiError, state::AppState};
use axum::{
    extract::DefaultBodyLimit,
    routing::{any, get},
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

/// Answers larger than this are compressed for a client that accepts it
/// (smaller ones gain less than the work costs).
pub const COMPRESS_ABOVE_BYTES: u16 = 1024;

/// Every `/api` route, with its full path: merged into the app's router
/// rather than nested, so a request passes one router, not two (nesting
/// cost ~5% of a cache hit). Unknown API paths get a JSON 404, never the
/// HTML app.
pub fn api() -> Router<AppState> {
    let (documented, _) = openapi::documented().split_for_parts();
    documented
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

/// `GET /api/openapi.json`: the document [`openapi::documented`] collects, built and
/// serialized once.
async fn openapi_json() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        openapi::json(),
    )
}

async fn no_such_route() -> ApiError {
    ApiError::NotFound("no such API route".to_string())
}
