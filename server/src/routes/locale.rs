//! The UI's language on the server: `GET /locale?set=fr&back=/keys` (the top
//! bar's switch) keeps the choice in the `lang` cookie and sends the person
//! back to the page they were on; and every page render is given the
//! request's language (cookie, else `Accept-Language`) before the app runs.

use super::extract::ApiQuery;
use app::types::{Locale, LocaleChoice, LOCALE_COOKIE};
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// A year: the choice outlives the session.
const COOKIE_MAX_AGE_S: u64 = 365 * 24 * 3600;

/// `GET /locale`: sets the cookie, then `303 See Other` to `back` (a path on
/// this site only; anything else goes to `/`).
pub async fn switch(ApiQuery(choice): ApiQuery<LocaleChoice>) -> Response {
    let location = HeaderValue::from_str(choice.return_path())
        .unwrap_or_else(|_| HeaderValue::from_static("/"));
    let cookie = format!(
        "{LOCALE_COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; SameSite=Lax; HttpOnly",
        choice.set.tag()
    );
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, location);
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The language of a request.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    Locale::negotiate(text(header::COOKIE), text(header::ACCEPT_LANGUAGE))
}

/// Gives the page being rendered its language (read by `app::i18n` and the
/// shell's `<html lang>`), and says that the page varies with the headers
/// that chose it, so no cache serves one language to another reader. Runs
/// inside Leptos' render, where the request's parts are context.
pub fn provide_page_locale() {
    use leptos::prelude::{provide_context, use_context};
    let locale = use_context::<axum::http::request::Parts>()
        .map(|parts| request_locale(&parts.headers))
        .unwrap_or_default();
    provide_context(locale);
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(
            header::VARY,
            HeaderValue::from_static("Cookie, Accept-Language"),
        );
    }
}
