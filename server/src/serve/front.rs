//! The service each connection hands to hyper: the request is counted as
//! activity of its connection and goes to the front lane, if the app has
//! one, given the peer address; then to the router, with that address as
//! `ConnectInfo` (an extension is a heap map: only the router's requests
//! pay for it).
//!
//! A front lane answers the few requests it knows how to answer without the
//! router's machinery (routing, per-route layers, extractors, boxed bodies
//! and futures at each step): on the hot path of a near hit those cost more
//! CPU than everything else the server does. Whatever it does not answer
//! reaches the router untouched.

use super::{Activity, InFlight};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    response::Response,
    Router,
};
use futures::{future::BoxFuture, FutureExt};
use hyper::body::Incoming;
use std::{
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};
// A router is always ready (axum's `Router::poll_ready` says so): it is
// called without waiting for readiness.
use tower::Service as _;

/// Requests answered in front of the router when they can be.
pub trait FrontLane: Send + Sync + 'static {
    /// The answer to `request`, or `request` back for the router. A lane
    /// that hands a request back has changed nothing (it drew no rate-limit
    /// token and counted no lookup), so the router treats it as if the lane
    /// did not exist. `peer` is the connection's peer address: the request
    /// carries no `ConnectInfo` yet.
    fn answer(&self, request: Request, peer: SocketAddr) -> Lane;
}

/// What a [`FrontLane`] made of a request.
pub enum Lane {
    /// Answered at once.
    Answered(Response),
    /// Answered once this resolves (a wait the lane started, such as a
    /// rate-limit lease call; the router can no longer take the request).
    Later(BoxFuture<'static, Response>),
    /// Not for the lane: the router answers.
    Router(Request),
}

/// The service of one connection.
pub(super) struct Front {
    pub(super) router: Router,
    pub(super) lane: Option<Arc<dyn FrontLane>>,
    pub(super) peer: SocketAddr,
    pub(super) activity: Arc<Activity>,
}

// hyper's own service trait (called by reference): the lane's answers need
// no clone of the service and no readiness future per request.
impl hyper::service::Service<hyper::Request<Incoming>> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: hyper::Request<Incoming>) -> Answer {
        let request = request.map(Body::new);
        let in_flight = self.activity.begin();
        let mut request = match &self.lane {
            Some(lane) => match lane.answer(request, self.peer) {
                Lane::Answered(response) => {
                    return Answer {
                        state: State::Ready(Some(response)),
                        _in_flight: in_flight,
                    }
                }
                Lane::Later(future) => {
                    return Answer {
                        state: State::Later(future),
                        _in_flight: in_flight,
                    }
                }
                Lane::Router(request) => request,
            },
            None => request,
        };
        request.extensions_mut().insert(ConnectInfo(self.peer));
        Answer {
            state: State::Router(self.router.clone().call(request)),
            _in_flight: in_flight,
        }
    }
}

/// The answer to one request; its connection counts it as under way until
/// it is dropped.
pub(super) struct Answer {
    state: State,
    _in_flight: InFlight,
}

enum State {
    Ready(Option<Response>),
    Later(BoxFuture<'static, Response>),
    Router(axum::routing::future::RouteFuture<Infallible>),
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            State::Ready(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled after it answered: a caller's bug, answered as a
                // server error rather than a panic.
                None => Poll::Ready(Ok(Response::builder()
                    .status(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
                    .body(Body::empty())
                    .unwrap_or_default())),
            },
            State::Later(future) => future.poll_unpin(cx).map(Ok),
            State::Router(future) => future.poll_unpin(cx),
        }
    }
}
