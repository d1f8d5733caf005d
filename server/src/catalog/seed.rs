//! Filling the product database: the built-in catalog (`server/data/catalog.json`,
//! compiled into the binary) and a generator of synthetic products for load tests.

use super::{CatalogError, ProductDb};
use crate::keyspace::db as keys;
use app::types::{Cents, Invalid, Product, ProductId};
use serde::Deserialize;

/// The catalog file as shipped.
const CATALOG_JSON: &str = include_str!("../../data/catalog.json");

/// Most synthetic products one `generate` call writes.
pub const MAX_GENERATED: u64 = 1_000_000;
/// Synthetic products per pipeline (one round trip each).
const BATCH: u64 = 1_000;
/// Categories the generator spreads products over.
const SYNTHETIC_CATEGORIES: [&str; 8] = [
    "electronics",
    "kitchen",
    "home",
    "sports",
    "books",
    "fashion",
    "toys",
    "garden",
];

#[derive(Deserialize)]
struct CatalogFile {
    version: u64,
    products: Vec<Product>,
}

/// The built-in catalog: its version and its products.
pub fn builtin() -> Result<(u64, Vec<Product>), serde_json::Error> {
    let file: CatalogFile = serde_json::from_str(CATALOG_JSON)?;
    Ok((file.version, file.products))
}

/// What a load did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadReport {
    /// Products written.
    pub written: u64,
    /// Products left alone because they already existed.
    pub kept: u64,
    /// `true` when this catalog version was loaded before and nothing was done.
    pub already_loaded: bool,
}

impl ProductDb {
    /// Loads the built-in catalog. Without `force` it is idempotent: it runs
    /// once per catalog version (so deleted products stay deleted across
    /// restarts) and never overwrites an existing product (so edits survive).
    /// With `force` (the `seed --force` command) every catalog product is
    /// written again as shipped.
    pub async fn load_builtin(&self, force: bool) -> Result<LoadReport, CatalogError> {
        let (version, products) = builtin().map_err(|e| CatalogError::Corrupt {
            id: "catalog.json".to_string(),
            reason: e.to_string(),
        })?;
        if !force {
            let loaded: Option<u64> = self
                .master
                .query(redis::cmd("GET").arg(keys::CATALOG_VERSION))
                .await?;
            if loaded.is_some_and(|loaded| loaded >= version) {
                return Ok(LoadReport {
                    already_loaded: true,
                    ..LoadReport::default()
                });
            }
        }
        let writes = products.iter().map(|p| async move {
            if force {
                self.put(p).await.map(|_| true)
            } else {
                self.insert_if_absent(p).await
            }
        });
        let mut report = LoadReport::default();
        for written in futures::future::join_all(writes).await {
            if written? {
                report.written += 1;
            } else {
                report.kept += 1;
            }
        }
        let _: () = self
            .master
            .query(redis::cmd("SET").arg(keys::CATALOG_VERSION).arg(version))
            .await?;
        Ok(report)
    }

    /// Writes `count` synthetic products `syn-0000001`… (deterministic names,
    /// prices and categories), one pipeline per 1,000, each product through
    /// the same PUT script as the admin API (`EVALSHA`), so every index, the
    /// word index included, and the search generation are kept exactly as
    /// for any other write. Running it again rewrites the same products.
    pub async fn generate(&self, count: u64) -> Result<u64, CatalogError> {
        let count = count.min(MAX_GENERATED);
        let sha: String = self
            .master
            .query(
                redis::cmd("SCRIPT")
                    .arg("LOAD")
                    .arg(&*super::scripts::PUT_CODE),
            )
            .await?;
        let mut start = 1;
        while start <= count {
            let end = (start + BATCH - 1).min(count);
            let products = (start..=end)
                .map(synthetic)
                .collect::<Result<Vec<Product>, Invalid>>()
                .map_err(|e| CatalogError::Corrupt {
                    id: format!("syn-{start:07}"),
                    reason: e.to_string(),
                })?;
            // What each is now (one pipeline), then the writes (another).
            let mut read = redis::pipe();
            for product in &products {
                read.cmd("GET")
                    .arg(keys::product(product.id.as_str()))
                    .cmd("SMEMBERS")
                    .arg(keys::product_words(product.id.as_str()));
            }
            let before: Vec<(Option<String>, Vec<String>)> = self.master.pipe(&read).await?;
            let mut write = redis::pipe();
            for (product, (json, words)) in products.iter().zip(before) {
                let plan = super::plan::put(product, false, &super::plan::Before { json, words })?;
                write
                    .cmd("EVALSHA")
                    .arg(&sha)
                    .arg(plan.keys.len())
                    .arg(plan.keys)
                    .arg(plan.args);
            }
            let outcomes: Vec<i64> = self.master.pipe(&write).await?;
            // One changed by someone else meanwhile: written alone, planned again.
            for (product, outcome) in products.iter().zip(outcomes) {
                if outcome == super::scripts::CHANGED {
                    self.put(product).await?;
                }
            }
            start = end + 1;
        }
        Ok(count)
    }
}

/// The `n`-th synthetic product; the same `n` always gives the same product.
/// (Its id and price are always valid; they are still built checked.)
pub fn synthetic(n: u64) -> Result<Product, Invalid> {
    let h = splitmix(n);
    let category = SYNTHETIC_CATEGORIES[(h % SYNTHETIC_CATEGORIES.len() as u64) as usize];
    const ADJECTIVES: [&str; 8] = [
        "Compact", "Pro", "Classic", "Ultra", "Eco", "Smart", "Travel", "Deluxe",
    ];
    const NOUNS: [&str; 8] = [
        "Lamp", "Speaker", "Kettle", "Backpack", "Charger", "Blender", "Jacket", "Drone",
    ];
    let cents = 99 + (h >> 8) % 99_900;
    Ok(Product {
        id: ProductId::parse(&format!("syn-{n:07}"))?,
        name: format!(
            "{} {} {}",
            ADJECTIVES[((h >> 16) % 8) as usize],
            NOUNS[((h >> 24) % 8) as usize],
            n
        ),
        price: Cents::new(cents).ok_or(Invalid::PriceRange { field: "the price" })?,
        category: category.to_string(),
        in_stock: !(h >> 32).is_multiple_of(5),
        features: vec![
            format!("Model {}", (h >> 40) % 1000),
            "Synthetic".to_string(),
        ],
    })
}

/// SplitMix64: a tiny, well-mixed hash for deterministic synthetic data.
fn splitmix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn builtin_catalog_is_valid_and_holds_the_seed_product() {
        let (version, products) = builtin().expect("catalog.json parses");
        assert!(version >= 1);
        assert!(products.len() >= 40);
        let categories: HashSet<_> = products.iter().map(|p| p.category.as_str()).collect();
        assert!(categories.len() >= 5);
        let ids: HashSet<_> = products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), products.len(), "ids are unique");
        for p in &products {
            assert_eq!(p.validate(), Ok(()), "{}", p.id);
        }
        let prod1 = products.iter().find(|p| p.id == "prod1").expect("prod1");
        assert_eq!(prod1.name, "Smartphone Premium");
        assert_eq!(prod1.price, Cents::new(89_999).unwrap());
        assert_eq!(prod1.category, "electronics");
        assert!(prod1.in_stock);
        assert_eq!(prod1.features, ["5G", "HDR Display", "Water Resistant"]);
    }

    #[test]
    fn synthetic_products_are_valid_and_deterministic() {
        for n in [1, 2, 999_999, 1_000_000] {
            let p = synthetic(n).unwrap();
            assert_eq!(p.validate(), Ok(()), "{}", p.id);
            assert_eq!(p, synthetic(n).unwrap());
        }
        assert_eq!(synthetic(42).unwrap().id, "syn-0000042");
    }
}
