//! Live metrics: what the collector reads from every Redis node each tick, the
//! replication view (`GET /api/replication`), and the WebSocket messages.

use super::{
    Failover, HaStatus, HistoryEntry, LinkStatus, NearHealth, NodeRole, Role, SentinelStatus, Stats,
};
use serde::{Deserialize, Serialize};

/// One node as the collector saw it on one tick. Fields are `None` when the
/// node did not answer or does not have them (replica fields on a master).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeMetrics {
    /// `host:port`.
    pub addr: String,
    /// Role the node reports (the configured one when it is down).
    pub role: Option<NodeRole>,
    /// Whether it answered `INFO` this tick.
    pub up: bool,
    /// Why it is down.
    pub error: Option<String>,
    /// `instantaneous_ops_per_sec`.
    pub ops_per_sec: Option<u64>,
    /// `used_memory`, bytes.
    pub used_memory: Option<u64>,
    /// `connected_clients`.
    pub connected_clients: Option<u64>,
    /// Keys in every database.
    pub keys: Option<u64>,
    /// Redis' own hit ratio: `keyspace_hits / (keyspace_hits + keyspace_misses)`.
    pub redis_hit_ratio: Option<f64>,
    /// Replication offset (`master_repl_offset` on a master, `slave_repl_offset` on a replica).
    pub offset: Option<u64>,
    /// Replicas: `up` when the link to the master is up.
    pub link_status: Option<LinkStatus>,
    /// Replicas: master offset minus this replica's offset.
    pub lag_bytes: Option<u64>,
    /// Replicas: seconds since the master last heard from it (`lag=` of `INFO`).
    pub lag_s: Option<u64>,
    /// Replicas: age of the newest heartbeat written on the master and read
    /// here, in milliseconds (the real replication delay).
    pub heartbeat_ms: Option<u64>,
    /// Replicas: seconds since the last I/O with the master.
    pub last_io_s: Option<u64>,
    /// Replicas: a full sync is running.
    pub syncing: bool,
}

/// Ticks a dashboard shows in its time lines (3 minutes at the default 1 s
/// tick); the snapshot sent to a new client carries that many points.
pub const RECENT_TICKS: usize = 180;

/// What the time lines need of one tick: a few numbers instead of the whole
/// tick, so a new dashboard gets three minutes of history in ~20 KB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TickPoint {
    /// When, in ms since the Unix epoch.
    pub at: u64,
    /// The app's hit ratio, 0..=1 (`None` before any lookup).
    pub app_hit_ratio: Option<f64>,
    /// The master's keyspace hit ratio, 0..=1.
    pub redis_hit_ratio: Option<f64>,
    /// Near-cache hits' p50 and p99, µs (`None` before any).
    #[serde(default)]
    pub near_p50: Option<u64>,
    /// See `near_p50`.
    #[serde(default)]
    pub near_p99: Option<u64>,
    /// Redis cache hits' p50 and p99, µs (`None` before any hit).
    pub cache_p50: Option<u64>,
    /// See `cache_p50`.
    pub cache_p99: Option<u64>,
    /// Database reads' p50 and p99, µs (`None` before any read).
    pub database_p50: Option<u64>,
    /// See `database_p50`.
    pub database_p99: Option<u64>,
}

impl TickPoint {
    /// The point of one tick.
    pub fn of(tick: &MetricsTick) -> Self {
        let app = &tick.app;
        let measured = |value: u64, count: u64| (count > 0).then_some(value);
        TickPoint {
            at: tick.at,
            app_hit_ratio: (app.lookups > 0).then_some(app.hit_ratio),
            redis_hit_ratio: tick.nodes.first().and_then(|n| n.redis_hit_ratio),
            near_p50: measured(app.latency_us.near.p50, app.latency_us.near.count),
            near_p99: measured(app.latency_us.near.p99, app.latency_us.near.count),
            cache_p50: measured(app.latency_us.cache.p50, app.latency_us.cache.count),
            cache_p99: measured(app.latency_us.cache.p99, app.latency_us.cache.count),
            database_p50: measured(app.latency_us.database.p50, app.latency_us.database.count),
            database_p99: measured(app.latency_us.database.p99, app.latency_us.database.count),
        }
    }
}

/// One tick of the collector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricsTick {
    /// When, in ms since the Unix epoch.
    pub at: u64,
    /// The master first, then each replica.
    pub nodes: Vec<NodeMetrics>,
    /// The application's cache statistics (every instance).
    pub app: Stats,
    /// The node cache reads go to now.
    pub reads_from: String,
    /// Sentinel's view, when the server follows Sentinels.
    #[serde(default)]
    pub ha: Option<HaStatus>,
    /// The near cache of the server that sends the tick (each server has
    /// its own).
    #[serde(default)]
    pub near: Option<NearHealth>,
}

impl MetricsTick {
    /// What a public page is shown of a tick: the aggregate figures (hit
    /// ratios, latencies, the near tier's counts), without nodes, addresses
    /// or Sentinel's view, which are for viewers.
    pub fn public_view(&self) -> MetricsTick {
        MetricsTick {
            at: self.at,
            nodes: Vec::new(),
            app: self.app,
            reads_from: String::new(),
            ha: None,
            near: self.near,
        }
    }
}

/// Messages the server pushes on `/ws`, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    /// First message: the latest tick (if any yet) and the recent lookups.
    Snapshot {
        /// The latest tick.
        metrics: Option<MetricsTick>,
        /// Recent lookups, newest first.
        history: Vec<HistoryEntry>,
        /// The time lines so far, oldest first (at most [`RECENT_TICKS`],
        /// the latest tick's point last).
        recent: Vec<TickPoint>,
        /// The role this feed is for: a public feed carries aggregate
        /// figures only ([`MetricsTick::public_view`]) and no lookups.
        #[serde(default)]
        role: Role,
    },
    /// Every tick.
    Metrics(MetricsTick),
    /// Lookups since the last batch (newest last), at most a few per batch;
    /// `dropped` counts the ones left out under load.
    Lookup {
        /// A sample of the lookups, oldest first.
        items: Vec<HistoryEntry>,
        /// Lookups not included in this batch.
        dropped: u64,
    },
}

impl ServerMessage {
    /// Decodes a `/ws` frame. Same result as serde's derived decoder, which
    /// for an internally tagged enum buffers every frame into an untyped tree
    /// first and so compiles a second decoder for every nested type (~10% of
    /// the wasm bundle); this reads the tag, then the frame again as the
    /// variant's own struct (which ignores the `type` field).
    pub fn from_json(text: &str) -> Option<Self> {
        #[derive(Deserialize)]
        struct Tag<'a> {
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        #[derive(Deserialize)]
        struct Snapshot {
            metrics: Option<MetricsTick>,
            history: Vec<HistoryEntry>,
            #[serde(default)]
            recent: Vec<TickPoint>,
            #[serde(default)]
            role: Role,
        }
        #[derive(Deserialize)]
        struct Lookup {
            items: Vec<HistoryEntry>,
            dropped: u64,
        }
        let tag: Tag = serde_json::from_str(text).ok()?;
        match tag.kind.as_ref() {
            "metrics" => serde_json::from_str(text).ok().map(ServerMessage::Metrics),
            "snapshot" => {
                serde_json::from_str(text)
                    .ok()
                    .map(|s: Snapshot| ServerMessage::Snapshot {
                        recent: s.recent,
                        metrics: s.metrics,
                        history: s.history,
                        role: s.role,
                    })
            }
            "lookup" => serde_json::from_str(text)
                .ok()
                .map(|l: Lookup| ServerMessage::Lookup {
                    items: l.items,
                    dropped: l.dropped,
                }),
            _ => None,
        }
    }
}

/// One node of `GET /api/replication` (the contract's names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplicationNode {
    /// `host:port`.
    pub addr: String,
    /// `master` or `replica`.
    pub role: Option<NodeRole>,
    /// Whether it answered.
    pub up: bool,
    /// Replicas: link to the master.
    pub link_status: Option<LinkStatus>,
    /// Replication offset.
    pub offset: Option<u64>,
    /// Replicas: bytes behind the master.
    pub lag_bytes: Option<u64>,
    /// Replicas: seconds since the master last heard from it.
    pub lag_s: Option<u64>,
    /// Replicas: heartbeat delay in ms.
    pub heartbeat_ms: Option<u64>,
}

/// `GET /api/replication`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Replication {
    /// The master first.
    pub nodes: Vec<ReplicationNode>,
    /// Every configured Sentinel (empty without Sentinel).
    #[serde(default)]
    pub sentinels: Vec<SentinelStatus>,
    /// Failovers seen by this server, newest first (empty without Sentinel).
    #[serde(default)]
    pub failovers: Vec<Failover>,
    /// Whether the Sentinels can agree on a failover now (`null` without
    /// Sentinel).
    #[serde(default)]
    pub quorum_ok: Option<bool>,
    /// A failover is under way.
    #[serde(default)]
    pub failover_in_progress: bool,
}

impl Replication {
    /// The replication view of a metrics tick.
    pub fn from_tick(tick: &MetricsTick) -> Self {
        let ha = tick.ha.clone();
        Replication {
            nodes: tick.nodes.iter().map(Into::into).collect(),
            quorum_ok: ha.as_ref().map(|h| h.quorum_ok),
            failover_in_progress: ha.as_ref().is_some_and(|h| h.failover_in_progress),
            sentinels: ha.as_ref().map(|h| h.sentinels.clone()).unwrap_or_default(),
            failovers: ha.map(|h| h.failovers).unwrap_or_default(),
        }
    }
}

impl From<&NodeMetrics> for ReplicationNode {
    fn from(n: &NodeMetrics) -> Self {
        ReplicationNode {
            addr: n.addr.clone(),
            role: n.role,
            up: n.up,
            link_status: n.link_status,
            offset: n.offset,
            lag_bytes: n.lag_bytes,
            lag_s: n.lag_s,
            heartbeat_ms: n.heartbeat_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::LookupQuery;

    #[test]
    fn messages_are_tagged_by_type() {
        let tick = serde_json::to_value(ServerMessage::Metrics(MetricsTick::default()))
            .unwrap_or_default();
        assert_eq!(tick["type"], "metrics");
        assert!(tick["nodes"].is_array());
        let lookup = serde_json::to_value(ServerMessage::Lookup {
            items: vec![],
            dropped: 3,
        })
        .unwrap_or_default();
        assert_eq!(lookup["type"], "lookup");
        assert_eq!(lookup["dropped"], 3);
    }

    #[test]
    fn from_json_reads_every_message_as_serde_does() {
        use crate::types::Source;
        let entry = HistoryEntry {
            query: LookupQuery::parse("prod1").expect("valid id"),
            source: Source::Cache,
            elapsed_us: 120,
            at: 7,
            at_us: 7_000,
        };
        let node = NodeMetrics {
            addr: "127.0.0.1:6379".into(),
            up: true,
            ops_per_sec: Some(12),
            redis_hit_ratio: Some(0.5),
            ..NodeMetrics::default()
        };
        let tick = MetricsTick {
            at: 42,
            nodes: vec![node],
            reads_from: "master".into(),
            ..MetricsTick::default()
        };
        for message in [
            ServerMessage::Metrics(tick.clone()),
            ServerMessage::Snapshot {
                recent: vec![TickPoint::of(&tick)],
                metrics: Some(tick),
                history: vec![entry.clone()],
                role: Role::Viewer,
            },
            ServerMessage::Snapshot {
                metrics: None,
                history: vec![],
                recent: vec![],
                role: Role::Public,
            },
            ServerMessage::Lookup {
                items: vec![entry],
                dropped: 9,
            },
        ] {
            let text = serde_json::to_string(&message).unwrap_or_default();
            assert_eq!(ServerMessage::from_json(&text), Some(message.clone()));
            assert_eq!(
                serde_json::from_str::<ServerMessage>(&text).ok(),
                Some(message)
            );
        }
        for junk in [
            "",
            "{}",
            r#"{"type":"other"}"#,
            r#"{"type":"lookup"}"#,
            "[1]",
        ] {
            assert_eq!(ServerMessage::from_json(junk), None, "{junk}");
        }
    }
}
