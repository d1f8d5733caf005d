//! The caller's role on every page: `GET /api/session`, read once per page
//! load (by the server while it renders, with the page request's cookie),
//! shared as context. Sign-in and sign-out reload the page, so everything
//! on it is rendered again for the new role.

use crate::api;
use crate::types::{ApiErrorBody, ApiFailure, Role, SessionInfo, SignIn, CSRF_HEADER};
use leptos::prelude::*;

/// The session answer of this page load.
#[derive(Clone, Copy)]
pub struct SessionContext(pub Resource<Result<SessionInfo, ApiFailure>>);

/// Reads the session once for the page (call in the root component).
pub fn provide_session() {
    let resource = Resource::new(|| (), |_| api::session());
    provide_context(SessionContext(resource));
}

/// The page's session answer.
pub fn use_session() -> SessionContext {
    use_context::<SessionContext>().unwrap_or_else(|| {
        SessionContext(Resource::new(
            || (),
            |_| async { Err(ApiFailure::unreachable("no session context")) },
        ))
    })
}

impl SessionContext {
    /// The role, once known (`None` while loading or when the server did not
    /// answer).
    pub fn role(&self) -> Option<Role> {
        self.0.get().and_then(|answer| answer.ok()).map(|s| s.role)
    }
}

/// Signs in with a token; the page reloads on success.
pub async fn sign_in(token: String) -> Result<(), String> {
    let body = serde_json::to_string(&SignIn { token }).unwrap_or_default();
    change("POST", Some(body), Vec::new()).await
}

/// Signs out (with the session's CSRF token); the page reloads.
pub async fn sign_out(csrf: Option<String>) -> Result<(), String> {
    let headers = csrf.map(|c| vec![(CSRF_HEADER, c)]).unwrap_or_default();
    change("DELETE", None, headers).await
}

/// Sends a change of session; a 204 reloads the page, anything else is the
/// server's sentence.
async fn change(
    method: &'static str,
    body: Option<String>,
    headers: Vec<(&'static str, String)>,
) -> Result<(), String> {
    let (status, text) = api::send(method, api::paths::SESSION.into(), body, headers)
        .await
        .map_err(|f| f.error)?;
    if status == 204 {
        reload();
        Ok(())
    } else {
        Err(sentence(status, &text))
    }
}

fn sentence(status: u16, body: &str) -> String {
    serde_json::from_str::<ApiErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_else(|_| format!("HTTP {status}"))
}

fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
