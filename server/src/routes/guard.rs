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
        // The checks run here, before any future exists: a request the
        // limiter answers from its lease (the hot path) is boxed once, with
        // only the handler's future inside.
        if let Some(refusal) = hosts::refusal(&guards.hosts, &request) {
            return answered(refusal);
        }
        let drawing = match rate_limit::debtor(&guards.state, &request) {
            Some(debtor) => rate_limit::draw(&guards.state, debtor),
            None => rate_limit::Drawing::Now(rate_limit::Drawn::Uncounted),
        };
        match drawing {
            rate_limit::Drawing::Now(rate_limit::Drawn::Refused(refusal)) => answered(refusal),
            rate_limit::Drawing::Now(drawn) => Box::pin(guards.handle(inner, request, drawn)),
            rate_limit::Drawing::Later(drawing) => Box::pin(async move {
                match drawing.await {
                    rate_limit::Drawn::Refused(refusal) => Ok(secured(refusal)),
                    drawn => guards.handle(inner, request, drawn).await,
                }
            }),
        }
    }
}

/// An answer the guards gave themselves (a refusal), with the security
/// headers every answer carries.
fn answered(response: Response) -> BoxFuture<'static, Result<Response, Infallible>> {
    Box::pin(std::future::ready(Ok(secured(response))))
}

pub(super) fn secured(mut response: Response) -> Response {
    security_headers::apply(&mut response);
    response
}

impl Guards {
    /// The size checks after the rate limit, then the handler within the
    /// request timeout; the draw's headers go on the handler's answer, the
    /// security headers on every answer.
    async fn handle<S>(
        self: Arc<Self>,
        mut inner: S,
        request: Request,
        drawn: rate_limit::Drawn,
    ) -> Result<Response, Infallible>
    where
        S: Service<Request, Response = Response, Error = Infallible>,
    {
        if let Some(refusal) = limits::refusal(&request) {
            return Ok(secured(refusal));
        }
        let mut response = match tokio::time::timeout(self.timeout, inner.call(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(never)) => match never {},
            Err(_) => limits::timed_out(self.timeout),
        };
        drawn.stamp(response.headers_mut());
        Ok(secured(response))
    }
}
