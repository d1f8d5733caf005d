//! Replica reads (`READ_FROM=replica`): cache reads go to a replica whose link
//! is up and whose heartbeat delay is under `READ_MAX_LAG_MS`, chosen anew on
//! every metrics tick; otherwise, or when that replica fails, to the master.
//! Writes and database reads always go to the master.

use super::{Node, Topology};
use app::types::NodeMetrics;
use std::sync::RwLock;

/// Where cache reads go.
pub struct ReadTarget {
    enabled: bool,
    max_lag_ms: u64,
    replica: RwLock<Option<Node>>,
    /// Every replica, those that answered on the last tick first, whatever
    /// their lag: the last resort when the master fails too. The others are
    /// kept because a tick can miss a live node (a call cut off by
    /// Sentinel's reconfiguration, or slow under load) while the master is
    /// dead.
    fallbacks: RwLock<Vec<Node>>,
}

impl ReadTarget {
    /// `enabled`: the `READ_FROM=replica` setting.
    pub fn new(enabled: bool, max_lag_ms: u64) -> Self {
        ReadTarget {
            enabled,
            max_lag_ms,
            replica: RwLock::new(None),
            fallbacks: RwLock::new(Vec::new()),
        }
    }

    /// Whether replica reads are on (`READ_FROM=replica`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Every replica, those that answered on the last tick first.
    pub fn fallbacks(&self) -> Vec<Node> {
        self.fallbacks.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// The replica to read from now, if any.
    pub fn replica(&self) -> Option<Node> {
        self.replica.read().ok().and_then(|r| r.clone())
    }

    /// Picks the healthiest replica from a tick (lowest heartbeat delay).
    /// While the master is down no replica can be in sync (their links are
    /// down and the heartbeat stops), but neither can the data change: then
    /// any replica that answers serves reads, which is what keeps reads
    /// working through a failover.
    pub fn update(&self, topology: &Topology, nodes: &[NodeMetrics]) {
        if !self.enabled {
            return;
        }
        let master_down = nodes.first().is_some_and(|m| !m.up);
        let replicas = topology.replicas();
        let answered = |node: &Node| nodes.iter().any(|m| m.up && *m.addr == *node.addr());
        let (mut ordered, silent): (Vec<Node>, Vec<Node>) =
            replicas.iter().cloned().partition(|node| answered(node));
        ordered.extend(silent);
        if let Ok(mut fallbacks) = self.fallbacks.write() {
            *fallbacks = ordered;
        }
        let best = replicas
            .iter()
            .filter_map(|node| {
                let m = nodes.iter().find(|m| *m.addr == *node.addr())?;
                let in_sync = m.link_status == Some(app::types::LinkStatus::Up) && !m.syncing;
                let delay = m.heartbeat_ms.unwrap_or(u64::MAX);
                let usable = m.up
                    && m.role == Some(app::types::NodeRole::Replica)
                    && ((in_sync && delay <= self.max_lag_ms) || master_down);
                usable.then_some((delay, node))
            })
            .min_by_key(|(delay, _)| *delay)
            .map(|(_, node)| node.clone());
        if let Ok(mut current) = self.replica.write() {
            *current = best;
        }
    }

    /// Forgets the replica after it failed a read (until the next tick).
    pub fn demote(&self) {
        if let Ok(mut current) = self.replica.write() {
            *current = None;
        }
    }

    /// `host:port` of the node serving cache reads.
    pub fn describe(&self, topology: &Topology) -> String {
        self.replica()
            .map(|r| r.addr().to_string())
            .unwrap_or_else(|| topology.master().addr().to_string())
    }
}
