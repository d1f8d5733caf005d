//! Route guards: take [`Viewer`] or [`Admin`] as a handler argument to protect
//! a route. Each resolves the caller ([`crate::auth::Access::caller`]) and
//! refuses with a sentence saying which role the route needs and how to get
//! it. A write made with a session cookie must also carry the session's CSRF
//! token in `x-csrf-token` (bearer tokens need none: no browser sends them on
//! its own).

use crate::{
    auth::{AuthError, Caller, SessionError},
    error::ApiError,
    state::AppState,
};
use app::types::{Credential, Role, ViewerAccess, CSRF_HEADER};
use axum::{
    extract::FromRequestParts,
    http::{request::Parts, Method},
};

/// Proof that the caller is an admin (and, for a session, that a write
/// carries its CSRF token).
pub struct Admin;

/// Proof that the caller is a viewer or an admin.
pub struct Viewer(pub Caller);

/// The caller of any route (public routes that show more to viewers).
pub struct Anyone(pub Caller);

impl FromRequestParts<AppState> for Anyone {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match state.access.caller(parts).await {
            Ok(caller) => Ok(Anyone(caller)),
            // A wrong token on a public route is still a wrong token.
            Err(error) => Err(refusal(error)),
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = state.access.caller(parts).await.map_err(refusal)?;
        if caller.role >= Role::Viewer {
            return Ok(Viewer(caller));
        }
        Err(match state.access.viewer_access() {
            ViewerAccess::Closed => ApiError::Forbidden(
                "viewer pages are closed: this server has no VIEWER_TOKEN and listens beyond \
                 loopback. Set VIEWER_TOKEN and sign in with it (or with the admin token)"
                    .to_string(),
            ),
            _ => ApiError::Unauthorized(
                "this needs the viewer role: sign in with the viewer token (POST /api/session) \
                 or send `Authorization: Bearer <token>`"
                    .to_string(),
            ),
        })
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !state.access.writes_enabled() {
            return Err(ApiError::Forbidden(
                "writes are disabled: the server runs read-only because ADMIN_TOKEN is not set"
                    .to_string(),
            ));
        }
        let caller = state.access.caller(parts).await.map_err(refusal)?;
        match (caller.role, caller.credential) {
            (Role::Admin, _) => {}
            (_, Credential::None | Credential::Loopback) => {
                return Err(ApiError::Unauthorized(
                    "this needs the admin role: sign in with the admin token or send \
                     `Authorization: Bearer <token>`"
                        .to_string(),
                ))
            }
            (role, _) => {
                return Err(ApiError::Forbidden(format!(
                    "this needs the admin role, and your credentials give the {} role",
                    role.as_str()
                )))
            }
        }
        if let Some((_, session)) = &caller.session {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let token = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !safe
                && !crate::auth::secret::constant_time_eq(token.as_bytes(), session.csrf.as_bytes())
            {
                return Err(ApiError::Forbidden(format!(
                    "a write signed in by cookie must carry the `{CSRF_HEADER}` header that \
                     GET /api/session gives"
                )));
            }
        }
        Ok(Admin)
    }
}

/// The API error for refused credentials.
pub fn refusal(error: AuthError) -> ApiError {
    match error {
        AuthError::NotBearer => ApiError::Unauthorized(error.to_string()),
        AuthError::WrongToken => ApiError::Forbidden(error.to_string()),
        AuthError::Sessions(SessionError::Store(store)) => {
            ApiError::Unavailable(format!("cannot read the session: {store}"))
        }
        AuthError::Sessions(other) => ApiError::Internal(other.to_string()),
    }
}
