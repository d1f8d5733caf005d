//! Key names of the cache. Entries expire (TTL); the product database's keys
//! (`db:*`) never do.

/// `cache:product:<id>`: the product's JSON exactly as the database holds it,
/// or [`MISSING`] for an id known to be absent (negative entry).
pub fn product(id: &str) -> String {
    format!("{PRODUCT_PREFIX}{id}")
}

/// Every cache key starts with this (the key browser deletes only these).
pub const CACHE_PREFIX: &str = "cache:";

/// Prefix of `cache:product:<id>`.
pub const PRODUCT_PREFIX: &str = "cache:product:";

/// Value of a negative entry: the id does not exist.
pub const MISSING: &str = "";

/// `cache:search:gen`: bumped by every product write, so search entries made
/// before a write can no longer be reached.
pub const SEARCH_GENERATION: &str = "cache:search:gen";

/// Prefix of `cache:search:<generation>:<canonical search>`.
pub const SEARCH_PREFIX: &str = "cache:search:";

/// `cache:search:<generation>:<canonical search>`: one page of results, made
/// under that generation (reached only while it is current).
pub fn search(generation: &str, canonical: &str) -> String {
    format!("{SEARCH_PREFIX}{generation}:{canonical}")
}
