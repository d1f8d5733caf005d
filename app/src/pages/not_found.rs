//! The page for unknown routes.

use leptos::prelude::*;

/// Shown for any path no route matches (the server answers 404).
#[component]
pub fn NotFound() -> impl IntoView {
    let t = &crate::i18n::use_texts().not_found;
    view! {
        <section class="glass card empty">
            <h1>{t.title}</h1>
            <p>{t.body}</p>
            <a class="button" href="/">{t.back}</a>
        </section>
    }
}
