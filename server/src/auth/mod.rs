//! Who a request is: its [`Role`] from a bearer token, a session cookie, or
//! the loopback rule, and the cookie that carries a session.
//!
//! Public routes never ask (a lookup costs no session read); the guards in
//! `routes::guards` ask only for viewer and admin routes.

pub mod secret;
pub mod session;

pub use secret::Secret;
pub use session::{Session, SessionError, SessionId, Sessions, SESSION_PREFIX};

use app::types::{Credential, Role, ViewerAccess, SESSION_COOKIE};
use axum::http::{header, request::Parts, HeaderValue};
use std::net::{IpAddr, SocketAddr};

/// Longest `Cookie` header read for the session id.
const MAX_COOKIE_HEADER: usize = 8 * 1024;

/// When the session cookie is marked `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CookieSecure {
    /// When the request came over TLS as a trusted proxy reports it
    /// (`X-Forwarded-Proto: https` from one of `TRUSTED_PROXIES`).
    Auto,
    /// Always (the server is only ever reached over HTTPS).
    Always,
}

/// The server's access rules.
pub struct Access {
    admin: Option<Secret>,
    viewer: Option<Secret>,
    viewer_access: ViewerAccess,
    sessions: Sessions,
    cookie_secure: CookieSecure,
    trusted_proxies: Vec<IpAddr>,
}

/// The settings [`Access`] is built from.
pub struct AccessSettings {
    /// `ADMIN_TOKEN`.
    pub admin: Option<Secret>,
    /// `VIEWER_TOKEN`.
    pub viewer: Option<Secret>,
    /// The address the server listens on (decides the loopback rule).
    pub listen: SocketAddr,
    /// Where sessions are kept.
    pub sessions: Sessions,
    /// `COOKIE_SECURE`.
    pub cookie_secure: CookieSecure,
    /// `TRUSTED_PROXIES` (whose `X-Forwarded-Proto` is believed).
    pub trusted_proxies: Vec<IpAddr>,
}

/// Who made a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What it may see and do.
    pub role: Role,
    /// What established the role.
    pub credential: Credential,
    /// Its session, when a cookie established the role.
    pub session: Option<(SessionId, Session)>,
}

/// Why a request's credentials were refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// An `Authorization` header that is not `Bearer <token>`.
    #[error("send the token as `Authorization: Bearer <token>`")]
    NotBearer,
    /// A bearer token that is neither the viewer nor the admin token.
    #[error("the token is wrong")]
    WrongToken,
    /// The session store did not answer.
    #[error(transparent)]
    Sessions(#[from] SessionError),
}

impl Access {
    /// The rules for these settings: with no viewer token, viewer pages are
    /// open on a loopback listen address and closed on any other.
    pub fn new(settings: AccessSettings) -> Self {
        let viewer = settings
            .viewer
            .filter(|s| Secret::non_empty(Some(s)).is_some());
        let admin = settings
            .admin
            .filter(|s| Secret::non_empty(Some(s)).is_some());
        let viewer_access = match (&viewer, settings.listen.ip().is_loopback()) {
            (Some(_), _) => ViewerAccess::Token,
            (None, true) => ViewerAccess::Loopback,
            (None, false) => ViewerAccess::Closed,
        };
        Access {
            admin,
            viewer,
            viewer_access,
            sessions: settings.sessions,
            cookie_secure: settings.cookie_secure,
            trusted_proxies: settings.trusted_proxies,
        }
    }

    /// How viewer pages open on this server.
    pub fn viewer_access(&self) -> ViewerAccess {
        self.viewer_access
    }

    /// Whether an admin token is configured (else every write is refused).
    pub fn writes_enabled(&self) -> bool {
        self.admin.is_some()
    }

    /// The session store.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// The role a token gives, with the token's fingerprint. Both tokens
    /// are compared whatever the first answer, so timing tells neither.
    pub fn role_of_token(&self, token: &str) -> Option<(Role, String)> {
        let admin = self.admin.as_ref().filter(|s| s.matches(token));
        let viewer = self.viewer.as_ref().filter(|s| s.matches(token));
        match (admin, viewer) {
            (Some(secret), _) => Some((Role::Admin, secret.fingerprint())),
            (None, Some(secret)) => Some((Role::Viewer, secret.fingerprint())),
            (None, None) => None,
        }
    }

    /// Whether a session opened by the token of `fingerprint` for `role`
    /// still stands (its token was not rotated or removed).
    fn still_valid(&self, session: &Session) -> bool {
        let secret = match session.role {
            Role::Admin => self.admin.as_ref(),
            Role::Viewer => self.viewer.as_ref(),
            Role::Public => None,
        };
        secret.is_some_and(|s| s.fingerprint() == session.token)
    }

    /// Whether the session `id` still stands (not signed out, expired or
    /// opened by a token since rotated), checked without renewing it.
    pub async fn session_stands(&self, id: &SessionId) -> Result<bool, SessionError> {
        Ok(self
            .sessions
            .peek(id)
            .await?
            .is_some_and(|session| self.still_valid(&session)))
    }

    /// The caller of a request: a bearer token first (scripts), then the
    /// session cookie, then the loopback rule.
    pub async fn caller(&self, parts: &Parts) -> Result<Caller, AuthError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                // The scheme is case-insensitive (RFC 9110 11.1).
                .and_then(|h| h.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or(AuthError::NotBearer)?;
            let (role, _) = self.role_of_token(token).ok_or(AuthError::WrongToken)?;
            return Ok(Caller {
                role,
                credential: Credential::Bearer,
                session: None,
            });
        }
        if let Some(id) = session_cookie(parts) {
            if let Some(session) = self.sessions.find(&id).await? {
                if self.still_valid(&session) {
                    return Ok(Caller {
                        role: session.role,
                        credential: Credential::Session,
                        session: Some((id, session)),
                    });
                }
            }
        }
        Ok(self.anonymous())
    }

    /// A caller with no credentials: a viewer under the loopback rule, else
    /// public.
    pub fn anonymous(&self) -> Caller {
        let (role, credential) = if self.viewer_access == ViewerAccess::Loopback {
            (Role::Viewer, Credential::Loopback)
        } else {
            (Role::Public, Credential::None)
        };
        Caller {
            role,
            credential,
            session: None,
        }
    }

    /// `Set-Cookie` for a new session: `HttpOnly` (page scripts never read
    /// it), `SameSite=Strict` (never sent by another site's page), `Secure`
    /// over TLS.
    pub fn session_cookie(&self, id: &SessionId, parts: &Parts) -> Option<HeaderValue> {
        let secure = if self.is_tls(parts) { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
            id.as_str(),
            self.sessions.max_age().as_secs()
        ))
        .ok()
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn cleared_cookie(&self, parts: &Parts) -> HeaderValue {
        let secure = if self.is_tls(parts) { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("cachescope_session=; Max-Age=0"))
    }

    /// Whether the request reached us over TLS: `COOKIE_SECURE=always`, or
    /// a trusted proxy's `X-Forwarded-Proto: https`.
    fn is_tls(&self, parts: &Parts) -> bool {
        if self.cookie_secure == CookieSecure::Always {
            return true;
        }
        let from_proxy =
            crate::serve::peer(parts).is_some_and(|peer| self.trusted_proxies.contains(&peer.ip()));
        from_proxy
            && parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }
}

/// The session id of the request's cookie, when it has an id's shape.
pub fn session_cookie(parts: &Parts) -> Option<SessionId> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.len() <= MAX_COOKIE_HEADER)
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim() == SESSION_COOKIE)
        .and_then(|(_, value)| SessionId::parse(value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::get("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).expect("request").into_parts().0
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let id = "ab".repeat(32);
        let found = session_cookie(&parts(&[(
            "cookie",
            &format!("lang=fr; {SESSION_COOKIE}={id}; x=y"),
        )]));
        assert_eq!(found.map(|i| i.as_str().to_string()), Some(id));
        assert!(session_cookie(&parts(&[("cookie", "cachescope_session=nope")])).is_none());
        assert!(session_cookie(&parts(&[])).is_none());
    }
}
