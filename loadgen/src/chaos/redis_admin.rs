//! The harness's own Redis calls (never through cachescope): each on a fresh
//! connection with a short bound, so a dead, paused or cut-off node is an
//! answer of `None`, never a hang.

use redis::FromRedisValue;
use std::{collections::HashMap, time::Duration};

/// Bound on each call, connecting included.
const BOUND: Duration = Duration::from_millis(700);

/// Runs one command on `addr` (`ip:port`).
pub async fn query<T: FromRedisValue>(addr: &str, cmd: &redis::Cmd) -> Option<T> {
    let client = redis::Client::open(format!("redis://{addr}")).ok()?;
    let call = async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        cmd.query_async::<T>(&mut conn).await.ok()
    };
    tokio::time::timeout(BOUND, call).await.ok().flatten()
}

/// `SENTINEL MASTER <name>` of one Sentinel.
pub async fn sentinel_master(sentinel: &str, name: &str) -> Option<HashMap<String, String>> {
    query(sentinel, redis::cmd("SENTINEL").arg("MASTER").arg(name)).await
}

/// The master the Sentinels name (`ip`), by the newest configuration epoch
/// among those that answer.
pub async fn named_master(sentinels: &[String], name: &str) -> Option<String> {
    let mut best: Option<(u64, String)> = None;
    for sentinel in sentinels {
        if let Some(info) = sentinel_master(sentinel, name).await {
            let epoch = info
                .get("config-epoch")
                .and_then(|e| e.parse().ok())
                .unwrap_or(0);
            if let Some(ip) = info.get("ip") {
                if best.as_ref().is_none_or(|(e, _)| epoch > *e) {
                    best = Some((epoch, ip.clone()));
                }
            }
        }
    }
    best.map(|(_, ip)| ip)
}

/// `INFO <section>` as a map of its `key:value` lines.
pub async fn info(addr: &str, section: &str) -> Option<HashMap<String, String>> {
    let text: String = query(addr, redis::cmd("INFO").arg(section)).await?;
    Some(
        text.lines()
            .filter_map(|line| line.trim().split_once(':'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}
