//! One Redis node behind a `ConnectionManager`: a single multiplexed
//! connection, shared by every request, that reconnects by itself.

use super::info::Info;
use app::types::{NodeHealth, NodeRole};
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    Client, FromRedisValue,
};
use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

/// Why a Redis call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL in the configuration cannot be used.
    #[error("invalid Redis URL {url:?}: {source}")]
    BadUrl {
        /// The URL as configured.
        url: String,
        /// What the driver objected to.
        #[source]
        source: redis::RedisError,
    },
    /// The node did not answer in time (down, overloaded or unreachable).
    #[error("Redis at {addr} did not answer within {ms} ms")]
    Timeout {
        /// `host:port` of the node.
        addr: String,
        /// The timeout that ran out.
        ms: u64,
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

/// A Redis node. Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct Node {
    addr: String,
    expected_role: NodeRole,
    timeout: Duration,
    link: Arc<Link>,
}

/// The node's connection, replaced by a fresh one after a connection-level
/// failure. `ConnectionManager` re-dials after I/O errors by itself, but a
/// dial that timed out can leave it holding the failed attempt; replacing it
/// guarantees the next call dials again, so a node that hung always recovers.
struct Link {
    client: Client,
    config: ConnectionManagerConfig,
    current: RwLock<(u64, ConnectionManager)>,
}

impl Link {
    fn get(&self) -> (u64, ConnectionManager) {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        (guard.0, guard.1.clone())
    }

    /// Replaces generation `failed` (unless another caller already did).
    fn replace(&self, failed: u64) {
        let Ok(fresh) =
            ConnectionManager::new_lazy_with_config(self.client.clone(), self.config.clone())
        else {
            return;
        };
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        if guard.0 == failed {
            *guard = (failed + 1, fresh);
        }
    }
}

impl Node {
    /// Prepares a lazy connection: the first call dials, later calls reuse the
    /// connection, and a broken connection is re-dialled in the background.
    pub fn new(url: &str, expected_role: NodeRole, timeout: Duration) -> Result<Self, StoreError> {
        let bad_url = |source| StoreError::BadUrl {
            url: url.to_string(),
            source,
        };
        let client = Client::open(url).map_err(bad_url)?;
        let addr = client.get_connection_info().addr().to_string();
        // One dial attempt per reconnection: callers never queue behind a
        // retry loop, and the next call simply dials again.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(0);
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())
            .map_err(bad_url)?;
        Ok(Node {
            addr,
            expected_role,
            timeout,
            link: Arc::new(Link {
                client,
                config,
                current: RwLock::new((0, conn)),
            }),
        })
    }

    /// `host:port` of the node.
    pub fn addr(&self) -> &str {
        &self.addr
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
        let timed_out = || {
            self.link.replace(generation);
            StoreError::Timeout {
                addr: self.addr.clone(),
                ms: self.timeout.as_millis() as u64,
            }
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            // The driver's own connect/response timeout: same meaning as ours.
            Ok(Err(source)) if source.is_timeout() => Err(timed_out()),
            Ok(Err(source)) => {
                if source.is_io_error()
                    || source.is_connection_dropped()
                    || source.is_connection_refusal()
                {
                    self.link.replace(generation);
                }
                Err(StoreError::Redis {
                    addr: self.addr.clone(),
                    source,
                })
            }
            Err(_) => Err(timed_out()),
        }
    }

    /// Reads `INFO <section>`.
    pub async fn info(&self, section: &str) -> Result<Info, StoreError> {
        let text: String = self.query(redis::cmd("INFO").arg(section)).await?;
        Ok(Info::parse(&text))
    }

    /// Asks the node for its replication role; never fails: a node that does
    /// not answer is reported down with the reason.
    pub async fn probe(&self) -> NodeHealth {
        let started = Instant::now();
        let result = self.info("replication").await;
        let latency_us = started.elapsed().as_micros() as u64;
        match result {
            Ok(info) => {
                let role = match info.get("role") {
                    Some("slave") => NodeRole::Replica,
                    _ => NodeRole::Master,
                };
                let link_status = (role == NodeRole::Replica).then(|| {
                    info.get("master_link_status")
                        .unwrap_or("unknown")
                        .to_string()
                });
                NodeHealth {
                    addr: self.addr.clone(),
                    role,
                    expected_role: self.expected_role,
                    up: true,
                    latency_us: Some(latency_us),
                    link_status,
                    error: None,
                }
            }
            Err(error) => NodeHealth {
                addr: self.addr.clone(),
                role: self.expected_role,
                expected_role: self.expected_role,
                up: false,
                latency_us: None,
                link_status: None,
                error: Some(error.to_string()),
            },
        }
    }
}
