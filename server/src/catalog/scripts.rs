//! Lua scripts for product writes: each runs atomically on the master, so the
//! product, all its indexes and the cache invalidation change together or not
//! at all (no lookup can see the new product next to a stale cache entry).
//!
//! Every key a script touches is passed in `KEYS`, in the order
//! [`super::plan`] builds them, so a call says what it touches and Redis
//! Cluster can route it. The keys a write must touch depend on what the
//! product was (its old category and words), so the caller reads that first
//! and the script checks it still holds: if the product changed meanwhile
//! the script changes nothing and answers [`CHANGED`], and the caller plans
//! again.

use redis::Script;
use std::sync::LazyLock;

/// What a script answers when the product is no longer what its plan read.
pub const CHANGED: i64 = -2;

/// Shared by both scripts: checks the plan's reading of the product (ARGV
/// from index `base`: expected JSON, "1" if it existed, old category or "",
/// m, then the m old words, whose word sets are KEYS[12..12+m]).
const PRELUDE: &str = r#"
local function unchanged(base)
  local old = redis.call('GET', KEYS[1])
  if ARGV[base + 1] == '1' then
    if old ~= ARGV[base] then return false end
  elseif old then return false end
  local m = tonumber(ARGV[base + 3])
  local words = redis.call('SMEMBERS', KEYS[7])
  if #words ~= m then return false end
  local declared = {}
  for i = 1, m do declared[ARGV[base + 3 + i]] = true end
  for _, w in ipairs(words) do
    if not declared[w] then return false end
  end
  return true
end
local function unindex(id, base)
  if ARGV[base + 2] ~= '' then
    redis.call('SREM', KEYS[10], id)
    redis.call('ZREM', KEYS[11], id)
    if redis.call('SCARD', KEYS[10]) == 0 then redis.call('SREM', KEYS[6], ARGV[base + 2]) end
  end
  for i = 1, tonumber(ARGV[base + 3]) do redis.call('SREM', KEYS[11 + i], id) end
  redis.call('DEL', KEYS[7])
end
local function invalidate()
  redis.call('DEL', KEYS[8])
  redis.call('INCR', KEYS[9])
end
"#;

/// Creates or replaces a product. KEYS and ARGV as [`super::plan::put`]
/// builds them. Returns 1 created, 0 replaced, -1 skipped (`nx` and the
/// product exists), [`CHANGED`].
pub static PUT: LazyLock<Script> = LazyLock::new(|| Script::new(&PUT_CODE));

/// The text of [`PUT`], for `EVAL` inside a pipeline (a write and its `WAIT`
/// must travel on one connection).
pub static PUT_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{PRELUDE}{}",
        r#"
local id, json, price, cat, nx = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not unchanged(6) then return -2 end
local existed = ARGV[7] == '1'
if existed and nx == '1' then return -1 end
unindex(id, 6)
redis.call('SET', KEYS[1], json)
redis.call('SADD', KEYS[2], id)
redis.call('ZADD', KEYS[3], price, id)
redis.call('SADD', KEYS[4], id)
redis.call('ZADD', KEYS[5], price, id)
redis.call('SADD', KEYS[6], cat)
local m = tonumber(ARGV[9])
for j = 10 + m, #ARGV do
  redis.call('SADD', KEYS[j + 2], id)
  redis.call('SADD', KEYS[7], ARGV[j])
end
invalidate()
if existed then return 0 end
return 1
"#
    )
});

/// Deletes a product from the record and every index. KEYS and ARGV as
/// [`super::plan::delete`] builds them. Returns 1 when it existed, 0
/// otherwise, [`CHANGED`].
pub static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(&DELETE_CODE));

/// The text of [`DELETE`], for `EVAL` inside a pipeline.
pub static DELETE_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{PRELUDE}{}",
        r#"
local id = ARGV[1]
if not unchanged(2) then return -2 end
if ARGV[3] ~= '1' then return 0 end
unindex(id, 2)
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
invalidate()
return 1
"#
    )
});
