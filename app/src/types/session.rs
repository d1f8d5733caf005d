//! Roles and sign-in (`/api/session`): who may see what the app shows. The
//! server decides a request's [`Role`]; pages read it to offer the sign-in
//! form or say why a page is closed.

use serde::{Deserialize, Serialize};

/// The cookie that carries a session id (HttpOnly: page scripts never see it).
pub const SESSION_COOKIE: &str = "cachescope_session";
/// The header a cookie-authenticated write must carry, holding the session's
/// CSRF token (`GET /api/session` gives it to the page).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Longest token accepted by `POST /api/session` (longer guesses are refused
/// before any comparison).
pub const MAX_TOKEN_LEN: usize = 512;

/// What a request may see and do, lowest first (`Admin` includes `Viewer`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Search, product pages, aggregate hit ratios and latencies.
    #[default]
    Public,
    /// Also the dashboard's details (nodes, replication, Sentinels),
    /// everyone's recent searches and the key browser within its prefixes.
    Viewer,
    /// Also writes, evictions and keys outside the viewer prefixes.
    Admin,
}

impl Role {
    /// The word used in answers and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }
}

/// How the request's role was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Credential {
    /// Nothing presented.
    None,
    /// A session cookie from `POST /api/session`.
    Session,
    /// `Authorization: Bearer <token>` (scripts).
    Bearer,
    /// No `VIEWER_TOKEN` and a loopback listen address: everyone on this
    /// machine is a viewer.
    Loopback,
}

/// How viewer pages are opened on this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ViewerAccess {
    /// With `VIEWER_TOKEN` (or the admin token): sign in to see them.
    Token,
    /// No `VIEWER_TOKEN`, listening on loopback only: open to this machine.
    Loopback,
    /// No `VIEWER_TOKEN`, listening beyond loopback: closed to all but the
    /// admin token.
    Closed,
}

/// Answer of `GET /api/session`: the caller's role, and how to get more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// What this request may see and do.
    pub role: Role,
    /// What established it.
    pub credential: Credential,
    /// For a session: the token to send in `x-csrf-token` with every write.
    pub csrf_token: Option<String>,
    /// For a session: ms until it ends if unused (each use renews it).
    pub idle_expires_in_ms: Option<u64>,
    /// How viewer pages open on this server.
    pub viewer_access: ViewerAccess,
    /// Whether the server has an admin token at all (else it is read-only).
    pub writes_enabled: bool,
}

/// Body of `POST /api/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignIn {
    /// The viewer or the admin token.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_named() {
        assert!(Role::Public < Role::Viewer && Role::Viewer < Role::Admin);
        assert_eq!(
            serde_json::to_string(&Role::Viewer).expect("json"),
            "\"viewer\""
        );
        assert_eq!(Role::Admin.as_str(), "admin");
        assert_eq!(
            serde_json::to_string(&ViewerAccess::Loopback).expect("json"),
            "\"loopback\""
        );
    }
}
