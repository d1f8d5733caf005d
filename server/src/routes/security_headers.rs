//! Security headers: on every answer `X-Content-Type-Options: nosniff` and
//! `Referrer-Policy: no-referrer`; on pages also `X-Frame-Options: DENY` and,
//! set while the page renders (it needs the page's nonce, see
//! [`content_security_policy`]), a `Content-Security-Policy`.

use axum::{
    http::{header, HeaderMap, HeaderValue},
    response::Response,
};

/// The policy of a page rendered with `nonce`: its own scripts (the
/// hydration loader and the lazily loaded chunks), its inline scripts only
/// when they carry the nonce, WebAssembly compilation, its stylesheet, its
/// own origin for fetch and the WebSocket, and no framing.
pub fn content_security_policy(nonce: &str, dev: bool) -> String {
    // `cargo leptos watch` reloads pages over a WebSocket on another port.
    let connect = if dev { "'self' ws:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the headers every answer carries, and the framing ban on pages.
pub fn apply(response: &mut Response) {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let headers = response.headers_mut();
    apply_to_every(headers);
    if is_html {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            // Other pages (the API viewer at /api/docs): scripts from this
            // origin only, never inline; its inline styles and data: icons.
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                     img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
                ),
            );
        }
    }
}

/// The headers every answer carries, pages or not (an answer known not to
/// be a page, such as a product's JSON, needs only these).
pub fn apply_to_every(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}
