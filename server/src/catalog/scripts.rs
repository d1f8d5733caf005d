//! Lua scripts for product writes: each runs atomically on the master, so the
//! product, all its indexes and the cache invalidation change together or not
//! at all (no lookup can see the new product next to a stale cache entry).
//! Keys are derived inside the scripts (fine on a standalone master with
//! replicas; not Redis Cluster compatible by design), from the `{NAME}`
//! placeholders that [`crate::keyspace::lua`] fills with the names of
//! `catalog/keys.rs` and `cache/keys.rs`.

use redis::Script;
use std::sync::LazyLock;

/// Shared by both scripts: takes `id` out of a category's indexes, and drops
/// the category name once it holds nothing.
const PRELUDE: &str = r#"
local function unindex_category(id, cat)
  redis.call('SREM', {CATEGORY} .. cat, id)
  redis.call('ZREM', {CATEGORY_PRICE} .. cat, id)
  if redis.call('SCARD', {CATEGORY} .. cat) == 0 then
    redis.call('SREM', {CATEGORIES}, cat)
  end
end
local function unindex_words(id)
  local key = {PRODUCT_WORDS} .. id
  for _, w in ipairs(redis.call('SMEMBERS', key)) do
    redis.call('SREM', {WORD} .. w, id)
  end
  redis.call('DEL', key)
end
local function invalidate(id)
  redis.call('DEL', {CACHE_PRODUCT} .. id)
  redis.call('INCR', {SEARCH_GEN})
end
local function old_category(json)
  local ok, prev = pcall(cjson.decode, json)
  if ok and type(prev) == 'table' and type(prev.category) == 'string' then return prev.category end
  return nil
end
"#;

/// Creates or replaces a product. ARGV: id, json, price, category, nx ("1" =
/// leave an existing product alone), then the product's search words.
/// Returns 1 created, 0 replaced, -1 skipped.
pub static PUT: LazyLock<Script> = LazyLock::new(|| Script::new(&PUT_CODE));

/// The text of [`PUT`], for `EVAL` inside a pipeline (a write and its `WAIT`
/// must travel on one connection).
pub static PUT_CODE: LazyLock<String> = LazyLock::new(|| {
    crate::keyspace::lua(&format!(
        "{PRELUDE}{}",
        r#"
local id, json, price, cat, nx = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local pkey = {DB_PRODUCT} .. id
local old = redis.call('GET', pkey)
if old and nx == '1' then return -1 end
if old then
  local prev = old_category(old)
  if prev and prev ~= cat then unindex_category(id, prev) end
end
redis.call('SET', pkey, json)
redis.call('SADD', {ALL_IDS}, id)
redis.call('ZADD', {BY_PRICE}, price, id)
redis.call('SADD', {CATEGORY} .. cat, id)
redis.call('ZADD', {CATEGORY_PRICE} .. cat, price, id)
redis.call('SADD', {CATEGORIES}, cat)
unindex_words(id)
for i = 6, #ARGV do
  redis.call('SADD', {WORD} .. ARGV[i], id)
  redis.call('SADD', {PRODUCT_WORDS} .. id, ARGV[i])
end
invalidate(id)
if old then return 0 end
return 1
"#
    ))
});

/// Deletes a product from the record and every index. ARGV: id. Returns 1
/// when it existed, 0 otherwise.
pub static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(&DELETE_CODE));

/// The text of [`DELETE`], for `EVAL` inside a pipeline.
pub static DELETE_CODE: LazyLock<String> = LazyLock::new(|| {
    crate::keyspace::lua(&format!(
        "{PRELUDE}{}",
        r#"
local id = ARGV[1]
local pkey = {DB_PRODUCT} .. id
local old = redis.call('GET', pkey)
if not old then return 0 end
local prev = old_category(old)
if prev then unindex_category(id, prev) end
redis.call('DEL', pkey)
redis.call('SREM', {ALL_IDS}, id)
redis.call('ZREM', {BY_PRICE}, id)
unindex_words(id)
invalidate(id)
return 1
"#
    ))
});
