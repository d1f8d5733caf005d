//! Cache-aside routes: `GET /api/products/{id}` and `GET /api/search`.

use super::{
    body::Chunks,
    extract::{ApiPath, ApiQuery},
};
use crate::{
    cache::{Lookup, ProductJson},
    error::ApiError,
    state::AppState,
};
use app::types::{
    ApiErrorBody, ProductId, ProductLookup, ProductMissing, ProductPage, SearchParams,
    SearchResult, Source,
};
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use bytes::Bytes;
use serde::{ser::SerializeStruct, Serialize};
use std::{collections::HashMap, sync::Arc};

/// `{"data", "source", "elapsed_us", "ttl_s"}`; a 404 still says where the
/// answer came from (a negative cache entry, or the database).
#[utoipa::path(get, path = "/api/products/{id}", tag = "cache",
    params(("id" = String, Path, description = "Product id, [A-Za-z0-9_-]{1,64}")),
    responses((status = 200, description = "Found (cache or database)", body = ProductLookup), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 404, description = "No such product (negative entries are cached 5 s)", body = ProductMissing),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn product(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ProductId>,
) -> Result<Response, ApiError> {
    let lookup = state.cache.product(&id).await?;
    Ok(product_response(&id, lookup))
}

/// The answer to a product lookup: the product (200) or its absence (404),
/// each saying where it came from. Shared by the route and the product lane
/// ([`super::product_lane`]), so both answer byte for byte alike.
pub fn product_response(id: &ProductId, lookup: Lookup<Option<ProductJson>>) -> Response {
    match lookup.value {
        Some(data) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            axum::body::Body::new(product_body(
                &data,
                lookup.source,
                lookup.elapsed_us,
                lookup.ttl_s,
            )),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(ProductMissing {
                error: format!("product {:?} not found", id.as_str()),
                source: lookup.source,
                elapsed_us: lookup.elapsed_us,
                ttl_s: lookup.ttl_s,
            }),
        )
            .into_response(),
    }
}

/// Bytes a product answer carries beyond the stored JSON (its fixed fields,
/// with room for the largest numbers).
pub const PRODUCT_ANSWER_OVERHEAD: usize = 96;

/// The JSON of [`app::types::ProductLookup`], written around the stored
/// product's text instead of decoding and re-encoding it, and without
/// copying it (the hot path of every cache hit): three chunks.
pub(super) fn product_body(
    data: &ProductJson,
    source: Source,
    elapsed_us: u64,
    ttl_s: u64,
) -> Chunks<3> {
    // At most 83 bytes (the longest source, two 20-digit numbers): on the
    // stack, then one allocation of its exact size.
    let mut tail = crate::stack_text::StackText::<96>::new();
    tail.push(br#","source":""#);
    tail.push(source.as_str().as_bytes());
    tail.push(br#"","elapsed_us":"#);
    tail.push_u64(elapsed_us);
    tail.push(br#","ttl_s":"#);
    tail.push_u64(ttl_s);
    tail.push(b"}");
    Chunks::new([
        Bytes::from_static(br#"{"data":"#),
        data.to_bytes(),
        Bytes::copy_from_slice(tail.as_bytes()),
    ])
}

/// `{"items", "total", "source", "elapsed_us", "ttl_s", "query"}`.
#[utoipa::path(get, path = "/api/search", tag = "cache",
    params(("q" = Option<String>, Query, description = "Words (at most 200 characters, 8 words)"),
           ("category" = Option<String>, Query),
           ("min_price" = Option<f64>, Query), ("max_price" = Option<f64>, Query),
           ("limit" = Option<u64>, Query, description = "1..=100, default 20")),
    responses((status = 200, body = SearchResult), (status = 400, description = "Invalid input", body = ApiErrorBody), (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let query = SearchParams::parse(&params)?;
    let lookup = state.cache.search(&query).await?;
    Ok(Json(SearchAnswer {
        page: lookup.value,
        source: lookup.source,
        elapsed_us: lookup.elapsed_us,
        ttl_s: lookup.ttl_s,
        query,
    }))
}

/// [`SearchResult`] written from a shared page (a near hit's page is not
/// copied for each answer): the same JSON, field for field.
pub struct SearchAnswer {
    page: Arc<ProductPage>,
    source: Source,
    elapsed_us: u64,
    ttl_s: u64,
    query: SearchParams,
}

impl Serialize for SearchAnswer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut answer = serializer.serialize_struct("SearchResult", 6)?;
        answer.serialize_field("items", &self.page.items)?;
        answer.serialize_field("total", &self.page.total)?;
        answer.serialize_field("source", &self.source)?;
        answer.serialize_field("elapsed_us", &self.elapsed_us)?;
        answer.serialize_field("ttl_s", &self.ttl_s)?;
        answer.serialize_field("query", &self.query)?;
        answer.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::types::{Cents, ProductId};
    use app::types::{Product, ProductLookup};

    #[test]
    fn spliced_body_is_the_contract_json() {
        let product = Product {
            id: ProductId::parse("prod1").unwrap(),
            name: "Lamp \"Nova\"".into(),
            price: Cents::new(1_250).unwrap(),
            category: "home".into(),
            in_stock: true,
            features: vec!["LED".into()],
        };
        let stored = serde_json::to_string(&product).unwrap();
        let data = ProductJson::from_stored("prod1", stored.into_bytes()).unwrap();
        for (source, elapsed_us, ttl_s) in [
            (Source::Near, 0, 0),
            (Source::Cache, 1234, 56),
            (Source::Database, u64::MAX, u64::MAX),
        ] {
            let body = axum::body::Body::new(product_body(&data, source, elapsed_us, ttl_s));
            let body = futures::executor::block_on(axum::body::to_bytes(body, 1 << 20)).unwrap();
            let parsed: ProductLookup = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                parsed,
                ProductLookup {
                    data: product.clone(),
                    source,
                    elapsed_us,
                    ttl_s
                }
            );
        }
    }

    #[test]
    fn a_shared_page_is_written_as_the_contract_json() {
        let product = Product {
            id: ProductId::parse("prod1").unwrap(),
            name: "Lamp".into(),
            price: Cents::new(1_250).unwrap(),
            category: "home".into(),
            in_stock: false,
            features: vec![],
        };
        let query = SearchParams::parse(
            &[("q".to_string(), "Lamp".to_string())]
                .into_iter()
                .collect(),
        )
        .unwrap();
        let answer = SearchAnswer {
            page: Arc::new(ProductPage {
                items: vec![product.clone()],
                total: 7,
            }),
            source: Source::Near,
            elapsed_us: 3,
            ttl_s: 42,
            query: query.clone(),
        };
        let parsed: SearchResult =
            serde_json::from_str(&serde_json::to_string(&answer).unwrap()).unwrap();
        assert_eq!(
            parsed,
            SearchResult {
                items: vec![product],
                total: 7,
                source: Source::Near,
                elapsed_us: 3,
                ttl_s: 42,
                query,
            }
        );
    }

    #[test]
    fn stored_text_that_is_not_one_object_is_refused() {
        for bad in ["", "[1]", "{\"a\":", "{} {}", "\"x\"", "{\"a\":1}x"] {
            assert!(
                ProductJson::from_stored("p", bad.as_bytes().to_vec()).is_err(),
                "{bad:?}"
            );
        }
        assert!(ProductJson::from_stored("p", b" {\"a\":1} ".to_vec()).is_ok());
    }
}
