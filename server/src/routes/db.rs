//! The product database routes: `/api/db/product/{id}`,
//! `/api/db/products`, `/api/db/categories`, and the admin writes.

use super::{
    extract::{ApiJson, ApiPath, ApiQuery},
    guards::Admin,
};
use crate::{catalog::ListQuery, error::ApiError, state::AppState};
use app::types::{
    ApiErrorBody, CategoryCount, DbProduct, PriceOrder, Product, ProductDeleted, ProductId,
    ProductPage, ProductWritten,
};
use axum::{extract::State, http::StatusCode, Json};
use std::collections::HashMap;

/// `GET /api/db/product/{id}`: `{"data": {...}, "source": "redis_db"}` or 404.
#[utoipa::path(get, path = "/api/db/product/{id}", tag = "database",
    params(("id" = String, Path, description = "Product id, [A-Za-z0-9_-]{1,64}")),
    responses((status = 200, body = DbProduct), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 404, description = "No such product", body = ApiErrorBody), (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ProductId>,
) -> Result<Json<DbProduct>, ApiError> {
    match state.db.get(&id).await? {
        Some(data) => Ok(Json(DbProduct {
            data,
            source: state.db.kind(),
        })),
        None => Err(not_found(&id)),
    }
}

/// `GET /api/db/products?category=&min_price=&max_price=&order=&offset=&limit=`.
#[utoipa::path(get, path = "/api/db/products", tag = "database",
    params(("category" = Option<String>, Query, description = "[a-z0-9_-]{1,40}"),
           ("min_price" = Option<f64>, Query, description = "0..=1e9, rounded up to whole cents"),
           ("max_price" = Option<f64>, Query, description = "0..=1e9, rounded down to whole cents"),
           ("order" = Option<PriceOrder>, Query),
           ("offset" = Option<u64>, Query, description = "0..=10000"),
           ("limit" = Option<u64>, Query, description = "1..=100, default 20")),
    responses((status = 200, body = ProductPage), (status = 400, description = "Invalid input", body = ApiErrorBody), (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn list_products(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<ProductPage>, ApiError> {
    let query = ListQuery::parse(&params)?;
    Ok(Json(state.db.list(&query).await?))
}

/// `GET /api/db/categories`: `[{"name", "count"}]`, by name.
#[utoipa::path(get, path = "/api/db/categories", tag = "database",
    responses((status = 200, body = Vec<CategoryCount>), (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
) -> Result<Json<Vec<CategoryCount>>, ApiError> {
    Ok(Json(state.db.categories().await?))
}

/// `PUT /api/db/product/{id}` (admin): creates (201) or replaces (200), and
/// says how many replicas confirmed the write (`WAIT`, `WRITE_WAIT_MS`).
#[utoipa::path(put, path = "/api/db/product/{id}", tag = "database",
    params(("id" = String, Path)), request_body = Product, security(("admin" = [])),
    responses((status = 200, description = "Replaced", body = ProductWritten),
              (status = 201, description = "Created", body = ProductWritten), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 401, description = "No token", body = ApiErrorBody),
              (status = 403, description = "Wrong token or read-only server", body = ApiErrorBody),
              (status = 413, description = "Body over 64 KiB", body = ApiErrorBody),
              (status = 415, description = "Not JSON", body = ApiErrorBody), (status = 429, description = "Rate limited", body = ApiErrorBody),
              (status = 503, description = "Refused, not applied (`outcome: refused`), or Redis is unavailable", body = ApiErrorBody),
              (status = 504, description = "Sent, no answer: the outcome is unknown (`outcome: unknown`)", body = ApiErrorBody)))]
pub async fn put_product(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ProductId>,
    ApiJson(product): ApiJson<Product>,
) -> Result<(StatusCode, Json<ProductWritten>), ApiError> {
    if id != product.id {
        return Err(ApiError::BadRequest(format!(
            "the body's id {:?} differs from the path's {:?}",
            product.id.as_str(),
            id.as_str()
        )));
    }
    product.validate()?;
    let (created, durability) = state.cache.put(&product).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ProductWritten {
            data: product,
            created,
            replicas_acked: durability.replicas_acked,
            replicas: durability.replicas,
            durable: durability.durable,
        }),
    ))
}

/// `DELETE /api/db/product/{id}` (admin): 200 `{"deleted": id,
/// "replicas_acked", "replicas"}` or 404.
#[utoipa::path(delete, path = "/api/db/product/{id}", tag = "database",
    params(("id" = String, Path)), security(("admin" = [])),
    responses((status = 200, body = ProductDeleted), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 401, description = "No token", body = ApiErrorBody),
              (status = 403, description = "Wrong token or read-only server", body = ApiErrorBody),
              (status = 404, description = "No such product", body = ApiErrorBody), (status = 429, description = "Rate limited", body = ApiErrorBody),
              (status = 503, description = "Refused, not applied (`outcome: refused`), or Redis is unavailable", body = ApiErrorBody),
              (status = 504, description = "Sent, no answer: the outcome is unknown (`outcome: unknown`)", body = ApiErrorBody)))]
pub async fn delete_product(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ProductId>,
) -> Result<Json<ProductDeleted>, ApiError> {
    match state.cache.delete(&id).await? {
        (true, durability) => Ok(Json(ProductDeleted {
            deleted: id,
            replicas_acked: durability.replicas_acked,
            replicas: durability.replicas,
            durable: durability.durable,
        })),
        (false, _) => Err(not_found(&id)),
    }
}

fn not_found(id: &ProductId) -> ApiError {
    ApiError::NotFound(format!("product {:?} not found", id.as_str()))
}
