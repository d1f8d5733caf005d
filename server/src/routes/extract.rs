//! Extractors that turn every malformed input (path, query string, JSON body)
//! into our `{"error"}` JSON with a 4xx, instead of axum's plain-text rejections.

use crate::error::ApiError;
use axum::{
    extract::{
        path::ErrorKind,
        rejection::{JsonRejection, PathRejection},
        FromRequest, FromRequestParts, Path, Query, Request,
    },
    http::request::Parts,
};
use serde::de::DeserializeOwned;

/// `Query<T>` with JSON errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(has_malformed_escape) {
            return Err(ApiError::BadRequest(
                "invalid query string: a `%` must be followed by two hex digits".to_string(),
            ));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e| ApiError::BadRequest(format!("invalid query string: {}", e.body_text())))
    }
}

/// A `%` not followed by two hex digits. The URL decoder would keep it as
/// literal text; no browser sends one, so it is refused rather than guessed.
fn has_malformed_escape(query: &str) -> bool {
    let bytes = query.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// `Path<T>` with JSON errors.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| match rejection {
                // A type's own refusal (a bad `ProductId`) is already a
                // sentence for the person who sent it.
                PathRejection::FailedToDeserializePathParams(e) => match e.into_kind() {
                    ErrorKind::Message(sentence) => ApiError::BadRequest(sentence),
                    kind => ApiError::BadRequest(format!("invalid path: {kind}")),
                },
                other => ApiError::BadRequest(format!("invalid path: {}", other.body_text())),
            })
    }
}

/// `Json<T>` with JSON errors: 400 for malformed JSON, 413 for a body over the
/// limit, 415 for a missing `Content-Type: application/json`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::BadRequest(format!(
                "invalid product JSON: {}",
                e.body_text()
            ))),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::BadRequest(format!(
                "malformed JSON: {}",
                e.body_text()
            ))),
            Err(other) => Err(ApiError::Rejected(other.status(), other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_malformed_escape;

    #[test]
    fn percent_escapes_need_two_hex_digits() {
        for good in ["", "q=phone", "q=a%20b", "q=%E2%82%AC", "q=%2f%2F"] {
            assert!(!has_malformed_escape(good), "{good}");
        }
        for bad in ["q=%ZZ", "q=100%", "q=%2", "q=%G0", "%", "q=a%2"] {
            assert!(has_malformed_escape(bad), "{bad}");
        }
    }
}
