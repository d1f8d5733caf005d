//! One module per route.

mod home;
mod not_found;
mod product_detail;
mod products;

pub use home::HomePage;
pub use not_found::NotFound;
pub use product_detail::ProductDetailPage;
pub use products::ProductsPage;
