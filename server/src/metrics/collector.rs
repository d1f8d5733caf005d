//! The metrics collector: on a fixed tick it reads `INFO` from the master and
//! every replica, measures replication delay with a heartbeat key (as
//! pt-heartbeat does for MySQL), adds the app's own stats, and publishes one
//! tick. Its Redis load is the same for one dashboard or a thousand.

use crate::topology::ReadTarget;
use crate::{
    cache::NearCache,
    hub::Hub,
    stats::Recorder,
    topology::{now_ms, Info, Node, Topology},
};
use app::types::{MetricsTick, NodeMetrics, NodeRole};
use std::{sync::Arc, time::Duration};

/// The heartbeat key: the master's clock at the last tick, in ms.
pub const HEARTBEAT_KEY: &str = "cachescope:heartbeat";
const INFO_SECTIONS: [&str; 7] = [
    "server",
    "clients",
    "memory",
    "stats",
    "replication",
    "keyspace",
    "persistence",
];

/// Runs forever (spawn it): one tick every `every`.
pub async fn run(
    topology: Topology,
    stats: Arc<Recorder>,
    hub: Arc<Hub>,
    reads: Arc<ReadTarget>,
    near: Arc<NearCache>,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let mut metrics = collect(&topology, &stats, &reads).await;
        metrics.near = Some(near.health());
        reads.update(&topology, &metrics.nodes);
        hub.publish_metrics(metrics);
    }
}

/// One tick: every node at once, so the tick takes at most one timeout.
pub async fn collect(topology: &Topology, stats: &Recorder, reads: &ReadTarget) -> MetricsTick {
    let heartbeat = now_ms();
    let _: Result<(), _> = topology
        .master()
        .query(
            redis::cmd("SET")
                .arg(HEARTBEAT_KEY)
                .arg(heartbeat)
                .arg("PX")
                .arg(60_000),
        )
        .await;
    let master = read_node(topology.master(), NodeRole::Master);
    let replica_nodes = topology.replicas();
    let replicas = futures::future::join_all(replica_nodes.iter().map(|node| async move {
        let mut get = redis::cmd("GET");
        get.arg(HEARTBEAT_KEY);
        let (metrics, seen) = futures::join!(
            read_node(node, NodeRole::Replica),
            node.query::<Option<u64>>(&get)
        );
        let mut metrics = metrics;
        if let Ok(Some(seen)) = seen {
            metrics.0.heartbeat_ms = Some(now_ms().saturating_sub(seen));
        }
        metrics
    }));
    let (master, replicas, app) = futures::join!(master, replicas, stats.stats());
    let (master, master_info) = master;
    let master_offset = master.offset;
    let nodes: Vec<NodeMetrics> = std::iter::once(master)
        .chain(replicas.into_iter().map(|(mut replica, _)| {
            if replica.up {
                replica.lag_bytes = match (master_offset, replica.offset) {
                    (Some(m), Some(r)) => Some(m.saturating_sub(r)),
                    _ => None,
                };
                replica.lag_s = master_info
                    .as_ref()
                    .and_then(|info| replica_lag_s(info, &replica.addr));
            }
            replica
        }))
        .collect();
    MetricsTick {
        at: heartbeat,
        nodes,
        app: app.unwrap_or_default(),
        reads_from: reads.describe(topology),
        ha: topology.ha_status(),
        near: None,
    }
}

/// `INFO` of one node, turned into metrics (and the raw fields, for the master).
async fn read_node(node: &Node, expected: NodeRole) -> (NodeMetrics, Option<Info>) {
    let mut info_cmd = redis::cmd("INFO");
    for section in INFO_SECTIONS {
        info_cmd.arg(section);
    }
    // Sentinel closes every client of a node it reconfigures: a connection
    // lost under the call is tried once more before the node is called down.
    let text: Result<String, _> = match node.query(&info_cmd).await {
        Err(error) if error.is_connection_lost() => node.query(&info_cmd).await,
        other => other,
    };
    let mut metrics = NodeMetrics {
        addr: node.addr().to_string(),
        role: Some(expected),
        ..NodeMetrics::default()
    };
    let info = match text {
        Ok(text) => Info::parse(&text),
        Err(error) => {
            metrics.error = Some(error.to_string());
            return (metrics, None);
        }
    };
    metrics.up = true;
    let role = if info.get("role") == Some("slave") {
        NodeRole::Replica
    } else {
        NodeRole::Master
    };
    metrics.role = Some(role);
    metrics.ops_per_sec = info.get_u64("instantaneous_ops_per_sec");
    metrics.used_memory = info.get_u64("used_memory");
    metrics.connected_clients = info.get_u64("connected_clients");
    metrics.keys = Some(keyspace_keys(&info));
    let (hits, misses) = (
        info.get_u64("keyspace_hits"),
        info.get_u64("keyspace_misses"),
    );
    metrics.redis_hit_ratio = match (hits, misses) {
        (Some(h), Some(m)) if h + m > 0 => Some(h as f64 / (h + m) as f64),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    match role {
        NodeRole::Master => metrics.offset = info.get_u64("master_repl_offset"),
        NodeRole::Replica => {
            metrics.offset = info.get_u64("slave_repl_offset");
            metrics.link_status = info
                .get("master_link_status")
                .map(app::types::LinkStatus::from_info);
            metrics.last_io_s = info.get_u64("master_last_io_seconds_ago");
            metrics.syncing = info.get("master_sync_in_progress") == Some("1");
        }
    }
    (metrics, Some(info))
}

/// Sum of `keys=` over the `dbN` lines of the keyspace section.
fn keyspace_keys(info: &Info) -> u64 {
    (0..16)
        .filter_map(|n| info.get(&format!("db{n}")))
        .filter_map(|line| field(line, "keys"))
        .sum()
}

/// `lag=` of the master's `slaveN` line for the replica at `addr`.
fn replica_lag_s(master: &Info, addr: &str) -> Option<u64> {
    let port = addr.rsplit(':').next()?;
    (0..64)
        .filter_map(|n| master.get(&format!("slave{n}")))
        .find(|line| line.split(',').any(|kv| kv == format!("port={port}")))
        .and_then(|line| field(line, "lag"))
}

/// A numeric `name=value` field of a comma-separated `INFO` value.
fn field(line: &str, name: &str) -> Option<u64> {
    line.split(',')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keyspace_and_replica_lines() {
        let info = Info::parse(
            "# Keyspace\r\ndb0:keys=5,expires=1,avg_ttl=0\r\ndb3:keys=2,expires=0,avg_ttl=0\r\n\
             slave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=1\r\n\
             slave1:ip=127.0.0.1,port=6381,state=online,offset=40,lag=3\r\n",
        );
        assert_eq!(keyspace_keys(&info), 7);
        assert_eq!(replica_lag_s(&info, "127.0.0.1:6381"), Some(3));
        assert_eq!(replica_lag_s(&info, "127.0.0.1:6399"), None);
    }
}
