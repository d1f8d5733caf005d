//! Routes whose code the browser loads on first visit, not with the app: the
//! wasm bundle is split (`cargo leptos build --split`) so the first page
//! downloads the search page and what it shares, and the products, product,
//! dashboard and keys pages arrive as their own chunks when a link is followed.
//! The server renders them like any route. In a bundle built without
//! `--split` (`cachescope_unsplit`, set by `app/build.rs`) the same routes are
//! ordinary async routes, all in one bundle.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// A route type whose view is `page`: a lazy route, split into its own
/// chunk unless the bundle is unsplit.
macro_rules! route {
    ($(#[$doc:meta])* $name:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $name;

        #[cfg(not(cachescope_unsplit))]
        #[leptos_router::lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                $name
            }

            fn view(this: Self) -> AnyView {
                let $name = this;
                view! { <super::$page /> }.into_any()
            }
        }

        #[cfg(cachescope_unsplit)]
        impl LazyRoute for $name {
            fn data() -> Self {
                $name
            }

            async fn view(this: Self) -> AnyView {
                let $name = this;
                view! { <super::$page /> }.into_any()
            }
        }
    };
}

route!(
    /// `/products`.
    ProductsRoute => ProductsPage
);
route!(
    /// `/products/:id`.
    ProductDetailRoute => ProductDetailPage
);
route!(
    /// `/dashboard`.
    DashboardRoute => DashboardPage
);
route!(
    /// `/keys`.
    KeysRoute => KeysPage
);
