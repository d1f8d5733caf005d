//! How pages read the JSON API. In the browser, over HTTP; while the server
//! renders a page, in-process through the very same Axum routes (the server
//! provides an [`ssr::LocalApi`] as context), so both paths answer alike and
//! the first render already shows real data.

use crate::types::{ApiErrorBody, HealthReport};
use serde::de::DeserializeOwned;
use std::future::Future;

/// `GET /api/health`.
pub fn health() -> impl Future<Output = Result<HealthReport, String>> + Send + 'static {
    get_json("/api/health".to_string())
}

/// GETs an API path (with its query string) and decodes the JSON answer.
pub fn get_json<T>(path: String) -> impl Future<Output = Result<T, String>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let api = leptos::prelude::use_context::<ssr::LocalApi>();
        async move {
            let api = api.ok_or_else(|| "the server did not provide its API".to_string())?;
            let (status, body) = api.get(path).await;
            decode(status, &body)
        }
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        send_wrapper::SendWrapper::new(async move {
            let response = gloo_net::http::Request::get(&path)
                .send()
                .await
                .map_err(|e| format!("cannot reach the cachescope server: {e}"))?;
            let body = response
                .text()
                .await
                .map_err(|e| format!("the server's answer was cut short: {e}"))?;
            decode(response.status(), &body)
        })
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        async move { Err(format!("cannot fetch {path}: built without ssr or hydrate")) }
    }
}

/// Percent-encodes a query or path value (anything but `[A-Za-z0-9_.-]`).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes an answer: a body of the expected type is data whatever the status
/// (a 503 health report still lists the nodes); otherwise the server's
/// `{"error"}` sentence, or a generic message.
pub fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, String> {
    if let Ok(value) = serde_json::from_str::<T>(body) {
        return Ok(value);
    }
    match serde_json::from_str::<ApiErrorBody>(body) {
        Ok(error) => Err(error.error),
        Err(_) => Err(format!("unexpected answer from the server (HTTP {status})")),
    }
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
        let decoded: Result<HealthReport, String> = decode(503, report);
        assert_eq!(decoded.map(|r| r.status), Ok(HealthStatus::Down));
        let error: Result<HealthReport, String> = decode(404, r#"{"error":"no such product"}"#);
        assert_eq!(error, Err("no such product".to_string()));
        let junk: Result<HealthReport, String> = decode(502, "<html>");
        assert_eq!(
            junk,
            Err("unexpected answer from the server (HTTP 502)".to_string())
        );
    }
}
