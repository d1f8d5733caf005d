//! Cache-aside routes: `GET /api/products/{id}` and `GET /api/search`.

use super::extract::{ApiPath, ApiQuery};
use crate::{catalog::search::SearchQuery, error::ApiError, state::AppState};
use app::types::{validate_id, ProductLookup, SearchResult};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use std::collections::HashMap;

/// `{"data", "source", "elapsed_us", "ttl_s"}`; a 404 still says where the
/// answer came from (a negative cache entry, or the database).
pub async fn product(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    validate_id(&id).map_err(ApiError::BadRequest)?;
    let lookup = state.cache.product(&id).await?;
    Ok(match lookup.value {
        Some(data) => Json(ProductLookup {
            data,
            source: lookup.source,
            elapsed_us: lookup.elapsed_us,
            ttl_s: lookup.ttl_s,
        })
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({
                "error": format!("product {id:?} not found"),
                "source": lookup.source,
                "elapsed_us": lookup.elapsed_us,
                "ttl_s": lookup.ttl_s,
            })),
        )
            .into_response(),
    })
}

/// `{"items", "total", "source", "elapsed_us", "ttl_s", "query"}`.
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<SearchResult>, ApiError> {
    let query = SearchQuery::parse(&params).map_err(ApiError::BadRequest)?;
    let lookup = state.cache.search(&query).await?;
    Ok(Json(SearchResult {
        items: lookup.value.items,
        total: lookup.value.total,
        source: lookup.source,
        elapsed_us: lookup.elapsed_us,
        ttl_s: lookup.ttl_s,
        query: query.canonical(),
    }))
}
