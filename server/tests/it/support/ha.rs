//! A Sentinel topology for the failover drills: a master, two replicas and
//! three Sentinels, all real processes on free ports, configured as
//! `scripts/redis-up.sh --ha` configures the local one.

use super::{free_port, RedisProcess};
use std::{
    collections::HashMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use tempfile::TempDir;

/// The master name the Sentinels monitor.
pub const MASTER_NAME: &str = "cachescope";

/// The HA settings every topology of ours uses (`scripts/lib/ha.conf`).
const HA_CONF: &str = include_str!("../../../../scripts/lib/ha.conf");

/// The lines of `ha.conf` for `kind` (`data` or `sentinel`), the master's
/// name filled in.
fn ha_lines(kind: &str) -> Vec<String> {
    HA_CONF
        .lines()
        .filter_map(|line| line.strip_prefix(kind)?.strip_prefix(' '))
        .map(|line| line.replace("MASTER", MASTER_NAME))
        .collect()
}

/// Arguments of every data node (`--name value`, from `ha.conf`).
pub fn data_node_args() -> Vec<String> {
    ha_lines("data")
        .iter()
        .flat_map(|line| {
            let (name, value) = line.split_once(' ').unwrap_or((line, ""));
            [format!("--{name}"), value.to_string()]
        })
        .collect()
}

/// One `redis-server --sentinel`, killed when dropped.
pub struct SentinelProcess {
    pub port: u16,
    master_port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl SentinelProcess {
    /// Starts a Sentinel monitoring the master on `master_port` (quorum 2,
    /// down after 1 s, failover timeout 5 s).
    pub fn start(master_port: u16) -> Self {
        let mut sentinel = SentinelProcess {
            port: free_port(),
            master_port,
            dir: tempfile::tempdir().expect("temp dir for sentinel"),
            child: None,
        };
        sentinel.restart();
        sentinel
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL).
    pub fn kill(&mut self) {
        super::kill_child(&mut self.child);
    }

    /// Starts it again with a fresh configuration file.
    pub fn restart(&mut self) {
        self.kill();
        let conf: PathBuf = self.dir.path().join("sentinel.conf");
        let text = format!(
            "port {port}\nbind 127.0.0.1\ndir {dir}\nlogfile {dir}/sentinel.log\n\
             sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2\n{settings}\n",
            port = self.port,
            dir = self.dir.path().display(),
            master = self.master_port,
            settings = ha_lines("sentinel").join("\n"),
        );
        std::fs::write(&conf, text).expect("sentinel.conf");
        let child = Command::new("redis-server")
            .arg(&conf)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/lib/tools.sh)");
        self.child = Some(child);
    }

    /// `SENTINEL MASTER <name>` as a map, if it answers.
    pub async fn master_info(&self) -> Option<HashMap<String, String>> {
        let client = redis::Client::open(format!("redis://{}", self.addr())).ok()?;
        let mut conn = tokio::time::timeout(
            Duration::from_millis(500),
            client.get_multiplexed_async_connection(),
        )
        .await
        .ok()?
        .ok()?;
        redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(MASTER_NAME)
            .query_async(&mut conn)
            .await
            .ok()
    }
}

impl Drop for SentinelProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Master, two replicas, three Sentinels.
pub struct HaTopology {
    /// The data nodes; `nodes[0]` is the first master.
    pub nodes: Vec<RedisProcess>,
    pub sentinels: Vec<SentinelProcess>,
}

impl HaTopology {
    /// Starts everything and waits until each Sentinel knows both replicas
    /// and the two other Sentinels (before that, a failover cannot happen).
    pub async fn start() -> Self {
        let args = data_node_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let master = RedisProcess::start_with(None, false, &args).await;
        let mut nodes = vec![master];
        for _ in 0..2 {
            let replica = RedisProcess::start_with(Some(nodes[0].port), false, &args).await;
            replica.wait_for_link().await;
            nodes.push(replica);
        }
        let sentinels = (0..3)
            .map(|_| SentinelProcess::start(nodes[0].port))
            .collect();
        let ha = HaTopology { nodes, sentinels };
        ha.wait_until_ready().await;
        ha
    }

    /// Waits (30 s at most) until every Sentinel sees 2 replicas and 2 peers.
    pub async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut ready = true;
            for sentinel in &self.sentinels {
                let info = sentinel.master_info().await.unwrap_or_default();
                let count = |k: &str| info.get(k).and_then(|v| v.parse::<u32>().ok());
                ready &= count("num-slaves") == Some(2) && count("num-other-sentinels") == Some(2);
            }
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "Sentinels not ready in 30 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `host:port` of every Sentinel.
    pub fn sentinel_addrs(&self) -> Vec<String> {
        self.sentinels.iter().map(SentinelProcess::addr).collect()
    }

    /// The master the first answering Sentinel names, as `host:port`.
    pub async fn master_addr(&self) -> Option<String> {
        for sentinel in &self.sentinels {
            if let Some(info) = sentinel.master_info().await {
                return Some(format!("{}:{}", info.get("ip")?, info.get("port")?));
            }
        }
        None
    }

    /// The data node at `host:port`.
    pub fn node(&self, addr: &str) -> Option<&RedisProcess> {
        self.nodes.iter().find(|n| n.addr() == addr)
    }
}
