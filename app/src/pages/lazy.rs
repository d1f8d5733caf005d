//! Routes whose code the browser loads on first visit, not with the app: the
//! wasm bundle is split (`cargo leptos build --split`) so the first page
//! downloads the search page and what it shares, and the products, product,
//! dashboard and keys pages arrive as their own chunks when a link is followed.
//! The server renders them like any route.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `/products`.
pub struct ProductsRoute;

#[lazy_route]
impl LazyRoute for ProductsRoute {
    fn data() -> Self {
        ProductsRoute
    }

    fn view(this: Self) -> AnyView {
        let ProductsRoute = this;
        view! { <super::ProductsPage /> }.into_any()
    }
}

/// `/products/:id`.
pub struct ProductDetailRoute;

#[lazy_route]
impl LazyRoute for ProductDetailRoute {
    fn data() -> Self {
        ProductDetailRoute
    }

    fn view(this: Self) -> AnyView {
        let ProductDetailRoute = this;
        view! { <super::ProductDetailPage /> }.into_any()
    }
}

/// `/dashboard`.
pub struct DashboardRoute;

#[lazy_route]
impl LazyRoute for DashboardRoute {
    fn data() -> Self {
        DashboardRoute
    }

    fn view(this: Self) -> AnyView {
        let DashboardRoute = this;
        view! { <super::DashboardPage /> }.into_any()
    }
}

/// `/keys`.
pub struct KeysRoute;

#[lazy_route]
impl LazyRoute for KeysRoute {
    fn data() -> Self {
        KeysRoute
    }

    fn view(this: Self) -> AnyView {
        let KeysRoute = this;
        view! { <super::KeysPage /> }.into_any()
    }
}
