//! The bar at the top of every page: brand and navigation.

use leptos::prelude::*;
use leptos_router::components::A;

/// Brand and links to each page; the current page's link is marked by the
/// router (`aria-current="page"`).
#[component]
pub fn TopBar() -> impl IntoView {
    view! {
        <header class="hero">
            <a class="brand" href="/">
                <span class="logo" aria-hidden="true"></span>
                <div>
                    <span class="brand-name">"cachescope"</span>
                    <p class="tagline">"Redis cache-aside, watched live."</p>
                </div>
            </a>
            <nav class="nav glass" aria-label="Main">
                <A href="/" exact=true>"Search"</A>
                <A href="/dashboard">"Dashboard"</A>
                <A href="/products">"Products"</A>
                <A href="/keys">"Keys"</A>
            </nav>
        </header>
    }
}
