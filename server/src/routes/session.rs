//! `POST` / `GET` / `DELETE /api/session`: sign in with the viewer or admin
//! token (typed once in the top bar), say the caller's role, sign out. The
//! session lives in Redis ([`crate::auth::session`]); the browser holds its
//! id in an `HttpOnly`, `SameSite=Strict` cookie.

use super::{extract::ApiJson, guards::refusal};
use crate::{auth::session_cookie, error::ApiError, state::AppState};
use app::types::{ApiErrorBody, Credential, SessionInfo, SignIn, CSRF_HEADER, MAX_TOKEN_LEN};
use axum::{
    extract::State,
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

/// Signs in: 204 with the session cookie, or 403 for a wrong token. A
/// session cookie the browser already had is ended (a new id every time,
/// so nobody can plant an id before sign-in).
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = SignIn,
    responses((status = 204, description = "Signed in; the cookie is set"),
              (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 403, description = "Wrong token", body = ApiErrorBody),
              (status = 429, description = "Rate limited (the write budget)", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let token = body.token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::BadRequest(format!(
            "token must be 1..={MAX_TOKEN_LEN} bytes"
        )));
    }
    let (role, fingerprint) = state
        .access
        .role_of_token(token)
        .ok_or_else(|| ApiError::Forbidden("the token is wrong".to_string()))?;
    let sessions = state.access.sessions();
    if let Some(old) = session_cookie(&parts) {
        let _ = sessions.close(&old).await;
    }
    let (id, _) = sessions
        .open(role, fingerprint)
        .await
        .map_err(|e| refusal(crate::auth::AuthError::Sessions(e)))?;
    let mut headers = HeaderMap::new();
    if let Some(cookie) = state.access.session_cookie(&id, &parts) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    tracing::info!(role = role.as_str(), "signed in");
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// The caller's role; for a session, its CSRF token too.
#[utoipa::path(get, path = "/api/session", tag = "session",
    responses((status = 200, body = SessionInfo),
              (status = 403, description = "Wrong bearer token", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn who(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Json<SessionInfo>, ApiError> {
    let caller = state.access.caller(&parts).await.map_err(refusal)?;
    let idle = state.access.sessions().idle().as_millis() as u64;
    Ok(Json(SessionInfo {
        role: caller.role,
        credential: caller.credential,
        csrf_token: caller.session.as_ref().map(|(_, s)| s.csrf.clone()),
        idle_expires_in_ms: (caller.credential == Credential::Session).then_some(idle),
        viewer_access: state.access.viewer_access(),
        writes_enabled: state.access.writes_enabled(),
    }))
}

/// Signs out: the session is deleted from Redis and the cookie removed
/// (204 whether or not there was one). With a session, the CSRF header is
/// needed, as for every cookie-authenticated write.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204, description = "Signed out"),
              (status = 403, description = "No CSRF header for a session", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> Result<Response, ApiError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, state.access.cleared_cookie(&parts));
    let Some(id) = session_cookie(&parts) else {
        return Ok((StatusCode::NO_CONTENT, headers).into_response());
    };
    let sessions = state.access.sessions();
    let session = sessions
        .find(&id)
        .await
        .map_err(|e| refusal(crate::auth::AuthError::Sessions(e)))?;
    if let Some(session) = session {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !crate::auth::secret::constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
            return Err(ApiError::Forbidden(format!(
                "signing out needs the `{CSRF_HEADER}` header that GET /api/session gives"
            )));
        }
        sessions
            .close(&id)
            .await
            .map_err(|e| refusal(crate::auth::AuthError::Sessions(e)))?;
    }
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}
