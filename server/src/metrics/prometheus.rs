//! `GET /metrics` in the Prometheus (OpenMetrics) text format, with the
//! Prometheus project's own client, `prometheus-client`.
//!
//! Two kinds of series:
//! - the app's own, kept in process since start (`cachescope_*`): lookups by
//!   source and outcome, their latency histogram, throttled requests, cache
//!   fills that failed, rate-limit checks let through, refused connections,
//!   WebSocket clients, database reads under way;
//! - the topology as the collector saw it on its last tick, under the names
//!   `redis_exporter` uses (`redis_up`, `redis_master_repl_offset`,
//!   `redis_connected_slave_offset_bytes`, `redis_connected_slave_lag_seconds`,
//!   `redis_master_link_up`, ...) so existing Grafana panels work, with an
//!   `addr` label per node (one endpoint reports every node), plus the
//!   heartbeat delay and Sentinel's view.

use crate::stats::Telemetry;
use app::types::{HaStatus, MetricsTick, NodeRole};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AddrLabels {
    addr: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabels {
    addr: String,
    role: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SlaveLabels {
    addr: String,
    slave_ip: String,
    slave_port: String,
    slave_state: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// What a scrape reads besides the telemetry counters.
pub struct Snapshot<'a> {
    /// The collector's last tick.
    pub tick: Option<&'a MetricsTick>,
    /// Sentinel's view now.
    pub ha: Option<&'a HaStatus>,
    /// Open WebSocket clients.
    pub websocket_clients: u64,
    /// Connections refused at the cap since start.
    pub refused_connections: u64,
    /// Database reads under way.
    pub flights: u64,
}

/// The whole `/metrics` page.
pub fn render(telemetry: &Telemetry, snapshot: &Snapshot<'_>) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    telemetry.register(&mut registry);
    let gauge = |registry: &mut Registry, name: &str, help: &str, value: f64| {
        let g = FloatGauge::default();
        g.set(value);
        registry.register(name, help, g);
    };
    gauge(
        &mut registry,
        "cachescope_websocket_clients",
        "Open WebSocket clients",
        snapshot.websocket_clients as f64,
    );
    let refused = Counter::<u64>::default();
    refused.inc_by(snapshot.refused_connections);
    registry.register(
        "cachescope_refused_connections",
        "Connections closed at once because MAX_CONNECTIONS were open",
        refused,
    );
    gauge(
        &mut registry,
        "cachescope_database_reads_in_flight",
        "Database reads under way (single flights)",
        snapshot.flights as f64,
    );
    if let Some(tick) = snapshot.tick {
        register_nodes(&mut registry, tick);
    }
    if let Some(ha) = snapshot.ha {
        register_sentinels(&mut registry, ha);
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}

fn register_nodes(registry: &mut Registry, tick: &MetricsTick) {
    let up = Family::<AddrLabels, FloatGauge>::default();
    let info = Family::<RoleLabels, FloatGauge>::default();
    let master_offset = Family::<AddrLabels, FloatGauge>::default();
    let connected_slaves = Family::<AddrLabels, FloatGauge>::default();
    let slave_offset = Family::<SlaveLabels, FloatGauge>::default();
    let slave_lag = Family::<SlaveLabels, FloatGauge>::default();
    let link_up = Family::<AddrLabels, FloatGauge>::default();
    let memory = Family::<AddrLabels, FloatGauge>::default();
    let clients = Family::<AddrLabels, FloatGauge>::default();
    let heartbeat = Family::<AddrLabels, FloatGauge>::default();
    let lag_bytes = Family::<AddrLabels, FloatGauge>::default();
    let master = tick
        .nodes
        .first()
        .map(|m| m.addr.clone())
        .unwrap_or_default();
    let mut linked = 0u64;
    for node in &tick.nodes {
        let addr = AddrLabels {
            addr: node.addr.clone(),
        };
        up.get_or_create(&addr).set(if node.up { 1.0 } else { 0.0 });
        let role = match node.role {
            Some(NodeRole::Replica) => "slave",
            _ => "master",
        };
        info.get_or_create(&RoleLabels {
            addr: node.addr.clone(),
            role,
        })
        .set(1.0);
        if let Some(bytes) = node.used_memory {
            memory.get_or_create(&addr).set(bytes as f64);
        }
        if let Some(n) = node.connected_clients {
            clients.get_or_create(&addr).set(n as f64);
        }
        if node.role == Some(NodeRole::Master) && node.up {
            if let Some(offset) = node.offset {
                master_offset.get_or_create(&addr).set(offset as f64);
            }
            continue;
        }
        if !node.up {
            continue;
        }
        let link = node.link_status == Some(app::types::LinkStatus::Up);
        linked += u64::from(link);
        link_up
            .get_or_create(&addr)
            .set(if link { 1.0 } else { 0.0 });
        let (ip, port) = node.addr.rsplit_once(':').unwrap_or((&node.addr, ""));
        let slave = SlaveLabels {
            addr: master.clone(),
            slave_ip: ip.to_string(),
            slave_port: port.to_string(),
            slave_state: if link { "online" } else { "offline" },
        };
        if let Some(offset) = node.offset {
            slave_offset.get_or_create(&slave).set(offset as f64);
        }
        if let Some(lag) = node.lag_s {
            slave_lag.get_or_create(&slave).set(lag as f64);
        }
        if let Some(ms) = node.heartbeat_ms {
            heartbeat.get_or_create(&addr).set(ms as f64);
        }
        if let Some(bytes) = node.lag_bytes {
            lag_bytes.get_or_create(&addr).set(bytes as f64);
        }
    }
    connected_slaves
        .get_or_create(&AddrLabels { addr: master })
        .set(linked as f64);
    registry.register(
        "redis_up",
        "Whether the node answered INFO on the last tick",
        up,
    );
    registry.register(
        "redis_instance_info",
        "The node's role (master or slave)",
        info,
    );
    registry.register(
        "redis_master_repl_offset",
        "The master's replication offset",
        master_offset,
    );
    registry.register(
        "redis_connected_slaves",
        "Replicas linked to the master",
        connected_slaves,
    );
    registry.register(
        "redis_connected_slave_offset_bytes",
        "Each replica's replication offset",
        slave_offset,
    );
    registry.register(
        "redis_connected_slave_lag_seconds",
        "Seconds since the master last heard from each replica",
        slave_lag,
    );
    registry.register(
        "redis_master_link_up",
        "Replicas: whether the link to the master is up",
        link_up,
    );
    registry.register(
        "redis_memory_used_bytes",
        "used_memory of each node",
        memory,
    );
    registry.register(
        "redis_connected_clients",
        "connected_clients of each node",
        clients,
    );
    registry.register(
        "cachescope_replication_heartbeat_delay_ms",
        "Replicas: age of the newest heartbeat written on the master, in ms",
        heartbeat,
    );
    registry.register(
        "cachescope_replication_lag_bytes",
        "Replicas: master offset minus the replica's",
        lag_bytes,
    );
}

fn register_sentinels(registry: &mut Registry, ha: &HaStatus) {
    let up = Family::<AddrLabels, FloatGauge>::default();
    for sentinel in &ha.sentinels {
        up.get_or_create(&AddrLabels {
            addr: sentinel.addr.clone(),
        })
        .set(if sentinel.up { 1.0 } else { 0.0 });
    }
    registry.register(
        "cachescope_sentinel_up",
        "Whether each Sentinel answered",
        up,
    );
    let flag = |registry: &mut Registry, name: &str, help: &str, on: bool| {
        let g = FloatGauge::default();
        g.set(if on { 1.0 } else { 0.0 });
        registry.register(name, help, g);
    };
    flag(
        registry,
        "cachescope_sentinel_quorum_ok",
        "Whether the Sentinels can agree on a failover now",
        ha.quorum_ok,
    );
    flag(
        registry,
        "cachescope_failover_in_progress",
        "Whether a failover is under way",
        ha.failover_in_progress,
    );
    let seen = FloatGauge::default();
    seen.set(ha.failovers.len() as f64);
    registry.register(
        "cachescope_failovers_seen",
        "Failovers this server saw (the last 20 are kept)",
        seen,
    );
}
