//! One Redis connection behind a `ConnectionManager`: a single multiplexed
//! connection, shared by every request, that reconnects by itself and bounds
//! every call with a timeout.
//!
//! A [`Node`] is a handle to a *role* rather than to an address: under
//! Sentinel the handle of the master is re-pointed at the promoted replica
//! ([`Node::retarget`]), and every clone (the cache, the product database,
//! the stats recorder) follows without being told.

use super::info::Info;
use app::types::{NodeHealth, NodeRole};
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    Client, ConnectionAddr, ConnectionInfo, FromRedisValue, IntoConnectionInfo,
};
use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};
use tokio::sync::Notify;

/// Why a Redis call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL in the configuration cannot be used. The URL itself is not
    /// repeated: it may hold a password.
    #[error("invalid Redis URL: {reason}")]
    BadUrl {
        /// What the driver objected to.
        reason: String,
    },
    /// The node did not answer in time (down, overloaded or unreachable).
    #[error("Redis at {addr} did not answer within {ms} ms")]
    Timeout {
        /// `host:port` of the node.
        addr: String,
        /// The timeout that ran out.
        ms: u64,
    },
    /// The node refuses writes for now: it was demoted to replica during a
    /// failover (`READONLY`), or it has too few replicas in sync to accept
    /// writes (`NOREPLICAS`, from `min-replicas-to-write`).
    #[error("Redis at {addr} refuses writes for now ({}): {}; retry in a few seconds", refusal.code(), refusal.why())]
    NotWritable {
        /// `host:port` of the node.
        addr: String,
        /// Which refusal.
        refusal: Refusal,
    },
    /// The node answered with an error, or the connection failed.
    #[error("Redis at {addr}: {source}")]
    Redis {
        /// `host:port` of the node.
        addr: String,
        /// The driver's error.
        #[source]
        source: redis::RedisError,
    },
}

/// A node's refusal of a write during or around a failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `READONLY`: the node is a replica now.
    ReadOnly,
    /// `NOREPLICAS`: too few replicas in sync (`min-replicas-to-write`).
    NoReplicas,
}

impl Refusal {
    /// The error code Redis answers.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::ReadOnly => "READONLY",
            Refusal::NoReplicas => "NOREPLICAS",
        }
    }

    /// What it means, as a sentence.
    pub fn why(self) -> &'static str {
        match self {
            Refusal::ReadOnly => "it is a replica now (a failover is under way or just happened)",
            Refusal::NoReplicas => {
                "not enough replicas are in sync with it (min-replicas-to-write)"
            }
        }
    }

    /// The refusal an error code (or, inside a pipeline, an error text)
    /// names, if any.
    fn of(code: Option<&str>, text: &str) -> Option<Self> {
        [Refusal::ReadOnly, Refusal::NoReplicas]
            .into_iter()
            .find(|r| code == Some(r.code()) || text.contains(r.code()))
    }
}

impl StoreError {
    /// Whether the error says the node is gone or no longer the master, so
    /// the topology should be resolved again (Sentinel mode).
    pub fn suggests_failover(&self) -> bool {
        match self {
            StoreError::Timeout { .. } => true,
            StoreError::NotWritable { refusal, .. } => *refusal == Refusal::ReadOnly,
            StoreError::Redis { source, .. } => {
                source.is_io_error()
                    || source.is_connection_dropped()
                    || source.is_connection_refusal()
            }
            StoreError::BadUrl { .. } => false,
        }
    }
}

impl StoreError {
    /// Whether a command may have been applied although no answer came: it
    /// timed out, or the connection broke under it. A refusal (`READONLY`,
    /// `NOREPLICAS`, a script error) or a dial refused was not applied.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            StoreError::Timeout { .. } => true,
            StoreError::Redis { source, .. } => {
                (source.is_io_error() || source.is_connection_dropped() || source.is_timeout())
                    && !source.is_connection_refusal()
            }
            StoreError::NotWritable { .. } | StoreError::BadUrl { .. } => false,
        }
    }

    /// Whether the node lacks the script called by hash (`NOSCRIPT`).
    pub fn is_no_script(&self) -> bool {
        matches!(self, StoreError::Redis { source, .. } if source.code() == Some("NOSCRIPT"))
    }

    /// Whether an open connection broke under the call (the server closed
    /// it, as Sentinel does to every client of a node it reconfigures): the
    /// next call dials afresh, so a read is worth one more try.
    pub fn is_connection_lost(&self) -> bool {
        match self {
            StoreError::Redis { source, .. } => {
                (source.is_connection_dropped() || source.is_io_error())
                    && !source.is_connection_refusal()
            }
            _ => false,
        }
    }
}

/// Parses a Redis URL into connection settings, never echoing the URL (it
/// may carry a password) in the error.
pub fn connection_info(url: &str) -> Result<ConnectionInfo, StoreError> {
    url.into_connection_info().map_err(|e| StoreError::BadUrl {
        reason: e.detail().unwrap_or(e.category()).to_string(),
    })
}

/// The driver's refusal of connection settings, without the URL.
fn bad_url(e: redis::RedisError) -> StoreError {
    StoreError::BadUrl {
        reason: e.detail().unwrap_or(e.category()).to_string(),
    }
}

/// A client for `info`; a `rediss://` node is verified against the PEM
/// certificates `tls_roots` when given (else the system's trust store).
fn client_for(info: ConnectionInfo, tls_roots: Option<&Vec<u8>>) -> Result<Client, StoreError> {
    let tls = matches!(info.addr(), ConnectionAddr::TcpTls { .. });
    match tls_roots {
        Some(roots) if tls => Client::build_with_tls(
            info,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(roots.clone()),
            },
        ),
        _ => Client::open(info),
    }
    .map_err(bad_url)
}

/// `host:port` of a connection's address.
fn display_addr(info: &ConnectionInfo) -> Arc<str> {
    match info.addr() {
        ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
            super::Addr::new(host.as_str(), *port).to_string().into()
        }
        other => other.to_string().into(),
    }
}

/// The same settings (credentials, database, TLS) at another host and port:
/// how nodes that Sentinel names are reached.
pub fn at_address(template: &ConnectionInfo, addr: &super::Addr) -> ConnectionInfo {
    let (host, port) = (addr.host.as_str(), addr.port);
    let addr = match template.addr() {
        ConnectionAddr::TcpTls {
            insecure,
            tls_params,
            ..
        } => ConnectionAddr::TcpTls {
            host: host.to_string(),
            port,
            insecure: *insecure,
            tls_params: tls_params.clone(),
        },
        _ => ConnectionAddr::Tcp(host.to_string(), port),
    };
    template.clone().set_addr(addr)
}

/// A Redis node (or role). Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct Node {
    timeout: Duration,
    link: Arc<Link>,
}

/// The node's connection, replaced by a fresh one after a connection-level
/// failure. `ConnectionManager` re-dials after I/O errors by itself, but a
/// dial that timed out can leave it holding the failed attempt; replacing it
/// guarantees the next call dials again, so a node that hung always recovers.
struct Link {
    config: ConnectionManagerConfig,
    /// PEM roots for `rediss://` (`None`: the system's trust store).
    tls_roots: Option<Arc<Vec<u8>>>,
    current: RwLock<Current>,
    /// Woken when a call fails in a way that suggests a failover.
    on_trouble: RwLock<Option<Arc<Notify>>>,
}

struct Current {
    generation: u64,
    addr: Arc<str>,
    client: Client,
    conn: ConnectionManager,
}

impl Link {
    fn get(&self) -> (u64, ConnectionManager) {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        (guard.generation, guard.conn.clone())
    }

    fn addr(&self) -> Arc<str> {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        guard.addr.clone()
    }

    /// Replaces generation `failed` (unless another caller already did).
    fn replace(&self, failed: u64) {
        let client = {
            let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
            if guard.generation != failed {
                return;
            }
            guard.client.clone()
        };
        let Ok(fresh) = ConnectionManager::new_lazy_with_config(client, self.config.clone()) else {
            return;
        };
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        if guard.generation == failed {
            guard.generation += 1;
            guard.conn = fresh;
        }
    }

    fn trouble(&self) {
        let hook = self.on_trouble.read().unwrap_or_else(|e| e.into_inner());
        if let Some(notify) = hook.as_ref() {
            notify.notify_one();
        }
    }
}

impl Node {
    /// Prepares a lazy connection to `url`: the first call dials, later calls
    /// reuse the connection, and a broken connection is re-dialled.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        Self::from_info(connection_info(url)?, timeout)
    }

    /// Like [`Node::new`], from parsed settings.
    pub fn from_info(info: ConnectionInfo, timeout: Duration) -> Result<Self, StoreError> {
        Self::with_tls(info, timeout, None)
    }

    /// Like [`Node::from_info`]; a `rediss://` node is verified against the
    /// PEM certificates `tls_roots` instead of the system's trust store.
    pub fn with_tls(
        info: ConnectionInfo,
        timeout: Duration,
        tls_roots: Option<Arc<Vec<u8>>>,
    ) -> Result<Self, StoreError> {
        // One dial attempt per reconnection: callers never queue behind a
        // retry loop, and the next call simply dials again. No response
        // timeout in the driver: every call on this connection runs inside
        // `Node::bounded`, whose timeout is the one bound (a second timer per
        // call would only cost a timer-wheel insert and removal).
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(None)
            .set_number_of_retries(0);
        let current = Self::connect(info, &config, 0, tls_roots.as_deref())?;
        Ok(Node {
            timeout,
            link: Arc::new(Link {
                config,
                tls_roots,
                current: RwLock::new(current),
                on_trouble: RwLock::new(None),
            }),
        })
    }

    fn connect(
        info: ConnectionInfo,
        config: &ConnectionManagerConfig,
        generation: u64,
        tls_roots: Option<&Vec<u8>>,
    ) -> Result<Current, StoreError> {
        let addr = display_addr(&info);
        let client = client_for(info, tls_roots)?;
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())
            .map_err(bad_url)?;
        Ok(Current {
            generation,
            addr,
            client,
            conn,
        })
    }

    /// Points this handle (and every clone) at another server, keeping the
    /// credentials and settings: used when Sentinel names a new master. Calls
    /// under way finish on the old connection. Returns whether it changed.
    pub fn retarget(&self, info: ConnectionInfo) -> Result<bool, StoreError> {
        if *display_addr(&info) == *self.addr() {
            return Ok(false);
        }
        let fresh = Self::connect(info, &self.link.config, 0, self.link.tls_roots.as_deref())?;
        let mut guard = self.link.current.write().unwrap_or_else(|e| e.into_inner());
        let generation = guard.generation + 1;
        *guard = Current {
            generation,
            ..fresh
        };
        Ok(true)
    }

    /// Wakes `notify` whenever a call fails with a timeout, a lost
    /// connection or `READONLY`: the Sentinel follower then resolves the
    /// master again at once instead of waiting for its next poll.
    pub fn notify_on_trouble(&self, notify: Arc<Notify>) {
        *self
            .link
            .on_trouble
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(notify);
    }

    /// `host:port` of the server this handle points at now.
    pub fn addr(&self) -> Arc<str> {
        self.link.addr()
    }

    /// Dials a dedicated RESP3 connection to the server this handle points
    /// at now (same credentials, TLS and timeouts), whose server pushes
    /// (`invalidate` messages, and a disconnection notice) go to `pushes`.
    /// Returns it with the address it reached. Used for client-side caching
    /// (`CLIENT TRACKING`), which must not share the request connection.
    pub async fn dial_resp3(
        &self,
        pushes: impl redis::aio::AsyncPushSender,
    ) -> Result<(redis::aio::MultiplexedConnection, Arc<str>), StoreError> {
        let (addr, client) = {
            let guard = self.link.current.read().unwrap_or_else(|e| e.into_inner());
            (guard.addr.clone(), guard.client.clone())
        };
        let info = client.get_connection_info().clone();
        let redis_settings = info
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let info = info.set_redis_settings(redis_settings);
        let client = client_for(info, self.link.tls_roots.as_deref())?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_push_sender(pushes);
        let dial = client.get_multiplexed_async_connection_with_config(&config);
        match tokio::time::timeout(self.timeout, dial).await {
            Ok(Ok(conn)) => Ok((conn, addr)),
            Ok(Err(source)) => Err(classify(addr.to_string(), source)),
            Err(_) => Err(StoreError::Timeout {
                addr: addr.to_string(),
                ms: self.timeout.as_millis() as u64,
            }),
        }
    }

    /// The timeout applied to every call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs one command, bounded by the timeout.
    pub async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let (generation, mut conn) = self.link.get();
        self.bounded(generation, cmd.query_async(&mut conn)).await
    }

    /// Runs a pipeline (or a `MULTI`/`EXEC` transaction) in one round trip,
    /// bounded by the timeout.
    pub async fn pipe<T: FromRedisValue>(&self, pipe: &redis::Pipeline) -> Result<T, StoreError> {
        let (generation, mut conn) = self.link.get();
        self.bounded(generation, pipe.query_async(&mut conn)).await
    }

    /// Runs a Lua script (`EVALSHA`, loading it on first use), bounded by the
    /// timeout.
    pub async fn script<T: FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let (generation, mut conn) = self.link.get();
        self.bounded(generation, invocation.invoke_async(&mut conn))
            .await
    }

    async fn bounded<T>(
        &self,
        generation: u64,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        let limit = self.timeout;
        let result = match tokio::time::timeout(limit, call).await {
            Ok(Ok(value)) => return Ok(value),
            // The driver's own connect timeout (a lazy dial): same meaning as ours.
            Ok(Err(source)) if source.is_timeout() => Err(StoreError::Timeout {
                addr: self.addr().to_string(),
                ms: limit.as_millis() as u64,
            }),
            Ok(Err(source)) => Err(classify(self.addr().to_string(), source)),
            Err(_) => Err(StoreError::Timeout {
                addr: self.addr().to_string(),
                ms: limit.as_millis() as u64,
            }),
        };
        if let Err(error) = &result {
            if error.suggests_failover() {
                if !matches!(error, StoreError::NotWritable { .. }) {
                    self.link.replace(generation);
                }
                self.link.trouble();
            }
        }
        result
    }

    /// Reads `INFO <section>`.
    pub async fn info(&self, section: &str) -> Result<Info, StoreError> {
        let text: String = self.query(redis::cmd("INFO").arg(section)).await?;
        Ok(Info::parse(&text))
    }

    /// Asks the node for its replication role; never fails: a node that does
    /// not answer is reported down (in the role it is `expected` to have)
    /// with the reason.
    pub async fn probe(&self, expected: NodeRole) -> NodeHealth {
        let started = Instant::now();
        let result = self.info("replication").await;
        let latency_us = started.elapsed().as_micros() as u64;
        let addr = self.addr().to_string();
        match result {
            Ok(info) => {
                let role = match info.get("role") {
                    Some("slave") => NodeRole::Replica,
                    _ => NodeRole::Master,
                };
                let link_status = (role == NodeRole::Replica).then(|| {
                    app::types::LinkStatus::from_info(info.get("master_link_status").unwrap_or(""))
                });
                NodeHealth {
                    addr,
                    role,
                    expected_role: expected,
                    up: true,
                    latency_us: Some(latency_us),
                    link_status,
                    error: None,
                }
            }
            Err(error) => NodeHealth {
                addr,
                role: expected,
                expected_role: expected,
                up: false,
                latency_us: None,
                link_status: None,
                error: Some(error.to_string()),
            },
        }
    }
}

/// Gives the write refusals of a failover their own variant (a clear 503).
/// Errors inside a pipeline carry no single code, so the text is read too.
fn classify(addr: String, source: redis::RedisError) -> StoreError {
    match Refusal::of(source.code(), &source.to_string()) {
        Some(refusal) => StoreError::NotWritable { addr, refusal },
        None => StoreError::Redis { addr, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_never_echo_the_url() {
        let Err(error) = connection_info("redis://:s3cret@[::1") else {
            panic!("a broken URL must be refused");
        };
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }

    #[test]
    fn discovered_nodes_keep_credentials() {
        let template = connection_info("redis://user:pw@10.0.0.1:6379/2").expect("valid");
        let moved = at_address(&template, &crate::topology::Addr::new("10.0.0.9", 6390));
        assert_eq!(&*display_addr(&moved), "10.0.0.9:6390");
        assert_eq!(moved.redis_settings().db(), 2);
        assert_eq!(moved.redis_settings().username(), Some("user"));
        assert_eq!(moved.redis_settings().password(), Some("pw"));
    }
}
