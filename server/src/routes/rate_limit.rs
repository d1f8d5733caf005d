//! The rate limit of the guards ([`super::guard`]): every page, API call and
//! WebSocket handshake draws from its client's budget ([`crate::ratelimit`]);
//! admin writes from a smaller one. Static files (`/pkg`, the favicon) are
//! not counted: they are cheap, cached by browsers, and a page load fetches
//! several.
//!
//! Allowed answers carry `RateLimit-Policy` and `RateLimit`; refused ones are
//! a 429 JSON error with `Retry-After` as well.

use super::client_ip::peer_client_ip;
use crate::{
    error::ApiError,
    ratelimit::{state_value, Check, Class, Decision, RateLimiter},
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, Request},
    http::{HeaderMap, HeaderName, HeaderValue, Method},
    response::{IntoResponse, Response},
};
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
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

/// What drawing a request from its budget decided.
pub enum Drawn {
    /// Not counted ([`debtor`] found none), or let through because Redis
    /// could not answer (counted as a bypass).
    Uncounted,
    /// Go on; these headers go on the answer.
    Allowed(HeaderValue, HeaderValue),
    /// Refused: this 429 is the answer.
    Refused(Response),
}

/// Adds an allowed answer's rate-limit headers, `policy` and an empty
/// `RateLimit`, to a map cloned for such answers: [`Drawn::stamp_made`]
/// then replaces one value instead of inserting two headers.
pub fn made_for(headers: &mut HeaderMap, policy: HeaderValue) {
    headers.insert(RATELIMIT_POLICY, policy);
    headers.insert(RATELIMIT, HeaderValue::from_static(""));
}

impl Drawn {
    /// Whether the answer gets the rate-limit headers.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Drawn::Allowed(..))
    }

    /// [`Drawn::stamp`] on a map made by [`made_for`] with the policy of
    /// the class drawn from: only the `RateLimit` value is set (it replaces
    /// the placeholder, so the map does not grow).
    pub fn stamp_made(self, headers: &mut HeaderMap) {
        if let Drawn::Allowed(_, state) = self {
            headers.insert(RATELIMIT, state);
        }
    }

    /// Puts an allowed request's headers on its answer.
    pub fn stamp(self, headers: &mut HeaderMap) {
        if let Drawn::Allowed(policy, state) = self {
            headers.insert(RATELIMIT_POLICY, policy);
            headers.insert(RATELIMIT, state);
        }
    }
}

/// Whose budget of which class the request draws from: `None` when it is
/// not counted (limiter off, a static file, no client address). Read before
/// any wait, so the request is not held across one.
pub fn debtor<'a>(state: &'a AppState, request: &Request) -> Option<Debtor<'a>> {
    let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
    debtor_of_peer(state, request, peer.ip())
}

/// [`debtor`] of a request from the connection's `peer` (the product lane
/// has it without `ConnectInfo`).
pub fn debtor_of_peer<'a>(
    state: &'a AppState,
    request: &Request,
    peer: IpAddr,
) -> Option<Debtor<'a>> {
    let limiter = state.limiter.as_ref()?;
    let path = request.uri().path();
    if path.starts_with("/pkg/") || path == "/favicon.svg" {
        return None;
    }
    let ip = peer_client_ip(request.headers(), peer, &state.config.http.trusted_proxies);
    Some(Debtor {
        limiter,
        class: class_of(request),
        ip,
    })
}

/// Who pays for a request, from which budget.
pub struct Debtor<'a> {
    limiter: &'a Arc<RateLimiter>,
    class: Class,
    ip: IpAddr,
}

/// A draw decided at once, or one waiting for a lease call.
pub enum Drawing {
    /// Decided from the local lease: the hot path, with no future at all.
    Now(Drawn),
    /// Decided once this server's lease call for the client answers.
    Later(futures::future::BoxFuture<'static, Drawn>),
}

/// Draws one request from the debtor's budget.
pub fn draw(state: &AppState, debtor: Debtor<'_>) -> Drawing {
    let Debtor { limiter, class, ip } = debtor;
    match limiter.check(class, ip) {
        Check::Now(decision) => Drawing::Now(drawn(state, limiter, class, ip, decision)),
        Check::Wait(later) => {
            let state = state.clone();
            let limiter = limiter.clone();
            Drawing::Later(Box::pin(async move {
                let decision = later.await;
                drawn(&state, &limiter, class, ip, decision)
            }))
        }
    }
}

/// What a decision means for the request: its headers, or its 429.
fn drawn(
    state: &AppState,
    limiter: &RateLimiter,
    class: Class,
    ip: IpAddr,
    decision: Decision,
) -> Drawn {
    let policy = limiter.policy_value(class).clone();
    match decision {
        Decision::Allowed { remaining, reset } => {
            Drawn::Allowed(policy, state_value(class, remaining, reset))
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
            headers.insert(RATELIMIT_POLICY, policy);
            headers.insert(RATELIMIT, state_value(class, 0, retry_after));
            Drawn::Refused(response)
        }
        Decision::Unknown => {
            state.stats.record_limiter_bypass();
            Drawn::Uncounted
        }
    }
}
