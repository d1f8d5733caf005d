//! The near lane: `GET /api/products/{id}` answered from the near cache in
//! front of the router ([`crate::serve::FrontLane`]), with the same guards
//! in the same order ([`super::guard`]) and the same answer, byte for byte,
//! as the route gives ([`super::lookup::product_response`]).
//!
//! It takes a request only when nothing but those applies: a valid id the
//! near tier holds, a request the host and size checks let through (their
//! refusals are the router's to give), and an answer the compression layer
//! would leave as it is. Anything else goes to the router untouched: no
//! token drawn, no lookup counted.

use super::{guard::secured, hosts, limits, lookup, rate_limit, COMPRESS_ABOVE_BYTES};
use crate::{
    serve::{FrontLane, Lane},
    state::AppState,
};
use app::types::ProductId;
use axum::{
    extract::Request,
    http::{header, Method},
    response::IntoResponse,
};
use std::time::Instant;

/// The lane, with what the guards need.
pub struct NearLane {
    state: AppState,
    hosts: hosts::AllowedHosts,
}

impl NearLane {
    /// A lane for `state`'s near cache, allowing the `hosts` the router's
    /// guards allow.
    pub fn new(state: AppState, hosts: hosts::AllowedHosts) -> Self {
        NearLane { state, hosts }
    }
}

impl FrontLane for NearLane {
    fn answer(&self, request: Request) -> Lane {
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
        // The near tier first: on a miss (or with the tier off) the checks
        // are the router's to make, once.
        let Some(look) = self.state.cache.near_look(&id, Instant::now()) else {
            return Lane::Router(request);
        };
        if hosts::refusal(&self.hosts, &request).is_some() || limits::refusal(&request).is_some() {
            return Lane::Router(request);
        }
        let compressible =
            look.json_len() + lookup::PRODUCT_ANSWER_OVERHEAD > usize::from(COMPRESS_ABOVE_BYTES);
        if compressible && request.headers().contains_key(header::ACCEPT_ENCODING) {
            return Lane::Router(request);
        }
        let drawing = match rate_limit::debtor(&self.state, &request) {
            Some(debtor) => rate_limit::draw(&self.state, debtor),
            None => rate_limit::Drawing::Now(rate_limit::Drawn::Uncounted),
        };
        match drawing {
            rate_limit::Drawing::Now(rate_limit::Drawn::Refused(refusal)) => {
                Lane::Answered(secured(refusal))
            }
            rate_limit::Drawing::Now(drawn) => {
                let answer = self.state.cache.near_answer(&id, look);
                let mut response = lookup::product_response(&id, answer);
                drawn.stamp(response.headers_mut());
                Lane::Answered(secured(response))
            }
            // The lease call may take a while: the entry is looked up again
            // once it answers (it may have gone), through the whole path.
            rate_limit::Drawing::Later(drawing) => {
                let state = self.state.clone();
                Lane::Later(Box::pin(async move {
                    let drawn = match drawing.await {
                        rate_limit::Drawn::Refused(refusal) => return secured(refusal),
                        drawn => drawn,
                    };
                    let timeout = state.config.http.request_timeout;
                    let mut response =
                        match tokio::time::timeout(timeout, state.cache.product(&id)).await {
                            Ok(Ok(answer)) => lookup::product_response(&id, answer),
                            Ok(Err(error)) => crate::error::ApiError::from(error).into_response(),
                            Err(_) => limits::timed_out(timeout),
                        };
                    drawn.stamp(response.headers_mut());
                    secured(response)
                }))
            }
        }
    }
}
