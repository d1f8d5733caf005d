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

use crate::format::format_price_compact;
use crate::i18n::Texts;
use crate::types::LookupQuery;

/// What was looked up, as the search page's history and the dashboard's
/// live lookups show it, in the page's language.
pub fn query_label(query: &LookupQuery, t: &Texts) -> String {
    query.label(t.search.all_products, |price| {
        format_price_compact(price, t.locale)
    })
}
