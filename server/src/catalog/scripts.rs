//! Lua scripts for product writes: each runs atomically on the master, so the
//! product, all its indexes and the cache invalidation change together or not
//! at all (no lookup can see the new product next to a stale cache entry).
//! Keys are derived inside the scripts (fine on a standalone master with
//! replicas; not Redis Cluster compatible by design). The prefixes below must
//! match `catalog/keys.rs` and `cache/keys.rs`.

use redis::Script;
use std::sync::LazyLock;

/// Shared by both scripts: takes `id` out of a category's indexes, and drops
/// the category name once it holds nothing.
const PRELUDE: &str = r#"
local function unindex_category(id, cat)
  redis.call('SREM', 'db:category:' .. cat, id)
  redis.call('ZREM', 'db:idx:category_price:' .. cat, id)
  if redis.call('SCARD', 'db:category:' .. cat) == 0 then
    redis.call('SREM', 'db:idx:categories', cat)
  end
end
local function unindex_words(id)
  local key = 'db:idx:product_words:' .. id
  for _, w in ipairs(redis.call('SMEMBERS', key)) do
    redis.call('SREM', 'db:idx:word:' .. w, id)
  end
  redis.call('DEL', key)
end
local function invalidate(id)
  redis.call('DEL', 'cache:product:' .. id)
  redis.call('INCR', 'cache:search:gen')
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
    format!(
        "{PRELUDE}{}",
        r#"
local id, json, price, cat, nx = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local pkey = 'db:product:' .. id
local old = redis.call('GET', pkey)
if old and nx == '1' then return -1 end
if old then
  local prev = old_category(old)
  if prev and prev ~= cat then unindex_category(id, prev) end
end
redis.call('SET', pkey, json)
redis.call('SADD', 'db:products', id)
redis.call('ZADD', 'db:products:by_price', price, id)
redis.call('SADD', 'db:category:' .. cat, id)
redis.call('ZADD', 'db:idx:category_price:' .. cat, price, id)
redis.call('SADD', 'db:idx:categories', cat)
unindex_words(id)
for i = 6, #ARGV do
  redis.call('SADD', 'db:idx:word:' .. ARGV[i], id)
  redis.call('SADD', 'db:idx:product_words:' .. id, ARGV[i])
end
invalidate(id)
if old then return 0 end
return 1
"#
    )
});

/// Deletes a product from the record and every index. ARGV: id. Returns 1
/// when it existed, 0 otherwise.
pub static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(&DELETE_CODE));

/// The text of [`DELETE`], for `EVAL` inside a pipeline.
pub static DELETE_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{PRELUDE}{}",
        r#"
local id = ARGV[1]
local pkey = 'db:product:' .. id
local old = redis.call('GET', pkey)
if not old then return 0 end
local prev = old_category(old)
if prev then unindex_category(id, prev) end
redis.call('DEL', pkey)
redis.call('SREM', 'db:products', id)
redis.call('ZREM', 'db:products:by_price', id)
unindex_words(id)
invalidate(id)
return 1
"#
    )
});
