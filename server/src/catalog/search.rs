//! Search in the product database: words (from the word index), an optional
//! category, and a price range, cheapest first. The search itself
//! ([`SearchParams`], with its canonical form) is a shared type.

use super::{query::score_bounds, CatalogError, ProductDb};
use crate::keyspace::db as keys;
use app::types::{ProductPage, SearchParams};
use redis::Script;
use std::sync::LazyLock;

/// Intersects the price index with the word sets (and the category set) into
/// a scratch key, reads the count and the first page by price, and deletes
/// the scratch key, all in one atomic step. KEYS: the scratch key, then the
/// keys to intersect (the price index first: it gives the scores). ARGV:
/// min, max, limit.
static SEARCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local min, max, limit = ARGV[1], ARGV[2], ARGV[3]
local tmp = KEYS[1]
local args = {tmp, #KEYS - 1}
for i = 2, #KEYS do args[#args + 1] = KEYS[i] end
args[#args + 1] = 'WEIGHTS'
for i = 2, #KEYS do args[#args + 1] = (i == 2) and 1 or 0 end
redis.call('ZINTERSTORE', unpack(args))
local total = redis.call('ZCOUNT', tmp, min, max)
local ids = redis.call('ZRANGE', tmp, min, max, 'BYSCORE', 'LIMIT', 0, limit)
redis.call('DEL', tmp)
return {total, ids}
"#,
    )
});

impl ProductDb {
    /// Runs a search against the indexes. Without words it is a price-ordered
    /// listing; with words, an intersection of word sets done inside Redis.
    pub async fn search(&self, query: &SearchParams) -> Result<ProductPage, CatalogError> {
        if query.words.is_empty() {
            return self.list(&query.as_listing()).await;
        }
        let (min, max) = score_bounds(query.min_price, query.max_price);
        let mut invocation = SEARCH.key(keys::SEARCH_SCRATCH);
        invocation.key(keys::BY_PRICE);
        for word in &query.words {
            invocation.key(keys::word(word));
        }
        if let Some(category) = &query.category {
            invocation.key(keys::category(category));
        }
        invocation.arg(min).arg(max).arg(query.limit);
        let (total, ids): (u64, Vec<String>) = self.master.script(&invocation).await?;
        let items = self.get_many(&ids).await?;
        Ok(ProductPage { items, total })
    }
}
