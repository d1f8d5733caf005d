//! Lua scripts of the cache. Fills are conditional, so a read that raced a
//! write can never put stale data in the cache: a product entry is stored only
//! if the database still holds what was read, a search entry only if no write
//! bumped the generation since the search began.

use redis::Script;
use std::sync::LazyLock;

/// ARGV: id, json (as read from the database), ttl_ms. Stores the entry if
/// `db:product:<id>` still equals json. Returns 1 stored, 0 skipped.
pub static FILL_PRODUCT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
if redis.call('GET', {DB_PRODUCT} .. ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('SET', {CACHE_PRODUCT} .. ARGV[1], ARGV[2], 'PX', ARGV[3])
return 1
"#,
    ))
});

/// ARGV: id, ttl_ms. Stores a negative entry if the product still does not
/// exist. Returns 1 stored, 0 skipped.
pub static FILL_MISSING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
if redis.call('EXISTS', {DB_PRODUCT} .. ARGV[1]) == 1 then return 0 end
redis.call('SET', {CACHE_PRODUCT} .. ARGV[1], '', 'PX', ARGV[2])
return 1
"#,
    ))
});

/// ARGV: canonical search. Reads the generation and that generation's entry in
/// one step. Returns {generation, value or false, pttl}.
pub static READ_SEARCH: LazyLock<Script> = LazyLock::new(|| Script::new(&READ_SEARCH_CODE));

/// The text of [`READ_SEARCH`], to load it on a replica that lacks it.
pub static READ_SEARCH_CODE: LazyLock<String> = LazyLock::new(|| {
    crate::keyspace::lua(
        r#"
local gen = redis.call('GET', {SEARCH_GEN}) or '0'
local key = {SEARCH} .. gen .. ':' .. ARGV[1]
return {gen, redis.call('GET', key), redis.call('PTTL', key)}
"#,
    )
});

/// ARGV: generation, canonical search, json, ttl_ms. Stores the entry if the
/// generation is still current. Returns 1 stored, 0 skipped.
pub static FILL_SEARCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
local gen = redis.call('GET', {SEARCH_GEN}) or '0'
if gen ~= ARGV[1] then return 0 end
redis.call('SET', {SEARCH} .. gen .. ':' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
return 1
"#,
    ))
});

/// ARGV: id, json, ttl_ms, generation. For a system of record outside Redis
/// (PostgreSQL): stores the entry only if no invalidation bumped the
/// generation since it was read before the database read. Returns 1 stored,
/// 0 skipped.
pub static FILL_PRODUCT_AT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
if (redis.call('GET', {SEARCH_GEN}) or '0') ~= ARGV[4] then return 0 end
redis.call('SET', {CACHE_PRODUCT} .. ARGV[1], ARGV[2], 'PX', ARGV[3])
return 1
"#,
    ))
});

/// ARGV: ids. Drops those products' entries and bumps the search
/// generation, in one step: what a change in the system of record calls for.
pub static INVALIDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
for _, id in ipairs(ARGV) do redis.call('DEL', {CACHE_PRODUCT} .. id) end
return redis.call('INCR', {SEARCH_GEN})
"#,
    ))
});

/// ARGV: id, ttl_ms, generation. A negative entry, for a system of record
/// outside Redis: stored only if no invalidation came since `generation`.
pub static FILL_MISSING_AT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&crate::keyspace::lua(
        r#"
if (redis.call('GET', {SEARCH_GEN}) or '0') ~= ARGV[3] then return 0 end
redis.call('SET', {CACHE_PRODUCT} .. ARGV[1], '', 'PX', ARGV[2])
return 1
"#,
    ))
});
