//! The root component: metadata, stylesheet, and the route table.

use crate::components::TopBar;
use crate::pages::{HomePage, NotFound, ProductDetailPage, ProductsPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// The whole app; rendered by the server and hydrated in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/cachescope.css" />
        <Title text="cachescope" />
        <Router>
            <div class="backdrop" aria-hidden="true">
                <span class="orb orb-a"></span>
                <span class="orb orb-b"></span>
                <span class="orb orb-c"></span>
            </div>
            <main class="page">
                <TopBar />
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/products") view=ProductsPage />
                    <Route path=path!("/products/:id") view=ProductDetailPage />
                </Routes>
            </main>
        </Router>
    }
}
