//! The root component: metadata, stylesheet, and the route table.

use crate::pages::{
    DashboardRoute, KeysRoute, NotFound, ProductDetailRoute, ProductsRoute, SearchPage,
};
use crate::{components::TopBar, loading::LoadingParts};
use hydration_context::SharedContext;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
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
    crate::session::provide_session();
    // Effects run only in the browser: this flips once the whole page is
    // live, lazily loaded parts included, so people (and browser tests) can
    // tell a hydrated page from HTML alone.
    let (hydrated, set_hydrated) = signal(false);
    let context = Owner::current_shared_context();
    Effect::new(move |_| when_hydrated(context.clone(), move || set_hydrated.set(true)));
    let loading = LoadingParts::new();
    provide_context(loading);
    let hydrated = move || hydrated.get() && loading.count() == 0;
    view! {
        <Stylesheet id="leptos" href="/pkg/cachescope.css" />
        <Title text="cachescope" />
        <Router>
            <div class="backdrop" aria-hidden="true">
                <span class="orb orb-a"></span>
                <span class="orb orb-b"></span>
                <span class="orb orb-c"></span>
            </div>
            <main class="page" data-hydrated=move || hydrated().to_string()>
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

/// Runs `done` once hydration is over. Hydration is asynchronous (lazy
/// routes and the search page's panels wait for their wasm chunk), so the
/// first effects run before it ends: look again every 20 ms until it has.
fn when_hydrated(
    context: Option<std::sync::Arc<dyn SharedContext + Send + Sync>>,
    done: impl Fn() + Send + Sync + 'static,
) {
    if context.as_ref().is_some_and(|c| c.during_hydration()) {
        set_timeout(
            move || when_hydrated(context, done),
            std::time::Duration::from_millis(20),
        );
    } else {
        done();
    }
}
