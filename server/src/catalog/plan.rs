//! The `KEYS` and `ARGV` of a product write ([`super::scripts`]): every key
//! the write touches, named here from `keyspace/db.rs` and `keyspace/cache.rs`,
//! in the layout the scripts read. A write's keys depend on what the product
//! was, so a plan is made from a reading of it ([`Before`]), which the
//! script checks again before it changes anything.

use super::{words, CatalogError};
use crate::keyspace::{cache as cache_keys, db as keys};
use app::types::Product;

/// What a product was when the write was planned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Before {
    /// Its JSON, if it existed.
    pub json: Option<String>,
    /// The words it is indexed under (`db:idx:product_words:<id>`).
    pub words: Vec<String>,
}

impl Before {
    /// Its category, from the JSON (none for a product that did not exist or
    /// whose JSON is not ours: then no category index is left to clean).
    fn category(&self) -> Option<String> {
        let json = self.json.as_deref()?;
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        value.get("category")?.as_str().map(str::to_string)
    }
}

/// A script's keys and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `KEYS`, in the scripts' order.
    pub keys: Vec<String>,
    /// `ARGV`.
    pub args: Vec<String>,
}

/// KEYS 1 to 11, shared by both scripts: the product, all ids, by price, the
/// (new) category's set and price index, the category names, the product's
/// word list, its cache entry, the search generation, the old category's set
/// and price index; then the old words' sets.
fn common_keys(id: &str, category: &str, old_category: &str, old_words: &[String]) -> Vec<String> {
    let mut keys = vec![
        keys::product(id),
        keys::ALL_IDS.to_string(),
        keys::BY_PRICE.to_string(),
        keys::category(category),
        keys::category_by_price(category),
        keys::CATEGORIES.to_string(),
        keys::product_words(id),
        cache_keys::product(id),
        cache_keys::SEARCH_GENERATION.to_string(),
        keys::category(old_category),
        keys::category_by_price(old_category),
    ];
    keys.extend(old_words.iter().map(|w| keys::word(w)));
    keys
}

/// ARGV describing `before`: expected JSON, "1" if it existed, the old
/// category to leave (or ""), m, the m old words.
fn before_args(before: &Before, leave_category: &str) -> Vec<String> {
    let mut args = vec![
        before.json.clone().unwrap_or_default(),
        if before.json.is_some() { "1" } else { "0" }.to_string(),
        leave_category.to_string(),
        before.words.len().to_string(),
    ];
    args.extend(before.words.iter().cloned());
    args
}

/// Creates or replaces `product` (`nx`: leave an existing one alone).
pub fn put(product: &Product, nx: bool, before: &Before) -> Result<Plan, CatalogError> {
    let json = serde_json::to_string(product).map_err(|e| CatalogError::Corrupt {
        id: product.id.to_string(),
        reason: e.to_string(),
    })?;
    let old_category = before.category();
    // The old category is left only when it is another one.
    let leave = old_category
        .as_deref()
        .filter(|old| *old != product.category)
        .unwrap_or("");
    let new_words = words::product_words(product);
    let mut keys = common_keys(
        product.id.as_str(),
        &product.category,
        old_category.as_deref().unwrap_or(&product.category),
        &before.words,
    );
    keys.extend(new_words.iter().map(|w| keys::word(w)));
    let mut args = vec![
        product.id.to_string(),
        json,
        product.price.to_string(),
        product.category.clone(),
        if nx { "1" } else { "0" }.to_string(),
    ];
    args.extend(before_args(before, leave));
    args.extend(new_words);
    Ok(Plan { keys, args })
}

/// Deletes product `id`.
pub fn delete(id: &str, before: &Before) -> Plan {
    let old_category = before.category().unwrap_or_default();
    let mut args = vec![id.to_string()];
    args.extend(before_args(before, &old_category));
    Plan {
        keys: common_keys(id, &old_category, &old_category, &before.words),
        args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::types::{Cents, ProductId};

    fn product(category: &str) -> Product {
        Product {
            id: ProductId::parse("p1").unwrap(),
            name: "Red Lamp".into(),
            price: Cents::new(1_250).unwrap(),
            category: category.into(),
            in_stock: true,
            features: vec![],
        }
    }

    #[test]
    fn a_plan_names_every_key_its_write_touches() {
        let before = Before {
            json: Some(serde_json::to_string(&product("home")).expect("json")),
            words: vec!["old".into()],
        };
        let plan = put(&product("garden"), false, &before).expect("plan");
        for key in [
            "db:product:p1",
            "db:category:garden",
            "db:category:home",
            "db:idx:word:old",
            "db:idx:word:lamp",
            "cache:product:p1",
            "cache:search:gen",
        ] {
            assert!(
                plan.keys.iter().any(|k| k == key),
                "{key} not in {:?}",
                plan.keys
            );
        }
        // ARGV: the old category is left, one old word, then the new words.
        assert_eq!(plan.args[7], "home");
        assert_eq!(plan.args[8], "1");
        assert_eq!(plan.args[9], "old");
        assert_eq!(plan.keys.len(), 11 + 1 + (plan.args.len() - 10));
        // Same category: nothing to leave.
        let same = put(&product("home"), false, &before).expect("plan");
        assert_eq!(same.args[7], "");
        // A delete of a product that never was.
        let gone = delete("p9", &Before::default());
        assert_eq!(gone.args, ["p9", "", "0", "", "0"]);
        assert_eq!(gone.keys.len(), 11);
    }
}
