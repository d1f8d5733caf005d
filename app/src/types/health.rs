//! `GET /api/health`: which Redis nodes answer, and in which role.

use super::StoreKind;
use serde::{Deserialize, Serialize};

/// A replica's link to its master (`master_link_status` of `INFO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LinkStatus {
    /// Replicating.
    Up,
    /// Not replicating (the master is gone, or a sync is under way).
    Down,
}

impl LinkStatus {
    /// From `INFO`'s word (anything but `up` is down).
    pub fn from_info(word: &str) -> Self {
        if word == "up" {
            LinkStatus::Up
        } else {
            LinkStatus::Down
        }
    }

    /// The word, as `INFO` and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Up => "up",
            LinkStatus::Down => "down",
        }
    }
}

/// The role of a Redis node, as the node reports it (or as configured when the
/// node cannot be asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// Accepts writes; replicas copy it.
    Master,
    /// Copies a master; read-only.
    Replica,
}

/// Overall verdict: `ok` when every node answers, `degraded` when the master
/// answers but a replica does not, `down` when the master does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Every node answers.
    Ok,
    /// The master answers; at least one replica does not.
    Degraded,
    /// The master does not answer: the service cannot work.
    Down,
}

/// One node's reachability, measured by a `PING` and an `INFO replication`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeHealth {
    /// `host:port` of the node.
    pub addr: String,
    /// The role the node reports; the configured role when it is unreachable.
    pub role: NodeRole,
    /// The role cachescope was configured to expect, so a mismatch (a replica
    /// promoted, a master demoted) shows.
    pub expected_role: NodeRole,
    /// Whether the node answered within the command timeout.
    pub up: bool,
    /// Round-trip time of the probe in microseconds, when up.
    pub latency_us: Option<u64>,
    /// Replicas only: `up` when the replication link to the master is up,
    /// `down` while it is broken or syncing.
    pub link_status: Option<LinkStatus>,
    /// Why the node is considered down, when it is.
    pub error: Option<String>,
}

/// The system of record's reachability. For the Redis store it is the
/// master's; PostgreSQL is probed with `SELECT 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StoreHealth {
    /// Which store.
    pub kind: StoreKind,
    /// Whether it answered within its timeout.
    pub up: bool,
    /// Round-trip time of the probe in microseconds, when up.
    pub latency_us: Option<u64>,
    /// Why it is considered down, when it is.
    pub error: Option<String>,
}

/// The near cache of the server that answered (each server has its own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NearHealth {
    /// Configured on (`NEAR_CACHE_ENTRIES` > 0).
    pub enabled: bool,
    /// Serving: its tracking connection to the master is subscribed and
    /// answered the last heartbeat. While not live it holds nothing.
    pub live: bool,
    /// Entries held (products and negative entries).
    pub entries: u64,
    /// Bytes held, as weighed against the byte budget.
    pub bytes: u64,
    /// Most entries (`NEAR_CACHE_ENTRIES`).
    pub max_entries: u64,
    /// Byte budget (`NEAR_CACHE_BYTES`).
    pub max_bytes: u64,
    /// Invalidation messages applied since start.
    pub invalidations: u64,
    /// Whole-cache flushes since start (tracking connection lost or made
    /// again, `FLUSHDB`).
    pub flushes: u64,
    /// Fills refused because an invalidation raced the Redis read.
    pub refused_fills: u64,
}

/// Body of `GET /api/health` (HTTP 200 when the master answers, 503 otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthReport {
    /// Overall verdict.
    pub status: HealthStatus,
    /// The master first, then each replica in configuration order.
    pub nodes: Vec<NodeHealth>,
    /// The system of record behind the cache; absent only in reports made
    /// by servers older than this field.
    #[serde(default)]
    pub store: Option<StoreHealth>,
    /// This server's near cache (not part of the verdict: without it,
    /// lookups go to Redis as before).
    #[serde(default)]
    pub near: Option<NearHealth>,
    /// Whether this server serves: `false` while the built-in catalog is
    /// still being loaded (then the answer is 503 whatever the nodes say).
    #[serde(default = "ready_by_default")]
    pub ready: bool,
    /// When the report was made, in milliseconds since the Unix epoch.
    pub checked_at_ms: u64,
}

impl HealthReport {
    /// What the public is shown: each node's role and state, without its
    /// address or error sentence (the network layout is for viewers).
    pub fn public_view(mut self) -> Self {
        for node in &mut self.nodes {
            node.addr = String::new();
            node.error = None;
        }
        if let Some(store) = &mut self.store {
            store.error = None;
        }
        self
    }
}

fn ready_by_default() -> bool {
    true
}

impl HealthReport {
    /// Derives the overall verdict from the nodes (the first is the master).
    pub fn from_nodes(nodes: Vec<NodeHealth>, checked_at_ms: u64) -> Self {
        let master_up = nodes.first().is_some_and(|n| n.up);
        let all_up = nodes.iter().all(|n| n.up);
        let status = match (master_up, all_up) {
            (false, _) => HealthStatus::Down,
            (true, true) => HealthStatus::Ok,
            (true, false) => HealthStatus::Degraded,
        };
        HealthReport {
            status,
            nodes,
            store: None,
            near: None,
            ready: true,
            checked_at_ms,
        }
    }

    /// Adds the store's health: a store that is down while the master
    /// answers makes the verdict `degraded` (cache hits still answer).
    pub fn with_store(mut self, store: StoreHealth) -> Self {
        if !store.up && self.status == HealthStatus::Ok {
            self.status = HealthStatus::Degraded;
        }
        self.store = Some(store);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(up: bool, role: NodeRole) -> NodeHealth {
        NodeHealth {
            addr: "127.0.0.1:1".into(),
            role,
            expected_role: role,
            up,
            latency_us: None,
            link_status: None,
            error: None,
        }
    }

    #[test]
    fn verdict_follows_master_then_replicas() {
        let m = |up| node(up, NodeRole::Master);
        let r = |up| node(up, NodeRole::Replica);
        assert_eq!(
            HealthReport::from_nodes(vec![m(true), r(true)], 0).status,
            HealthStatus::Ok
        );
        assert_eq!(
            HealthReport::from_nodes(vec![m(true), r(false)], 0).status,
            HealthStatus::Degraded
        );
        assert_eq!(
            HealthReport::from_nodes(vec![m(false), r(true)], 0).status,
            HealthStatus::Down
        );
        assert_eq!(
            HealthReport::from_nodes(vec![], 0).status,
            HealthStatus::Down
        );
    }

    #[test]
    fn a_store_that_is_down_degrades_a_healthy_report() {
        let store = |up| StoreHealth {
            kind: StoreKind::Postgres,
            up,
            latency_us: None,
            error: None,
        };
        let m = node(true, NodeRole::Master);
        let report = HealthReport::from_nodes(vec![m.clone()], 0);
        assert_eq!(
            report.clone().with_store(store(true)).status,
            HealthStatus::Ok
        );
        assert_eq!(
            report.with_store(store(false)).status,
            HealthStatus::Degraded
        );
        let down = HealthReport::from_nodes(vec![node(false, NodeRole::Master)], 0);
        assert_eq!(down.with_store(store(true)).status, HealthStatus::Down);
    }

    #[test]
    fn json_uses_lowercase_names() {
        let json = serde_json::to_value(node(true, NodeRole::Replica)).unwrap_or_default();
        assert_eq!(json["role"], "replica");
        assert_eq!(json["up"], true);
    }
}
