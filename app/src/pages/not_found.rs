//! The page for unknown routes.

use leptos::prelude::*;

/// Shown for any path no route matches (the server answers 404).
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="glass card empty">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address."</p>
            <a class="button" href="/">"Back to cachescope"</a>
        </section>
    }
}
