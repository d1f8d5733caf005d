//! The key browser's API: `GET /api/keys` (one bounded `SCAN` step, with
//! each key's type, TTL and size pipelined), `GET /api/keys/value` (one
//! key's value, bounded), and `DELETE /api/keys` (admin; cache entries
//! only, so a person can force a miss and watch it). Reads go where cache
//! reads go (a replica with `READ_FROM=replica`); never `KEYS`.

use super::{admin::Admin, extract::ApiQuery};
use crate::{cache::keys as cache_keys, error::ApiError, state::AppState, topology::Node};
use app::types::{
    validate_key, ApiErrorBody, KeyDeleted, KeyInfo, KeyItem, KeyPage, KeyQuery, KeyType, KeyValue,
    MAX_ITEMS, MAX_STRING_BYTES,
};
use axum::{extract::State, Json};
use redis::{from_redis_value, Value};
use std::collections::HashMap;

/// `SSCAN`/`HSCAN` steps at most when gathering the first elements.
const MAX_SCAN_STEPS: usize = 10;

/// One `SCAN` step: `{"keys": [{"key", "type", "ttl_ms", "bytes"}], "cursor", "total"}`.
#[utoipa::path(get, path = "/api/keys", tag = "keys",
    params(("match" = Option<String>, Query, description = "SCAN MATCH glob, at most 256 bytes (default *)"),
           ("type" = Option<KeyType>, Query), ("cursor" = Option<u64>, Query, description = "0 starts a scan"),
           ("count" = Option<u64>, Query, description = "keys looked at, 1..=1000, default 100")),
    responses((status = 200, body = KeyPage), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<KeyPage>, ApiError> {
    let query = KeyQuery::parse(&params)?;
    let node = state.cache.read_node();
    let mut scan = redis::cmd("SCAN");
    scan.arg(query.cursor)
        .arg("MATCH")
        .arg(&query.pattern)
        .arg("COUNT")
        .arg(query.count);
    if let Some(kind) = query.kind {
        scan.arg("TYPE").arg(kind.as_str());
    }
    let (cursor, names): (u64, Vec<String>) = node.query(&scan).await?;
    let mut pipe = redis::pipe();
    for name in &names {
        pipe.cmd("TYPE").arg(name).cmd("PTTL").arg(name);
        pipe.cmd("MEMORY").arg("USAGE").arg(name);
    }
    pipe.cmd("DBSIZE");
    let replies: Vec<Value> = node.pipe(&pipe).await?;
    let total = replies.last().map(number).unwrap_or(0);
    let keys = names
        .into_iter()
        .zip(replies.chunks(3))
        .filter_map(|(key, reply)| {
            let kind = KeyType::from_reply(&text(reply.first()?))?;
            Some(KeyInfo {
                key,
                kind,
                ttl_ms: ttl(reply.get(1)?),
                bytes: reply.get(2).and_then(optional_number),
            })
        })
        .collect();
    Ok(Json(KeyPage {
        keys,
        cursor,
        total,
    }))
}

/// One key's value: strings (JSON pretty-printed), lists, sets, sorted sets
/// (with scores) and hashes, each bounded, with the total length.
#[utoipa::path(get, path = "/api/keys/value", tag = "keys",
    params(("key" = String, Query, description = "The key, 1..=1024 bytes")),
    responses((status = 200, body = KeyValue), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 404, description = "No such key", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn value(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<KeyValue>, ApiError> {
    let key = params.get("key").cloned().unwrap_or_default();
    validate_key(&key)?;
    let node = state.cache.read_node();
    let mut pipe = redis::pipe();
    pipe.cmd("TYPE").arg(&key).cmd("PTTL").arg(&key);
    pipe.cmd("MEMORY").arg("USAGE").arg(&key);
    let head: Vec<Value> = node.pipe(&pipe).await?;
    let kind = head
        .first()
        .map(text)
        .and_then(|t| KeyType::from_reply(&t))
        .ok_or_else(|| ApiError::NotFound(format!("no key {:?}", short(&key))))?;
    // OBJECT ENCODING fails on a key that vanished meanwhile: not fatal.
    let encoding: Option<String> = node
        .query(redis::cmd("OBJECT").arg("ENCODING").arg(&key))
        .await
        .ok();
    let mut answer = KeyValue {
        key: key.clone(),
        kind,
        ttl_ms: head.get(1).and_then(ttl),
        bytes: head.get(2).and_then(optional_number),
        encoding,
        length: 0,
        text: None,
        json: false,
        items: Vec::new(),
        truncated: false,
    };
    match kind {
        KeyType::String => {
            let mut pipe = redis::pipe();
            pipe.cmd("STRLEN").arg(&key);
            pipe.cmd("GETRANGE")
                .arg(&key)
                .arg(0)
                .arg(MAX_STRING_BYTES - 1);
            let (length, bytes): (u64, Vec<u8>) = node.pipe(&pipe).await?;
            let raw = String::from_utf8_lossy(&bytes).into_owned();
            let pretty = serde_json::from_str::<serde_json::Value>(&raw)
                .ok()
                .and_then(|json| serde_json::to_string_pretty(&json).ok());
            answer.json = pretty.is_some();
            answer.text = Some(pretty.unwrap_or(raw));
            answer.length = length;
            answer.truncated = length as usize > MAX_STRING_BYTES;
        }
        KeyType::List => {
            let mut pipe = redis::pipe();
            pipe.cmd("LLEN").arg(&key);
            pipe.cmd("LRANGE").arg(&key).arg(0).arg(MAX_ITEMS - 1);
            let (length, values): (u64, Vec<String>) = node.pipe(&pipe).await?;
            answer.length = length;
            answer.items = values.into_iter().map(plain).collect();
        }
        KeyType::Zset => {
            let mut pipe = redis::pipe();
            pipe.cmd("ZCARD").arg(&key);
            pipe.cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(MAX_ITEMS - 1)
                .arg("WITHSCORES");
            let (length, pairs): (u64, Vec<(String, f64)>) = node.pipe(&pipe).await?;
            answer.length = length;
            answer.items = pairs
                .into_iter()
                .map(|(value, score)| KeyItem {
                    field: None,
                    value,
                    score: Some(score),
                })
                .collect();
        }
        KeyType::Set => {
            answer.length = node.query(redis::cmd("SCARD").arg(&key)).await?;
            answer.items = first_elements(&node, "SSCAN", &key, 1)
                .await?
                .into_iter()
                .map(|mut e| plain(e.pop().unwrap_or_default()))
                .collect();
        }
        KeyType::Hash => {
            answer.length = node.query(redis::cmd("HLEN").arg(&key)).await?;
            answer.items = first_elements(&node, "HSCAN", &key, 2)
                .await?
                .into_iter()
                .map(|mut pair| {
                    let value = pair.pop().unwrap_or_default();
                    KeyItem {
                        field: pair.pop(),
                        value,
                        score: None,
                    }
                })
                .collect();
        }
        KeyType::Stream => {
            answer.length = node.query(redis::cmd("XLEN").arg(&key)).await?;
            answer.truncated = answer.length > 0;
        }
        KeyType::Other => answer.truncated = true,
    }
    if kind != KeyType::String {
        answer.truncated |= answer.length > answer.items.len() as u64;
    }
    Ok(Json(answer))
}

/// Evicts one cache entry (`cache:*` only: the product database and the
/// server's own keys cannot be deleted from here).
#[utoipa::path(delete, path = "/api/keys", tag = "keys", security(("admin" = [])),
    params(("key" = String, Query, description = "A cache key (cache:...)")),
    responses((status = 200, body = KeyDeleted), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 401, description = "No token", body = ApiErrorBody),
              (status = 403, description = "Wrong token, read-only server, or not a cache key", body = ApiErrorBody),
              (status = 429, description = "Rate limited", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn delete(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<KeyDeleted>, ApiError> {
    let key = params.get("key").cloned().unwrap_or_default();
    validate_key(&key)?;
    if !key.starts_with(cache_keys::CACHE_PREFIX) {
        return Err(ApiError::Forbidden(format!(
            "only cache entries ({}*) can be deleted here",
            cache_keys::CACHE_PREFIX
        )));
    }
    let removed: u64 = state
        .topology
        .master()
        .query(redis::cmd("UNLINK").arg(&key))
        .await?;
    // This server at once; the others when their tracking connection hears
    // of the UNLINK.
    state.cache.near().invalidate_key(key.as_bytes());
    Ok(Json(KeyDeleted {
        key,
        deleted: removed == 1,
    }))
}

/// The first elements of a set or hash by `SSCAN`/`HSCAN` steps, each as
/// `width` strings (1 for members, 2 for field and value).
async fn first_elements(
    node: &Node,
    command: &str,
    key: &str,
    width: usize,
) -> Result<Vec<Vec<String>>, ApiError> {
    let mut cursor = 0u64;
    let mut found: Vec<Vec<String>> = Vec::new();
    for _ in 0..MAX_SCAN_STEPS {
        let (next, flat): (u64, Vec<String>) = node
            .query(
                redis::cmd(command)
                    .arg(key)
                    .arg(cursor)
                    .arg("COUNT")
                    .arg(MAX_ITEMS),
            )
            .await?;
        found.extend(flat.chunks(width).map(<[String]>::to_vec));
        cursor = next;
        if cursor == 0 || found.len() >= MAX_ITEMS {
            break;
        }
    }
    found.truncate(MAX_ITEMS);
    Ok(found)
}

fn plain(value: String) -> KeyItem {
    KeyItem {
        field: None,
        value,
        score: None,
    }
}

/// A status or bulk reply as text.
fn text(value: &Value) -> String {
    from_redis_value::<String>(value.clone()).unwrap_or_default()
}

fn number(value: &Value) -> u64 {
    from_redis_value::<u64>(value.clone()).unwrap_or(0)
}

fn optional_number(value: &Value) -> Option<u64> {
    from_redis_value::<Option<u64>>(value.clone())
        .ok()
        .flatten()
}

/// `PTTL`: -1 (no expiry) and -2 (gone) are no TTL.
fn ttl(value: &Value) -> Option<u64> {
    from_redis_value::<i64>(value.clone())
        .ok()
        .and_then(|ms| u64::try_from(ms).ok())
}

/// At most 80 characters of a key, for error sentences.
fn short(key: &str) -> String {
    key.chars().take(80).collect()
}
