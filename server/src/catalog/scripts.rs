//! Lua scripts for product writes: each runs atomically on the master, so the
//! product and all its indexes change together or not at all. Keys of the old
//! category are derived inside the script (fine on a standalone master with
//! replicas; not Redis Cluster compatible by design). The prefixes below must
//! match `keys.rs`.

use redis::Script;
use std::sync::LazyLock;

/// Creates or replaces a product. ARGV: id, json, price, category, nx ("1" =
/// leave an existing product alone). Returns 1 created, 0 replaced, -1 skipped.
pub static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local id, json, price, cat, nx = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local pkey = 'db:product:' .. id
local old = redis.call('GET', pkey)
if old and nx == '1' then return -1 end
if old then
  local ok, prev = pcall(cjson.decode, old)
  if ok and type(prev) == 'table' and type(prev.category) == 'string' and prev.category ~= cat then
    redis.call('SREM', 'db:category:' .. prev.category, id)
    redis.call('ZREM', 'db:idx:category_price:' .. prev.category, id)
    if redis.call('SCARD', 'db:category:' .. prev.category) == 0 then
      redis.call('SREM', 'db:idx:categories', prev.category)
    end
  end
end
redis.call('SET', pkey, json)
redis.call('SADD', 'db:products', id)
redis.call('ZADD', 'db:products:by_price', price, id)
redis.call('SADD', 'db:category:' .. cat, id)
redis.call('ZADD', 'db:idx:category_price:' .. cat, price, id)
redis.call('SADD', 'db:idx:categories', cat)
if old then return 0 end
return 1
"#,
    )
});

/// Deletes a product from the record and every index. ARGV: id. Returns 1
/// when it existed, 0 otherwise.
pub static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local id = ARGV[1]
local pkey = 'db:product:' .. id
local old = redis.call('GET', pkey)
if not old then return 0 end
local ok, prev = pcall(cjson.decode, old)
if ok and type(prev) == 'table' and type(prev.category) == 'string' then
  redis.call('SREM', 'db:category:' .. prev.category, id)
  redis.call('ZREM', 'db:idx:category_price:' .. prev.category, id)
  if redis.call('SCARD', 'db:category:' .. prev.category) == 0 then
    redis.call('SREM', 'db:idx:categories', prev.category)
  end
end
redis.call('DEL', pkey)
redis.call('SREM', 'db:products', id)
redis.call('ZREM', 'db:products:by_price', id)
return 1
"#,
    )
});
