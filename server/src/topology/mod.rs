//! The Redis topology: one master and its replicas, each behind one managed,
//! self-reconnecting connection with a timeout on every call.

mod info;
mod node;

pub use info::Info;
pub use node::{Node, StoreError};

use app::types::{HealthReport, NodeRole};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The master and every configured replica.
#[derive(Clone)]
pub struct Topology {
    master: Node,
    replicas: Vec<Node>,
}

impl Topology {
    /// Prepares a connection to each node. Nothing is dialled yet: a node that
    /// is down at start-up is reported down, and is used once it comes up.
    pub fn new<'a>(
        master_url: &str,
        replica_urls: impl IntoIterator<Item = &'a str>,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        let master = Node::new(master_url, NodeRole::Master, timeout)?;
        let replicas = replica_urls
            .into_iter()
            .map(|url| Node::new(url, NodeRole::Replica, timeout))
            .collect::<Result<_, _>>()?;
        Ok(Topology { master, replicas })
    }

    /// The node that takes writes.
    pub fn master(&self) -> &Node {
        &self.master
    }

    /// The replicas, in configuration order.
    pub fn replicas(&self) -> &[Node] {
        &self.replicas
    }

    /// Probes every node at once; the whole report takes at most one timeout.
    pub async fn health(&self) -> HealthReport {
        let probes = std::iter::once(&self.master)
            .chain(&self.replicas)
            .map(Node::probe);
        let nodes = futures::future::join_all(probes).await;
        HealthReport::from_nodes(nodes, now_ms())
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
