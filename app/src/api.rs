//! How pages get their data. On the server, straight from the backend that the
//! server provides as context (no HTTP hop while rendering); in the browser,
//! over HTTP from the public JSON API.

use crate::types::HealthReport;
use std::future::Future;

/// Reads the health report: the first render uses the server's own probe, the
/// browser then asks `GET /api/health`.
pub fn health() -> impl Future<Output = Result<HealthReport, String>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let source = leptos::prelude::use_context::<ssr::HealthSource>();
        async move {
            match source {
                Some(source) => Ok(source.probe().await),
                None => Err("the server did not provide a health source".to_string()),
            }
        }
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        send_wrapper::SendWrapper::new(browser::get_json::<HealthReport>(
            "/api/health",
        ))
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        async { Err("built without ssr or hydrate".to_string()) }
    }
}

/// Hooks the server plugs into the app for server-side rendering.
#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::types::HealthReport;
    use std::{future::Future, pin::Pin, sync::Arc};

    type ProbeFn = dyn Fn() -> Pin<Box<dyn Future<Output = HealthReport> + Send>> + Send + Sync;

    /// Lets the app ask the server for a health report while rendering,
    /// without the app depending on Redis.
    #[derive(Clone)]
    pub struct HealthSource(Arc<ProbeFn>);

    impl HealthSource {
        /// Wraps the server's probe.
        pub fn new<F, Fut>(probe: F) -> Self
        where
            F: Fn() -> Fut + Send + Sync + 'static,
            Fut: Future<Output = HealthReport> + Send + 'static,
        {
            HealthSource(Arc::new(move || Box::pin(probe())))
        }

        /// Runs the probe.
        pub async fn probe(&self) -> HealthReport {
            (self.0)().await
        }
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod browser {
    use crate::types::ApiErrorBody;
    use serde::de::DeserializeOwned;

    /// GETs a JSON document. Error statuses that carry a JSON body of the
    /// expected type (a 503 health report) are still data; other failures
    /// become the server's `{"error"}` sentence or a network message.
    pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, String> {
        let response = gloo_net::http::Request::get(url)
            .send()
            .await
            .map_err(|e| format!("cannot reach the cachescope server: {e}"))?;
        let text = response
            .text()
            .await
            .map_err(|e| format!("the server's answer was cut short: {e}"))?;
        if let Ok(value) = serde_json::from_str::<T>(&text) {
            return Ok(value);
        }
        match serde_json::from_str::<ApiErrorBody>(&text) {
            Ok(body) => Err(body.error),
            Err(_) => Err(format!(
                "unexpected answer from the server (HTTP {})",
                response.status()
            )),
        }
    }
}
