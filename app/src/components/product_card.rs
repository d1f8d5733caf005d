//! A product as a glass tile in a listing.

use crate::types::Product;
use leptos::prelude::*;

/// Name, price, category, stock and features; links to the detail page.
#[component]
pub fn ProductCard(product: Product) -> impl IntoView {
    let href = format!("/products/{}", product.id);
    let stock = if product.in_stock {
        "In stock"
    } else {
        "Out of stock"
    };
    view! {
        <a class="product glass" href=href data-testid="product" data-id=product.id.clone()>
            <div class="product-top">
                <span class="chip">{product.category.clone()}</span>
                <span class=if product.in_stock { "stock in" } else { "stock out" }>{stock}</span>
            </div>
            <h3>{product.name.clone()}</h3>
            <div class="price" data-testid="price">{format_price(product.price)}</div>
            <ul class="features">
                {product.features.into_iter().take(3).map(|f| view! { <li>{f}</li> }).collect_view()}
            </ul>
        </a>
    }
}

/// `899.99` → `$899.99`, with thousands separators.
pub fn format_price(price: f64) -> String {
    let cents = (price * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::format_price;

    #[test]
    fn prices_read_naturally() {
        assert_eq!(format_price(899.99), "$899.99");
        assert_eq!(format_price(2499.0), "$2,499.00");
        assert_eq!(format_price(0.5), "$0.50");
        assert_eq!(format_price(1234567.891), "$1,234,567.89");
    }
}
