//! Search in the product database: words (from the word index), an optional
//! category, and a price range, cheapest first. Also the canonical form of a
//! search, which the cache is keyed by.

use super::{keys, query::ListQuery, words, CatalogError, ProductDb};
use app::types::{Invalid, PriceOrder, ProductPage};
use redis::Script;
use std::{collections::HashMap, sync::LazyLock};

/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words a search may combine.
pub const MAX_QUERY_WORDS: usize = 8;
/// Results per search when no `limit` is given.
pub const DEFAULT_SEARCH_LIMIT: u64 = 20;

/// A validated search; fields are already in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Lower-cased, deduplicated, sorted words (every one must match).
    pub words: Vec<String>,
    /// Only this category, when set.
    pub category: Option<String>,
    /// Lowest price, inclusive.
    pub min_price: Option<f64>,
    /// Highest price, inclusive.
    pub max_price: Option<f64>,
    /// Most results returned, 1..=100.
    pub limit: u64,
}

impl SearchQuery {
    /// Parses `q`, `category`, `min_price`, `max_price` and `limit`.
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, Invalid> {
        let q = params.get("q").map(String::as_str).unwrap_or("");
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(format!("q has at most {MAX_QUERY_CHARS} characters"));
        }
        let words: Vec<String> = words::tokenize(q).into_iter().collect();
        if words.len() > MAX_QUERY_WORDS {
            return Err(format!("a search combines at most {MAX_QUERY_WORDS} words"));
        }
        // The listing parser checks category, prices and limit the same way.
        let mut listing: HashMap<String, String> = params
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "category" | "min_price" | "max_price" | "limit"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        listing
            .entry("limit".to_string())
            .or_insert_with(|| DEFAULT_SEARCH_LIMIT.to_string());
        let list = ListQuery::parse(&listing)?;
        Ok(SearchQuery {
            words,
            category: list.category,
            min_price: list.min_price,
            max_price: list.max_price,
            limit: list.limit,
        })
    }

    /// One string per distinct search: parameter order, case and spacing do
    /// not matter, so equivalent searches share one cache entry.
    pub fn canonical(&self) -> String {
        let price = |p: Option<f64>| p.map(|p| p.to_string()).unwrap_or_default();
        format!(
            "q={}|category={}|min={}|max={}|limit={}",
            self.words.join(" "),
            self.category.as_deref().unwrap_or(""),
            price(self.min_price),
            price(self.max_price),
            self.limit
        )
    }

    fn as_listing(&self) -> ListQuery {
        ListQuery {
            category: self.category.clone(),
            min_price: self.min_price,
            max_price: self.max_price,
            order: PriceOrder::PriceAsc,
            offset: 0,
            limit: self.limit,
        }
    }
}

/// Intersects the price index with the word sets (and the category set) into
/// a scratch key, reads the count and the first page by price, and deletes
/// the scratch key, all in one atomic step. ARGV: min, max, limit, then the
/// keys to intersect (the price index first: it gives the scores).
static SEARCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
local min, max, limit = ARGV[1], ARGV[2], ARGV[3]
local tmp = {SEARCH_SCRATCH}
local args = {tmp, #ARGV - 3}
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
args[#args + 1] = 'WEIGHTS'
for i = 4, #ARGV do args[#args + 1] = (i == 4) and 1 or 0 end
redis.call('ZINTERSTORE', unpack(args))
local total = redis.call('ZCOUNT', tmp, min, max)
local ids = redis.call('ZRANGE', tmp, min, max, 'BYSCORE', 'LIMIT', 0, limit)
redis.call('DEL', tmp)
return {total, ids}
"#,
    ))
});

impl ProductDb {
    /// Runs a search against the indexes. Without words it is a price-ordered
    /// listing; with words, an intersection of word sets done inside Redis.
    pub async fn search(&self, query: &SearchQuery) -> Result<ProductPage, CatalogError> {
        if query.words.is_empty() {
            return self.list(&query.as_listing()).await;
        }
        let (min, max) = query.as_listing().score_bounds();
        let mut invocation = SEARCH.prepare_invoke();
        invocation
            .arg(min)
            .arg(max)
            .arg(query.limit)
            .arg(keys::BY_PRICE);
        for word in &query.words {
            invocation.arg(keys::word(word));
        }
        if let Some(category) = &query.category {
            invocation.arg(keys::category(category));
        }
        let (total, ids): (u64, Vec<String>) = self.master.script(&invocation).await?;
        let items = self.get_many(&ids).await?;
        Ok(ProductPage { items, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<SearchQuery, Invalid> {
        SearchQuery::parse(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn equivalent_searches_share_one_canonical_form() {
        let a = parse(&[
            ("q", "  Premium   SMARTPHONE "),
            ("category", "electronics"),
        ])
        .expect("valid");
        let b = parse(&[
            ("category", "electronics"),
            ("q", "smartphone premium premium"),
        ])
        .expect("valid");
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(
            a.canonical(),
            "q=premium smartphone|category=electronics|min=|max=|limit=20"
        );
        let c = parse(&[("q", "smartphone"), ("max_price", "100")]).expect("valid");
        assert_ne!(a.canonical(), c.canonical());
    }

    #[test]
    fn bad_searches_are_refused() {
        assert!(parse(&[("q", &"x".repeat(201))]).is_err());
        assert!(parse(&[("q", "a1 b2 c3 d4 e5 f6 g7 h8 i9")]).is_err());
        assert!(parse(&[("min_price", "9"), ("max_price", "1")]).is_err());
        assert!(parse(&[("limit", "0")]).is_err());
        assert!(parse(&[("category", "Nope!")]).is_err());
        assert!(parse(&[("q", "")]).is_ok());
    }
}
