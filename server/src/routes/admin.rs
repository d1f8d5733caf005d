//! The admin guard: write routes need `Authorization: Bearer <ADMIN_TOKEN>`;
//! with no token configured every write is refused.

use crate::{error::ApiError, state::AppState};
use axum::{extract::FromRequestParts, http::request::Parts};

/// Proof that the request carries the admin token; take it as a handler
/// argument to protect a route.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = state.config.admin_token() else {
            return Err(ApiError::Forbidden(
                "writes are disabled: the server runs read-only because ADMIN_TOKEN is not set"
                    .to_string(),
            ));
        };
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized)?;
        let token = header
            .to_str()
            .ok()
            // The scheme is case-insensitive (RFC 9110 11.1).
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or(ApiError::Unauthorized)?;
        if constant_time_eq(token.trim().as_bytes(), expected.as_bytes()) {
            Ok(Admin)
        } else {
            Err(ApiError::Forbidden("the admin token is wrong".to_string()))
        }
    }
}

/// Compares a guess with the secret without stopping at the first
/// difference or at a length mismatch: the work depends on the guess's
/// length only, so response time reveals neither how much of a guess was
/// right nor how long the secret is.
fn constant_time_eq(guess: &[u8], secret: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let lengths_differ = u8::from(guess.len() != secret.len());
    guess
        .iter()
        .enumerate()
        .fold(lengths_differ, |acc, (i, x)| {
            acc | (x ^ secret[i % secret.len()])
        })
        == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_tokens() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(!constant_time_eq(b"x", b""));
        // A guess that repeats the secret is still the wrong length.
        assert!(!constant_time_eq(b"secretsecret", b"secret"));
        assert!(!constant_time_eq(b"sec", b"secret"));
    }
}
