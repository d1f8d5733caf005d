//! The product lane: `GET /api/products/{id}` answered in front of the
//! router ([`crate::serve::FrontLane`]), with the same guards in the same
//! order ([`super::guard`]) and the same answer, byte for byte, as the route
//! gives ([`super::lookup::product_response`]): a near hit at once, anything
//! else once the lookup (Redis, then the database) answers.
//!
//! It takes a request only when nothing but those applies: a valid id, a
//! request the host and size checks let through (their refusals are the
//! router's to give), and an answer the compression layer would leave as it
//! is (a near entry small enough, or a client that asks for no encoding:
//! the size of an answer from Redis is not known beforehand). Anything else
//! goes to the router untouched: no token drawn, no lookup counted.

use super::{
    guard::secured, hosts, limits, lookup, rate_limit, security_headers, COMPRESS_ABOVE_BYTES,
};
use crate::{
    cache::NearLook,
    ratelimit::Class,
    serve::{FrontLane, Lane},
    state::AppState,
};
use app::types::ProductId;
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method},
    response::{IntoResponse, Response},
};
use std::{net::SocketAddr, time::Instant};

/// The lane, with what the guards need.
pub struct ProductLane {
    state: AppState,
    hosts: hosts::AllowedHosts,
    /// The headers of a found product's answer (those `product_response`
    /// and `secured` give), cloned for each: a clone costs less than
    /// inserting them one by one...
    found: HeaderMap,
    /// ...and with the rate-limit headers of the lane's class (`Api`: the
    /// lane takes reads only), when the limiter is on.
    found_drawn: Option<HeaderMap>,
}

impl ProductLane {
    /// A lane for `state`'s cache, allowing the `hosts` the router's guards
    /// allow.
    pub fn new(state: AppState, hosts: hosts::AllowedHosts) -> Self {
        let mut found = HeaderMap::with_capacity(6);
        found.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        security_headers::apply_to_every(&mut found);
        let found_drawn = state.limiter.as_ref().map(|limiter| {
            let mut drawn = found.clone();
            rate_limit::made_for(&mut drawn, limiter.policy_value(Class::Api).clone());
            drawn
        });
        ProductLane {
            state,
            hosts,
            found,
            found_drawn,
        }
    }
}

impl FrontLane for ProductLane {
    fn answer(&self, request: Request, peer: SocketAddr) -> Lane {
        if request.method() != Method::GET {
            return Lane::Router(request);
        }
        let Some(Ok(id)) = request
            .uri()
            .path()
            .strip_prefix("/api/products/")
            .map(ProductId::parse)
        else {
            return Lane::Router(request);
        };
        if hosts::refusal(&self.hosts, &request).is_some() || limits::refusal(&request).is_some() {
            return Lane::Router(request);
        }
        let look = self.state.cache.near_look(&id, Instant::now());
        let compressible = look.as_ref().is_none_or(|look| {
            look.json_len() + lookup::PRODUCT_ANSWER_OVERHEAD > usize::from(COMPRESS_ABOVE_BYTES)
        });
        if compressible && request.headers().contains_key(header::ACCEPT_ENCODING) {
            return Lane::Router(request);
        }
        let drawing = match rate_limit::debtor_of_peer(&self.state, &request, peer.ip()) {
            Some(debtor) => rate_limit::draw(&self.state, debtor),
            None => rate_limit::Drawing::Now(rate_limit::Drawn::Uncounted),
        };
        match (drawing, look) {
            (rate_limit::Drawing::Now(rate_limit::Drawn::Refused(refusal)), _) => {
                Lane::Answered(secured(refusal))
            }
            (rate_limit::Drawing::Now(drawn), Some(look)) => {
                Lane::Answered(self.near_answer(&id, look, drawn))
            }
            (rate_limit::Drawing::Now(drawn), None) => {
                Lane::Later(Box::pin(looked_up(self.state.clone(), id, drawn)))
            }
            // The lease call may take a while: the entry is looked up again
            // once it answers (it may have gone), through the whole path.
            (rate_limit::Drawing::Later(drawing), _) => {
                let state = self.state.clone();
                Lane::Later(Box::pin(async move {
                    match drawing.await {
                        rate_limit::Drawn::Refused(refusal) => secured(refusal),
                        drawn => looked_up(state, id, drawn).await,
                    }
                }))
            }
        }
    }
}

impl ProductLane {
    /// A near hit found by the lane, counted and answered.
    fn near_answer(&self, id: &ProductId, look: NearLook, drawn: rate_limit::Drawn) -> Response {
        let answer = self.state.cache.near_answer(id, look);
        let Some(data) = &answer.value else {
            let mut response = lookup::product_response(id, answer);
            drawn.stamp(response.headers_mut());
            vary_as_routed(&mut response);
            return secured(response);
        };
        // A found product (the hot path): the headers `product_response`,
        // the draw and `secured` would give, from a map made once.
        let body = lookup::product_body(data, answer.source, answer.elapsed_us, answer.ttl_s);
        let mut headers = match &self.found_drawn {
            Some(made) if drawn.is_allowed() => made.clone(),
            _ => self.found.clone(),
        };
        drawn.stamp_made(&mut headers);
        if http_body::Body::size_hint(&body).exact() >= Some(u64::from(COMPRESS_ABOVE_BYTES)) {
            headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        let mut response = Response::new(Body::new(body));
        *response.headers_mut() = headers;
        response
    }
}

/// The whole lookup (near tier, Redis, database) within the request timeout,
/// answered as the route answers it.
async fn looked_up(state: AppState, id: ProductId, drawn: rate_limit::Drawn) -> Response {
    let timeout = state.config.http.request_timeout;
    let mut response = match tokio::time::timeout(timeout, state.cache.product(&id)).await {
        Ok(Ok(answer)) => lookup::product_response(&id, answer),
        Ok(Err(error)) => crate::error::ApiError::from(error).into_response(),
        Err(_) => limits::timed_out(timeout),
    };
    drawn.stamp(response.headers_mut());
    vary_as_routed(&mut response);
    secured(response)
}

/// The `Vary: Accept-Encoding` the router's compression layer puts on every
/// answer it would compress (its body at least [`COMPRESS_ABOVE_BYTES`], or
/// of unknown size), for a client that asked for an encoding or not: the
/// lane answers only clients that did not ask, and says the same, so a
/// cache in between keeps the encodings apart.
fn vary_as_routed(response: &mut Response) {
    let size = http_body::Body::size_hint(response.body()).exact();
    if size.is_none_or(|size| size >= u64::from(COMPRESS_ABOVE_BYTES)) {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}
