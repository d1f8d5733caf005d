//! The Redis topology: one master and its replicas, each behind one managed,
//! self-reconnecting connection with a timeout on every call.
//!
//! Two ways to know the nodes: fixed URLs (by default master 6379 + replica
//! 6380), or Redis Sentinel (`REDIS_SENTINELS`), where the master and the
//! replicas are discovered and followed through failovers by
//! [`sentinel::follow`].

mod addr;
mod info;
pub mod memory;
mod node;
mod offsets;
mod reads;
pub mod sentinel;

pub use addr::Addr;
pub use info::Info;
pub use node::{at_address, connection_info, Node, Refusal, StoreError};
pub use offsets::{role_offset, write_floor};
pub use reads::ReadTarget;

use app::types::{HaStatus, HealthReport, NodeRole};
use redis::ConnectionInfo;
use sentinel::Sentinels;
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::sync::Notify;

/// How every data node is reached.
#[derive(Debug, Clone)]
pub struct Connect {
    /// Bound on every call, connecting included.
    pub timeout: Duration,
    /// Extra bound on the writer connection's calls (the `WAIT` after an
    /// admin write).
    pub write_wait: Duration,
    /// PEM roots for `rediss://` nodes (`None`: the system's trust store).
    pub tls_roots: Option<Arc<Vec<u8>>>,
}

impl Connect {
    /// Bounds only; TLS (if any) verified against the system's trust store.
    pub fn new(timeout: Duration, write_wait: Duration) -> Self {
        Connect {
            timeout,
            write_wait,
            tls_roots: None,
        }
    }

    fn node(&self, info: ConnectionInfo, timeout: Duration) -> Result<Node, StoreError> {
        Node::with_tls(info, timeout, self.tls_roots.clone())
    }
}

/// The master and its replicas. Cloning is cheap and shares everything.
#[derive(Clone)]
pub struct Topology(Arc<Inner>);

struct Inner {
    /// Lookups, database reads, stats: the master's shared connection.
    master: Node,
    /// Admin writes and the `WAIT` after them: a connection of its own, so a
    /// `WAIT` never holds up a lookup queued behind it.
    writer: Node,
    replicas: RwLock<Arc<[Node]>>,
    /// Credentials and settings for nodes that Sentinel names.
    template: ConnectionInfo,
    connect: Connect,
    /// Replicas the master should have, down ones included: the fixed
    /// replica URLs, or the replicas Sentinel lists for the master. A write
    /// is durable only when this many confirmed it.
    expected_replicas: AtomicU64,
    sentinels: Option<Arc<Sentinels>>,
    /// Woken by failed calls to the master (Sentinel mode).
    trouble: Arc<Notify>,
}

impl Topology {
    /// Fixed nodes. Nothing is dialled yet: a node that is down at start-up
    /// is reported down, and is used once it comes up.
    pub fn new<'a>(
        master_url: &str,
        replica_urls: impl IntoIterator<Item = &'a str>,
        connect: &Connect,
    ) -> Result<Self, StoreError> {
        let template = connection_info(master_url)?;
        let replicas = replica_urls
            .into_iter()
            .map(|url| connect.node(connection_info(url)?, connect.timeout))
            .collect::<Result<Vec<_>, _>>()?;
        Self::build(template, replicas, connect, None)
    }

    /// Nodes discovered through Sentinel. Until the first resolution (see
    /// [`sentinel::resolve`]) the master handle points at `template`'s
    /// address; `template` also gives the credentials, database and TLS
    /// settings of every data node.
    pub fn with_sentinels(
        template_url: &str,
        sentinel_addrs: &[String],
        master_name: &str,
        connect: &Connect,
    ) -> Result<Self, StoreError> {
        let template = connection_info(template_url)?;
        let sentinels = Sentinels::new(sentinel_addrs, master_name, connect.timeout)?;
        Self::build(template, Vec::new(), connect, Some(Arc::new(sentinels)))
    }

    fn build(
        template: ConnectionInfo,
        replicas: Vec<Node>,
        connect: &Connect,
        sentinels: Option<Arc<Sentinels>>,
    ) -> Result<Self, StoreError> {
        let timeout = connect.timeout;
        let expected = replicas.len() as u64;
        let master = connect.node(template.clone(), timeout)?;
        // The writer's calls include a WAIT: its bound (the driver's own
        // response timeout too) is longer by the WAIT bound.
        let writer = connect.node(template.clone(), timeout + connect.write_wait)?;
        let trouble = Arc::new(Notify::new());
        if sentinels.is_some() {
            master.notify_on_trouble(trouble.clone());
            writer.notify_on_trouble(trouble.clone());
        }
        Ok(Topology(Arc::new(Inner {
            master,
            writer,
            replicas: RwLock::new(replicas.into()),
            template,
            connect: connect.clone(),
            expected_replicas: AtomicU64::new(expected),
            sentinels,
            trouble,
        })))
    }

    /// The node that takes writes (shared by every lookup).
    pub fn master(&self) -> &Node {
        &self.0.master
    }

    /// The master again, on a connection reserved for admin writes and the
    /// `WAIT` that follows each of them.
    pub fn writer(&self) -> &Node {
        &self.0.writer
    }

    /// The replicas now (configuration order, or Sentinel's order).
    pub fn replicas(&self) -> Arc<[Node]> {
        self.0
            .replicas
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The Sentinels followed, if any.
    pub fn sentinels(&self) -> Option<&Arc<Sentinels>> {
        self.0.sentinels.as_ref()
    }

    /// Sentinel's view for the dashboard (`None` without Sentinel).
    pub fn ha_status(&self) -> Option<HaStatus> {
        self.0.sentinels.as_ref().map(|s| s.status())
    }

    /// Woken when a call to the master fails in a way that suggests a failover.
    pub(crate) fn trouble(&self) -> &Arc<Notify> {
        &self.0.trouble
    }

    /// Points the master handles at `host:port`. Returns whether it moved.
    /// A move ends every write's claim to have stayed on one master (see
    /// [`Topology::write_epoch`]).
    pub(crate) fn set_master(&self, addr: &Addr) -> Result<bool, StoreError> {
        let info = at_address(&self.0.template, addr);
        let moved = self.0.master.retarget(info.clone())?;
        self.0.writer.retarget(info)?;
        if moved {
            if let Some(sentinels) = &self.0.sentinels {
                sentinels.fence();
            }
        }
        Ok(moved)
    }

    /// Changes whenever a failover may have begun or the master moved. A
    /// write during which it did not change was made and confirmed on one
    /// master that no failover had started to replace.
    pub fn write_epoch(&self) -> u64 {
        self.0.sentinels.as_ref().map_or(0, |s| s.write_epoch())
    }

    /// Why writes must not be sent now (`Some` while Sentinel runs a
    /// failover: the master may be replaced, and whatever it takes then may
    /// be thrown away).
    pub fn writes_fenced(&self) -> bool {
        self.0
            .sentinels
            .as_ref()
            .is_some_and(|s| s.failover_in_progress())
    }

    /// Replaces the replica list, keeping the connection of every replica
    /// that stays (so a refresh never drops a working connection).
    pub(crate) fn set_replicas(&self, addrs: &[Addr]) -> Result<(), StoreError> {
        let current = self.replicas();
        let mut next = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let written = addr.to_string();
            match current.iter().find(|n| *n.addr() == *written) {
                Some(node) => next.push(node.clone()),
                None => next.push(
                    self.0
                        .connect
                        .node(at_address(&self.0.template, addr), self.0.connect.timeout)?,
                ),
            }
        }
        let unchanged = next.len() == current.len()
            && next
                .iter()
                .zip(current.iter())
                .all(|(a, b)| a.addr() == b.addr());
        if !unchanged {
            *self.0.replicas.write().unwrap_or_else(|e| e.into_inner()) = next.into();
        }
        Ok(())
    }

    /// Replicas the master should have, down or not: how many must confirm
    /// a write for it to be durable.
    pub fn expected_replicas(&self) -> u64 {
        self.0.expected_replicas.load(Ordering::Relaxed)
    }

    /// Sentinel's count of the master's replicas (down ones included).
    pub(crate) fn set_expected_replicas(&self, count: u64) {
        self.0.expected_replicas.store(count, Ordering::Relaxed);
    }

    /// Probes every node at once; the whole report takes at most one timeout.
    pub async fn health(&self) -> HealthReport {
        let replicas = self.replicas();
        let probes = std::iter::once(self.master().probe(NodeRole::Master))
            .chain(replicas.iter().map(|n| n.probe(NodeRole::Replica)));
        let nodes = futures::future::join_all(probes).await;
        HealthReport::from_nodes(nodes, now_ms())
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    now_us() / 1000
}

/// Microseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
