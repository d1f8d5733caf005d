//! The key browser's API, for viewers: `GET /api/keys` (one bounded `SCAN`
//! step, with each shown key's type, TTL and size pipelined), `GET
//! /api/keys/value` (one key's value, cut where it is stored), and `DELETE
//! /api/keys` (admin; cache entries only, so a person can force a miss and
//! watch it). Which keys a role sees is [`crate::keybrowser::KeyPolicy`]'s
//! call. Reads go where cache reads go (a replica with `READ_FROM=replica`);
//! never `KEYS`.

use super::{
    extract::ApiQuery,
    guards::{Admin, Viewer},
};
use crate::{
    error::ApiError,
    keybrowser::{peek::peek, Reach},
    keyspace::cache as cache_keys,
    state::AppState,
};
use app::types::{
    validate_key, ApiErrorBody, KeyDeleted, KeyInfo, KeyPage, KeyQuery, KeyType, KeyValue, Role,
    MAX_ANSWER_BYTES,
};
use axum::{extract::State, Json};
use redis::{from_redis_value, Value};
use std::collections::HashMap;

/// One `SCAN` step: `{"keys": [{"key", "type", "ttl_ms", "bytes"}], "cursor", "total"}`.
#[utoipa::path(get, path = "/api/keys", tag = "keys", security(("viewer" = [])),
    params(("match" = Option<String>, Query, description = "SCAN MATCH glob, at most 256 bytes (default *)"),
           ("type" = Option<KeyType>, Query), ("cursor" = Option<u64>, Query, description = "0 starts a scan"),
           ("count" = Option<u64>, Query, description = "keys looked at, 1..=1000 (viewers: at most 100), default 100")),
    responses((status = 200, body = KeyPage), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 401, description = "Not signed in as a viewer", body = ApiErrorBody),
              (status = 403, description = "Wrong token, or viewer pages closed", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn list(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<KeyPage>, ApiError> {
    let mut query = KeyQuery::parse(&params)?;
    if caller.role < Role::Admin {
        query = query.bounded_for_viewer();
    }
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
    let (cursor, found): (u64, Vec<String>) = node.query(&scan).await?;
    // Keys the caller may not see are counted, never named nor looked at.
    let (names, hidden): (Vec<String>, Vec<String>) = found
        .into_iter()
        .partition(|key| state.key_policy.reach(caller.role, key) == Reach::Shown);
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
        hidden: hidden.len() as u64,
    }))
}

/// One key's value: strings (JSON pretty-printed), lists, sets, sorted sets
/// (with scores) and hashes, each cut where it is stored (see
/// [`crate::keybrowser::peek`]), with the true sizes.
#[utoipa::path(get, path = "/api/keys/value", tag = "keys", security(("viewer" = [])),
    params(("key" = String, Query, description = "The key, 1..=1024 bytes")),
    responses((status = 200, body = KeyValue), (status = 400, description = "Invalid input", body = ApiErrorBody),
              (status = 401, description = "Not signed in as a viewer", body = ApiErrorBody),
              (status = 403, description = "A key the caller's role may not see", body = ApiErrorBody),
              (status = 404, description = "No such key", body = ApiErrorBody),
              (status = 503, description = "Redis is unavailable", body = ApiErrorBody)))]
pub async fn value(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Json<KeyValue>, ApiError> {
    let key = params.get("key").cloned().unwrap_or_default();
    validate_key(&key)?;
    // Refused before Redis is asked: the answer says nothing of whether
    // the key exists.
    match state.key_policy.reach(caller.role, &key) {
        Reach::Shown => {}
        Reach::OutsidePrefixes => {
            return Err(ApiError::Forbidden(format!(
            "viewers see keys under {} only (KEY_BROWSER_PREFIXES); this key needs the admin role",
            state.key_policy.prefixes().join(", ")
        )))
        }
        Reach::Never => {
            return Err(ApiError::Forbidden(
                "session and rate-limit keys are shown to nobody".to_string(),
            ))
        }
    }
    let node = state.cache.read_node();
    let peeked = peek(&node, &key)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no key {:?}", short(&key))))?;
    let mut pipe = redis::pipe();
    pipe.cmd("PTTL").arg(&key);
    pipe.cmd("MEMORY").arg("USAGE").arg(&key);
    let head: Vec<Value> = node.pipe(&pipe).await?;
    // OBJECT ENCODING fails on a key that vanished meanwhile: not fatal.
    let encoding: Option<String> = node
        .query(redis::cmd("OBJECT").arg("ENCODING").arg(&key))
        .await
        .ok();
    let truncated = peeked.truncated();
    // Whole JSON is pretty-printed; a cut one is shown as it is.
    let pretty = peeked
        .text
        .as_deref()
        .filter(|_| !truncated)
        .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw).ok())
        .and_then(|json| serde_json::to_string_pretty(&json).ok())
        .filter(|pretty| pretty.len() <= MAX_ANSWER_BYTES);
    Ok(Json(KeyValue {
        key,
        kind: peeked.kind,
        ttl_ms: head.first().and_then(ttl),
        bytes: head.get(1).and_then(optional_number),
        encoding,
        length: peeked.length,
        json: pretty.is_some(),
        text: pretty.or(peeked.text),
        items: peeked.items,
        truncated,
    }))
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
