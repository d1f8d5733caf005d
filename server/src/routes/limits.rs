//! Request limits that apply to every route, each answered with our JSON
//! error body (hyper's own limits sit above these and are never reached by
//! a request that passes them): the URI length (414), the number and total
//! size of the header lines (431), and the time a handler may take (503,
//! `REQUEST_TIMEOUT_MS`: a backstop, as every Redis call has its own bound).

use crate::error::ApiError;
use axum::{
    extract::Request,
    response::{IntoResponse, Response},
};
use std::time::Duration;

/// Longest request target (path and query string).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest total size of the request headers (names and values).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Most header lines. HTTP/1.1 requests over it are refused by hyper itself
/// (its default cap is the same 100 lines: a 431 without a body); this check
/// is the one HTTP/2 requests meet.
pub const MAX_HEADER_COUNT: usize = 100;
/// The refusal of an oversized request (target or headers), if it is one.
pub fn refusal(request: &Request) -> Option<Response> {
    let uri = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if uri > MAX_URI_BYTES {
        return Some(ApiError::UriTooLong(MAX_URI_BYTES).into_response());
    }
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if size > MAX_HEADER_BYTES || request.headers().len() > MAX_HEADER_COUNT {
        return Some(
            ApiError::HeadersTooLarge {
                lines: MAX_HEADER_COUNT,
                bytes: MAX_HEADER_BYTES,
            }
            .into_response(),
        );
    }
    None
}

/// The answer to a request whose handler took longer than `timeout`.
pub fn timed_out(timeout: Duration) -> Response {
    ApiError::TimedOut(timeout.as_millis()).into_response()
}
