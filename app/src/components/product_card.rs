//! A product as a glass tile in a listing.

use crate::format::format_price;
use crate::i18n::use_texts;
use crate::types::Product;
use leptos::prelude::*;

/// Name, price, category, stock and features; links to the detail page.
#[component]
pub fn ProductCard(product: Product) -> impl IntoView {
    let href = format!("/products/{}", product.id);
    let t = use_texts();
    let stock = if product.in_stock {
        t.common.in_stock
    } else {
        t.common.out_of_stock
    };
    view! {
        <a class="product glass" href=href data-testid="product" data-id=product.id.to_string()>
            <div class="product-top">
                <span class="chip">{product.category.clone()}</span>
                <span class=if product.in_stock { "stock in" } else { "stock out" }>{stock}</span>
            </div>
            <h3>{product.name.clone()}</h3>
            <div class="price" data-testid="price">{format_price(product.price, t.locale)}</div>
            <ul class="features">
                {product.features.into_iter().take(3).map(|f| view! { <li>{f}</li> }).collect_view()}
            </ul>
        </a>
    }
}
