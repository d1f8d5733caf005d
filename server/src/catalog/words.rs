//! Words for search: one tokenizer for indexing products and for reading
//! queries, so both sides agree.

pub use app::types::tokenize;
use app::types::Product;

/// Most distinct words indexed per product.
pub const MAX_WORDS_PER_PRODUCT: usize = 64;

/// The words a product is found by: its id, name, category and features.
pub fn product_words(product: &Product) -> Vec<String> {
    let mut words = tokenize(&product.name);
    words.insert(product.id.to_lowercase());
    words.extend(tokenize(&product.category));
    for feature in &product.features {
        words.extend(tokenize(feature));
    }
    words.into_iter().take(MAX_WORDS_PER_PRODUCT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_is_found_by_id_name_category_and_features() {
        let p = Product {
            id: app::types::ProductId::parse("prod1").unwrap(),
            name: "Smartphone Premium".into(),
            price: app::types::Cents::new(100).unwrap(),
            category: "electronics".into(),
            in_stock: true,
            features: vec!["Water Resistant".into()],
        };
        assert_eq!(
            product_words(&p),
            [
                "electronics",
                "premium",
                "prod1",
                "resistant",
                "smartphone",
                "water"
            ]
        );
    }
}
