//! High availability with Redis Sentinel: what each Sentinel says, whether a
//! failover could happen now, and the failovers seen, as shown on the
//! dashboard and in `GET /api/replication`.

use serde::{Deserialize, Serialize};

/// One Sentinel, as polled on the last tick.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SentinelStatus {
    /// `host:port` of the Sentinel.
    pub addr: String,
    /// Whether it answered.
    pub up: bool,
    /// `host:port` of the master it names (`None` when down or unsure).
    pub master_addr: Option<String>,
    /// Why it is down.
    #[serde(default)]
    pub error: Option<String>,
}

/// One master switch: from the first sign of trouble (`+sdown` of the master,
/// or a failed call to it) to `+switch-master`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Failover {
    /// When the switch was seen, in ms since the Unix epoch.
    pub at: u64,
    /// `host:port` of the old master.
    pub from: String,
    /// `host:port` of the new master.
    pub to: String,
    /// From the first sign of trouble to the switch, in ms (0 when the
    /// switch was the first thing seen, such as a manual `SENTINEL FAILOVER`).
    pub duration_ms: u64,
}

/// The Sentinel side of the topology, carried by every metrics tick.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HaStatus {
    /// The master name the Sentinels monitor (`REDIS_MASTER_NAME`).
    pub master_name: String,
    /// Every configured Sentinel, in configuration order.
    pub sentinels: Vec<SentinelStatus>,
    /// Whether the Sentinels that answer can agree on a failover now
    /// (`SENTINEL CKQUORUM`): a majority of Sentinels is reachable.
    pub quorum_ok: bool,
    /// The Sentinels' own sentence about it.
    pub quorum_detail: String,
    /// A failover is under way: the master is objectively down and has not
    /// been replaced yet.
    pub failover_in_progress: bool,
    /// The failovers this server saw, newest first (at most 20).
    pub failovers: Vec<Failover>,
}
