//! How pages read the JSON API. In the browser, over HTTP; while the server
//! renders a page, in-process through the very same Axum routes (the server
//! provides an [`ssr::LocalApi`] as context), so both paths answer alike and
//! the first render already shows real data.

use crate::types::{
    ApiErrorBody, ApiFailure, CategoryCount, HealthReport, HistoryEntry, SessionInfo, Stats,
};
use serde::de::DeserializeOwned;
use std::future::Future;

/// The API's paths, spelled once for every page (the server's route list,
/// `server/src/routes/mod.rs`, is their other end).
pub mod paths {
    use crate::types::{percent_encode, KeyQuery, ListQuery, ProductId, SearchParams};

    /// `/api/health`.
    pub const HEALTH: &str = "/api/health";
    /// `/api/session`.
    pub const SESSION: &str = "/api/session";
    /// `/api/stats`.
    pub const STATS: &str = "/api/stats";
    /// `/api/history`.
    pub const HISTORY: &str = "/api/history";
    /// `/api/db/categories`.
    pub const CATEGORIES: &str = "/api/db/categories";

    /// `/api/products/{id}`: a cache-aside lookup.
    pub fn lookup(id: &ProductId) -> String {
        format!("/api/products/{id}")
    }

    /// `/api/search?...`: a cache-aside search.
    pub fn search(params: &SearchParams) -> String {
        format!("/api/search?{}", params.query_string())
    }

    /// `/api/db/product/{id}`: the store, no cache.
    pub fn db_product(id: &ProductId) -> String {
        format!("/api/db/product/{id}")
    }

    /// `/api/db/products?...`: a listing from the store's indexes.
    pub fn db_products(listing: &ListQuery) -> String {
        format!("/api/db/products?{}", listing.query_string())
    }

    /// `/api/keys?...`: one `SCAN` step.
    pub fn keys(query: &KeyQuery) -> String {
        format!("/api/keys?{}", query.query_string())
    }

    /// `/api/keys/value?key=`: one key's value.
    pub fn key_value(key: &str) -> String {
        format!("/api/keys/value?key={}", percent_encode(key))
    }

    /// `/api/keys?key=` (`DELETE`): evicts a cache entry.
    pub fn key(key: &str) -> String {
        format!("/api/keys?key={}", percent_encode(key))
    }
}

/// `GET /api/health`.
pub fn health() -> impl Future<Output = Result<HealthReport, ApiFailure>> + Send + 'static {
    get_json(paths::HEALTH.to_string())
}

/// `GET /api/session`: the caller's role.
pub fn session() -> impl Future<Output = Result<SessionInfo, ApiFailure>> + Send + 'static {
    get_json(paths::SESSION.to_string())
}

/// `GET /api/stats`.
pub fn stats() -> impl Future<Output = Result<Stats, ApiFailure>> + Send + 'static {
    get_json(paths::STATS.to_string())
}

/// `GET /api/history` (viewers).
pub fn history() -> impl Future<Output = Result<Vec<HistoryEntry>, ApiFailure>> + Send + 'static {
    get_json(paths::HISTORY.to_string())
}

/// `GET /api/db/categories`.
pub fn categories() -> impl Future<Output = Result<Vec<CategoryCount>, ApiFailure>> + Send + 'static
{
    get_json(paths::CATEGORIES.to_string())
}

/// GETs an API path (with its query string) and decodes the JSON answer; a
/// failure keeps the HTTP status.
pub fn get_json<T>(path: String) -> impl Future<Output = Result<T, ApiFailure>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    let answer = get(path);
    async move {
        let (status, body) = answer.await?;
        decode(status, &body)
    }
}

/// GETs an API path: the status and body of the answer, whatever the
/// status; an error only when no answer came.
pub fn get(
    path: String,
) -> impl Future<Output = Result<(u16, String), ApiFailure>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let api = leptos::prelude::use_context::<ssr::LocalApi>();
        async move {
            let api =
                api.ok_or_else(|| ApiFailure::unreachable("the server did not provide its API"))?;
            Ok(api.get(path).await)
        }
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        send_wrapper::SendWrapper::new(async move {
            let response = gloo_net::http::Request::get(&path)
                .send()
                .await
                .map_err(|e| {
                    ApiFailure::unreachable(format!("cannot reach the cachescope server: {e}"))
                })?;
            let body = response.text().await.map_err(|e| ApiFailure {
                status: Some(response.status()),
                error: format!("the server's answer was cut short: {e}"),
            })?;
            Ok((response.status(), body))
        })
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        async move {
            Err(ApiFailure::unreachable(format!(
                "cannot fetch {path}: built without ssr or hydrate"
            )))
        }
    }
}

/// `DELETE` of an admin API path with a bearer token, from the browser (a
/// person's action: pages never write while they render). The answer's JSON
/// is decoded like [`get_json`]'s.
pub async fn delete_json<T: DeserializeOwned>(
    path: String,
    token: String,
) -> Result<T, ApiFailure> {
    let (status, body) = send(
        "DELETE",
        path,
        None,
        vec![("Authorization", format!("Bearer {token}"))],
    )
    .await?;
    decode(status, &body)
}

/// Sends a request from the browser (a person's action: pages never write
/// while they render) with an optional JSON body and extra headers; the
/// status and body of the answer, whatever the status. The session cookie
/// goes along by itself (same origin).
pub async fn send(
    method: &'static str,
    path: String,
    json: Option<String>,
    headers: Vec<(&'static str, String)>,
) -> Result<(u16, String), ApiFailure> {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use gloo_net::http::{Method, RequestBuilder};
        let method = match method {
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            _ => Method::GET,
        };
        let mut builder = RequestBuilder::new(&path).method(method);
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let request = match json {
            Some(body) => builder
                .header("Content-Type", "application/json")
                .body(body),
            None => builder.build(),
        }
        .map_err(|e| ApiFailure::unreachable(format!("cannot build the request: {e}")))?;
        let response = request.send().await.map_err(|e| {
            ApiFailure::unreachable(format!("cannot reach the cachescope server: {e}"))
        })?;
        let status = response.status();
        let body = response.text().await.map_err(|e| ApiFailure {
            status: Some(status),
            error: format!("the server's answer was cut short: {e}"),
        })?;
        Ok((status, body))
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    {
        let _ = (method, json, headers);
        Err(ApiFailure::unreachable(format!(
            "{path}: writes are sent from the browser only"
        )))
    }
}

/// Decodes an answer: a body of the expected type is data whatever the status
/// (a 503 health report still lists the nodes); otherwise the server's
/// `{"error"}` sentence, or a generic message.
pub fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiFailure> {
    if let Ok(value) = serde_json::from_str::<T>(body) {
        return Ok(value);
    }
    let error = match serde_json::from_str::<ApiErrorBody>(body) {
        Ok(body) => body.error,
        Err(_) => format!("unexpected answer from the server (HTTP {status})"),
    };
    Err(ApiFailure {
        status: Some(status),
        error,
    })
}

/// Hooks the server plugs into the app for server-side rendering.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::{future::Future, pin::Pin, sync::Arc};

    type Answer = Pin<Box<dyn Future<Output = (u16, String)> + Send>>;

    /// The server's own API, callable in-process while a page renders, so
    /// the app needs no Redis or HTTP client to show real data at once.
    #[derive(Clone)]
    pub struct LocalApi(Arc<dyn Fn(String) -> Answer + Send + Sync>);

    impl LocalApi {
        /// Wraps a function that answers a GET of a path with (status, body).
        pub fn new<F, Fut>(get: F) -> Self
        where
            F: Fn(String) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = (u16, String)> + Send + 'static,
        {
            LocalApi(Arc::new(move |path| Box::pin(get(path))))
        }

        /// GETs `path` (for example `/api/health`).
        pub async fn get(&self, path: String) -> (u16, String) {
            (self.0)(path).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::HealthStatus;

    #[test]
    fn decode_prefers_data_then_error_sentence() {
        let report = r#"{"status":"down","nodes":[],"checked_at_ms":1}"#;
        let decoded: Result<HealthReport, _> = decode(503, report);
        assert_eq!(decoded.map(|r| r.status), Ok(HealthStatus::Down));
        let error = decode::<HealthReport>(404, r#"{"error":"no such product"}"#)
            .expect_err("an error body");
        assert!(error.is_not_found());
        assert_eq!(error.error, "no such product");
        let junk = decode::<HealthReport>(502, "<html>").expect_err("not JSON");
        assert_eq!(junk.status, Some(502));
        assert!(!junk.is_not_found());
        assert_eq!(junk.error, "unexpected answer from the server (HTTP 502)");
    }
}
