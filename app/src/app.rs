//! The root component: metadata, stylesheet, and the route table.

use crate::components::TopBar;
use crate::pages::{
    DashboardRoute, KeysRoute, NotFound, ProductDetailRoute, ProductsRoute, SearchPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy,
};

/// The whole app; rendered by the server and hydrated in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::i18n::provide_locale();
    // Effects run only in the browser: this flips once the wasm app is live,
    // so people (and browser tests) can tell a hydrated page from HTML alone.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    view! {
        <Stylesheet id="leptos" href="/pkg/cachescope.css" />
        <Title text="cachescope" />
        <Router>
            <div class="backdrop" aria-hidden="true">
                <span class="orb orb-a"></span>
                <span class="orb orb-b"></span>
                <span class="orb orb-c"></span>
            </div>
            <main class="page" data-hydrated=move || hydrated.get().to_string()>
                <TopBar />
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=SearchPage />
                    <Route path=path!("/products") view={Lazy::<ProductsRoute>::new()} />
                    <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("/products/:id") view={Lazy::<ProductDetailRoute>::new()} />
                    <Route path=path!("/keys") view={Lazy::<KeysRoute>::new()} />
                </Routes>
            </main>
        </Router>
    }
}
