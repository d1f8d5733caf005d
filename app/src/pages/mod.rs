//! One module per route.

mod dashboard;
mod keys;
mod lazy;
mod not_found;
mod product_detail;
mod products;
mod search;

pub use dashboard::DashboardPage;
pub use keys::{key_href, KeysPage};
pub use lazy::{DashboardRoute, KeysRoute, ProductDetailRoute, ProductsRoute};
pub use not_found::NotFound;
pub use product_detail::ProductDetailPage;
pub use products::ProductsPage;
pub use search::SearchPage;
