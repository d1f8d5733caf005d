//! The rate-limit middleware: every page, API call and WebSocket handshake
//! draws from its client's budget ([`crate::ratelimit`]); admin writes from a
//! smaller one. Static files (`/pkg`, the favicon) are not counted: they are
//! cheap, cached by browsers, and a page load fetches several.
//!
//! Allowed answers carry `RateLimit-Policy` and `RateLimit`; refused ones are
//! a 429 JSON error with `Retry-After` as well.

use super::client_ip::client_ip;
use crate::{
    error::ApiError,
    ratelimit::{state_header, Class, Decision},
    state::AppState,
};
use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Admin routes: every write of the API.
fn class_of(request: &Request) -> Class {
    let path = request.uri().path();
    let write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if write && path.starts_with("/api/") {
        Class::Admin
    } else {
        Class::Api
    }
}

/// Draws the request from its client's budget.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = state.limiter.as_ref() else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path.starts_with("/pkg/") || path == "/favicon.svg" {
        return next.run(request).await;
    }
    let class = class_of(&request);
    let (parts, body) = request.into_parts();
    let ip = client_ip(&parts, &state.config.http.trusted_proxies);
    let request = Request::from_parts(parts, body);
    let Some(ip) = ip else {
        return next.run(request).await;
    };
    let policy = HeaderValue::from_str(limiter.policy(class)).ok();
    match limiter.check(class, ip).await {
        Decision::Allowed { remaining, reset } => {
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            if let Some(policy) = policy {
                headers.insert(RATELIMIT_POLICY, policy);
            }
            if let Ok(value) = HeaderValue::from_str(&state_header(class, remaining, reset)) {
                headers.insert(RATELIMIT, value);
            }
            response
        }
        Decision::Limited { retry_after } => {
            state.stats.record_throttled();
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            let mut response = ApiError::TooManyRequests(format!(
                "too many requests from {ip}: try again in {seconds} s"
            ))
            .into_response();
            let headers = response.headers_mut();
            headers.insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
            if let Some(policy) = policy {
                headers.insert(RATELIMIT_POLICY, policy);
            }
            if let Ok(value) = HeaderValue::from_str(&state_header(class, 0, retry_after)) {
                headers.insert(RATELIMIT, value);
            }
            response
        }
        Decision::Unknown => {
            state.stats.record_limiter_bypass();
            next.run(request).await
        }
    }
}
