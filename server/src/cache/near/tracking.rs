//! Keeps the near cache coherent: one RESP3 connection to the master in
//! `CLIENT TRACKING ON BCAST PREFIX cache:product: PREFIX cache:search:`
//! mode. Redis pushes an `invalidate` message for every change of a key
//! under those prefixes (a write through any server instance, a fill, an
//! expiry, an eviction, a `DEL` typed in redis-cli; a bump of the search
//! generation), or a null after `FLUSHDB`/`FLUSHALL`; each one evicts here
//! (a generation bump evicts every search).
//!
//! Broadcasting mode was chosen over the default mode because the default
//! mode only tracks keys read *on the tracking connection itself* (or on a
//! connection that redirects to it), which would tie every cache read to one
//! extra connection's lifecycle, and it costs the master a table of every key
//! every client read. BCAST costs the master nothing per key; its price is a
//! message for every change under the prefix, including keys this instance
//! does not hold, which a hash lookup here absorbs.
//!
//! The near cache serves only while this connection is known alive: it goes
//! dark (and forgets everything) the moment the connection drops, a
//! heartbeat (`CLIENT TRACKINGINFO`, which also proves tracking is still on)
//! fails, or the master moves (Sentinel failover); it goes live again, from
//! empty, once a new connection is subscribed.

use super::NearCache;
use crate::{keyspace::cache as keys, topology::Node};
use redis::{PushInfo, PushKind, Value};
use std::{sync::Arc, time::Duration};
use tokio::sync::mpsc;

/// How often the tracking connection is checked (and how long the near
/// cache may trust a connection that went silent without closing).
pub const HEARTBEAT: Duration = Duration::from_millis(250);
/// Pause between two attempts to (re)subscribe.
const RETRY: Duration = Duration::from_millis(200);

/// Follows `master`'s changes into `near`, forever (spawn it; the owner
/// stops it by dropping or aborting the task).
pub async fn run(near: Arc<NearCache>, master: Node) {
    if !near.enabled() {
        return;
    }
    // Loud once per outage (a live tier going dark, or the first failed
    // subscription: an ACL without CLIENT, say), quiet while every retry
    // fails the same way.
    let mut warned = false;
    loop {
        let result = follow(&near, &master).await;
        let was_live = near.live();
        near.go_dark();
        if let Err(error) = result {
            if was_live || !warned {
                tracing::warn!(%error, "near cache off until tracking resumes");
            } else {
                tracing::debug!(%error, "near cache tracking not subscribed; retrying");
            }
            warned = true;
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Why the tracking connection ended.
#[derive(Debug, thiserror::Error)]
enum Lost {
    #[error(transparent)]
    Redis(#[from] crate::topology::StoreError),
    #[error("the tracking connection was closed")]
    Closed,
    #[error("tracking is no longer on ({0})")]
    NotTracking(String),
    #[error("the master moved to {0}")]
    Moved(String),
}

/// One tracking connection's life: subscribe, go live, apply messages and
/// check the connection until something goes wrong.
async fn follow(near: &NearCache, master: &Node) -> Result<(), Lost> {
    let (pushes, mut received) = mpsc::unbounded_channel::<PushInfo>();
    let (mut conn, addr) = master.dial_resp3(pushes).await?;
    let timeout = master.timeout();
    let mut subscribe = redis::cmd("CLIENT");
    subscribe
        .arg("TRACKING")
        .arg("ON")
        .arg("BCAST")
        .arg("PREFIX")
        .arg(keys::PRODUCT_PREFIX)
        .arg("PREFIX")
        .arg(keys::SEARCH_PREFIX);
    bounded(timeout, &addr, subscribe.query_async::<()>(&mut conn)).await?;
    near.go_live(addr.clone());
    tracing::info!(%addr, "near cache live (tracking {} and {})", keys::PRODUCT_PREFIX, keys::SEARCH_PREFIX);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            push = received.recv() => match push {
                Some(push) => apply(near, push)?,
                None => return Err(Lost::Closed),
            },
            _ = heartbeat.tick() => {
                if master.addr() != addr {
                    return Err(Lost::Moved(master.addr().to_string()));
                }
                let info: Value = bounded(
                    timeout,
                    &addr,
                    redis::cmd("CLIENT").arg("TRACKINGINFO").query_async(&mut conn),
                )
                .await?;
                check_tracking(&info)?;
            }
        }
    }
}

/// Applies one push: evictions, a flush, or the end of the connection.
fn apply(near: &NearCache, push: PushInfo) -> Result<(), Lost> {
    match push.kind {
        PushKind::Invalidate => {
            match push.data.first() {
                Some(Value::Array(keys)) => {
                    for key in keys {
                        if let Value::BulkString(key) = key {
                            near.invalidate_key(key);
                        }
                    }
                }
                // FLUSHDB / FLUSHALL: Redis sends a null instead of keys.
                _ => near.flush(),
            }
            Ok(())
        }
        PushKind::Disconnection => Err(Lost::Closed),
        _ => Ok(()),
    }
}

/// `CLIENT TRACKINGINFO` must still say `on` and `bcast`.
fn check_tracking(info: &Value) -> Result<(), Lost> {
    let flags = match info {
        Value::Map(pairs) => pairs
            .iter()
            .find_map(|(k, v)| matches!(k, Value::BulkString(k) if k == b"flags").then_some(v)),
        _ => None,
    };
    let words: Vec<String> = match flags {
        Some(Value::Set(items) | Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
                Value::SimpleString(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if words.iter().any(|w| w == "on") && words.iter().any(|w| w == "bcast") {
        Ok(())
    } else {
        Err(Lost::NotTracking(words.join(" ")))
    }
}

async fn bounded<T>(
    limit: Duration,
    addr: &str,
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, Lost> {
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(source)) => Err(Lost::Redis(crate::topology::StoreError::Redis {
            addr: addr.to_string(),
            source,
        })),
        Err(_) => Err(Lost::Redis(crate::topology::StoreError::Timeout {
            addr: addr.to_string(),
            ms: limit.as_millis() as u64,
        })),
    }
}
