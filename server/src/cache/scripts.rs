//! Lua scripts of the cache. Fills are conditional, so a read that raced a
//! write can never put stale data in the cache: a product entry is stored only
//! if the database still holds what was read, a search entry only if no write
//! bumped the generation since the search began.
//!
//! Every key a script touches is passed in `KEYS` (the names are built in
//! `keyspace/` only), so each call says what it
//! touches and Redis Cluster can route it; the scripts spell no key name.

use redis::Script;
use std::sync::LazyLock;

/// KEYS: `db:product:<id>`, `cache:product:<id>`. ARGV: json (as read from
/// the database), ttl_ms. Stores the entry if the product still equals json.
/// Returns 1 stored, 0 skipped.
pub static FILL_PRODUCT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
"#,
    )
});

/// KEYS: `db:product:<id>`, `cache:product:<id>`. ARGV: ttl_ms. Stores a
/// negative entry if the product still does not exist. Returns 1 stored, 0
/// skipped.
pub static FILL_MISSING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[2], '', 'PX', ARGV[1])
return 1
"#,
    )
});

/// KEYS: `cache:search:gen`, the search's entry key under the generation
/// the caller expects. ARGV: that generation. Returns {generation, value or
/// false, pttl}: the entry only when the expected generation is still the
/// current one (otherwise the caller asks again under the generation given).
pub static READ_SEARCH: LazyLock<Script> = LazyLock::new(|| Script::new(&READ_SEARCH_CODE));

/// The text of [`READ_SEARCH`], to load it on a replica that lacks it.
pub static READ_SEARCH_CODE: LazyLock<String> = LazyLock::new(|| {
    r#"
local gen = redis.call('GET', KEYS[1]) or '0'
if gen ~= ARGV[1] then return {gen, false, -2} end
return {gen, redis.call('GET', KEYS[2]), redis.call('PTTL', KEYS[2])}
"#
    .to_string()
});

/// KEYS: `cache:search:gen`, the entry key under ARGV's generation. ARGV:
/// generation, json, ttl_ms. Stores the entry if the generation is still
/// current. Returns 1 stored, 0 skipped.
pub static FILL_SEARCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
"#,
    )
});

/// KEYS: `cache:search:gen`, `cache:product:<id>`. ARGV: json, ttl_ms,
/// generation. For a system of record outside Redis (PostgreSQL): stores
/// the entry only if no invalidation bumped the generation since it was read
/// before the database read. Returns 1 stored, 0 skipped.
pub static FILL_PRODUCT_AT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
"#,
    )
});

/// KEYS: `cache:search:gen`, `cache:product:<id>`. ARGV: ttl_ms,
/// generation. A negative entry, for a system of record outside Redis:
/// stored only if no invalidation came since `generation`.
pub static FILL_MISSING_AT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[2], '', 'PX', ARGV[1])
return 1
"#,
    )
});
