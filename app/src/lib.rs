//! cachescope's web app: Leptos components and routes, plus the JSON types the
//! server and the browser share.
//!
//! The crate is compiled twice: with `ssr` it is linked into the Axum server,
//! which renders every page to HTML; with `hydrate` it becomes the wasm bundle
//! that takes over that HTML in the browser. Nothing here depends on Redis or
//! tokio, so the wasm build stays small.

// The dashboard's view type is deep enough to pass the default (128) when the
// lazy route computes its async hydration.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod format;
pub mod i18n;
pub mod live;
pub mod loading;
pub mod pages;
pub mod session;
#[cfg(feature = "ssr")]
pub mod shell;
pub mod types;

pub use app::App;

/// Browser entry point: attaches the reactive app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(App);
}
