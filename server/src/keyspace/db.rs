//! Key names of the product database. The first four (products, all ids,
//! categories, by price) are the documented layout other tools may read and
//! never change; the `db:idx:*` and `db:meta:*` keys are our indexes.

/// Prefix of `db:product:<id>`.
pub const PRODUCT_PREFIX: &str = "db:product:";

/// `db:product:<id>`: the product as a JSON string, no TTL (documented layout).
pub fn product(id: &str) -> String {
    format!("{PRODUCT_PREFIX}{id}")
}

/// `db:products`: the set of every product id (documented layout).
pub const ALL_IDS: &str = "db:products";

/// `db:products:by_price`: sorted set of ids scored by price (documented layout).
pub const BY_PRICE: &str = "db:products:by_price";

/// Prefix of `db:category:<category>`.
pub const CATEGORY_PREFIX: &str = "db:category:";

/// `db:category:<category>`: the set of ids in a category (documented layout).
pub fn category(name: &str) -> String {
    format!("{CATEGORY_PREFIX}{name}")
}

/// `db:idx:categories`: the set of category names that hold a product, so
/// categories are listed without scanning the keyspace.
pub const CATEGORIES: &str = "db:idx:categories";

/// `db:idx:category_price:<category>`: ids of one category scored by price,
/// so "category + price range + order" is one `ZRANGE ... BYSCORE`.
pub fn category_by_price(name: &str) -> String {
    format!("{CATEGORY_PRICE_PREFIX}{name}")
}

/// Prefix of `db:idx:category_price:<category>`.
pub const CATEGORY_PRICE_PREFIX: &str = "db:idx:category_price:";

/// `db:meta:catalog_version`: version of the built-in catalog last loaded, so
/// a restart does not bring back products a user deleted.
pub const CATALOG_VERSION: &str = "db:meta:catalog_version";

/// `db:idx:word:<word>`: ids of the products a search word finds (see `words.rs`).
pub fn word(word: &str) -> String {
    format!("{WORD_PREFIX}{word}")
}

/// Prefix of `db:idx:word:<word>`.
pub const WORD_PREFIX: &str = "db:idx:word:";

/// `db:idx:product_words:<id>`: the words a product is indexed under, so a
/// write can take it out of exactly those word sets.
pub fn product_words(id: &str) -> String {
    format!("{PRODUCT_WORDS_PREFIX}{id}")
}

/// Prefix of `db:idx:product_words:<id>`.
pub const PRODUCT_WORDS_PREFIX: &str = "db:idx:product_words:";

/// `tmp:search`: the search script's scratch key, deleted in the same script.
pub const SEARCH_SCRATCH: &str = "tmp:search";
