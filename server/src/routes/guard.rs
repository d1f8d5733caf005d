//! The per-request guards as one tower service, in the order a request meets
//! them: the allowed hosts (and WebSocket origins), the rate limit, the size
//! of the request target and headers, the time the handler may take, then
//! the security headers on whatever answers. One service instead of a layer
//! per guard: no boxed future or cloned state per guard on the hot path, and
//! a near hit pays for the checks only.

use super::{hosts, limits, rate_limit, security_headers};
use crate::state::AppState;
use axum::{extract::Request, response::Response};
use futures::future::BoxFuture;
use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};
use tower::{Layer, Service};

/// What the guards need, shared by every request.
struct Guards {
    hosts: hosts::AllowedHosts,
    timeout: Duration,
    state: AppState,
}

/// Wraps a service (the router) in the guards.
#[derive(Clone)]
pub struct GuardLayer(Arc<Guards>);

impl GuardLayer {
    /// Guards for `state`'s settings: `hosts` allowed, handlers bounded by
    /// `REQUEST_TIMEOUT_MS`.
    pub fn new(state: AppState, hosts: hosts::AllowedHosts) -> Self {
        GuardLayer(Arc::new(Guards {
            hosts,
            timeout: state.config.http.request_timeout,
            state,
        }))
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            guards: self.0.clone(),
        }
    }
}

/// The guarded service.
#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    guards: Arc<Guards>,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was polled ready answers; a clone stays behind.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let guards = self.guards.clone();
        Box::pin(async move {
            let mut response = guards.answer(inner, request).await;
            security_headers::apply(&mut response);
            Ok(response)
        })
    }
}

impl Guards {
    async fn answer<S>(&self, mut inner: S, request: Request) -> Response
    where
        S: Service<Request, Response = Response, Error = Infallible>,
    {
        if let Some(refusal) = hosts::refusal(&self.hosts, &request) {
            return refusal;
        }
        let drawn = match rate_limit::debtor(&self.state, &request) {
            Some(debtor) => match rate_limit::draw(&self.state, debtor).await {
                rate_limit::Drawn::Refused(refusal) => return refusal,
                drawn => drawn,
            },
            None => rate_limit::Drawn::Uncounted,
        };
        if let Some(refusal) = limits::refusal(&request) {
            return refusal;
        }
        let mut response = match tokio::time::timeout(self.timeout, inner.call(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(never)) => match never {},
            Err(_) => limits::timed_out(self.timeout),
        };
        drawn.stamp(response.headers_mut());
        response
    }
}
