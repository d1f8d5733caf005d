//! The topology under test, set up exactly like `scripts/redis-up.sh --ha`
//! but with every process on a host of its own: three data nodes (a master
//! and two replicas), three Sentinels and two cachescope servers, and a PostgreSQL with `--store postgres`.

use super::{
    net::{Host, Net, NetError},
    pg::Postgres,
    procs::{RedisNode, Sentinel, Server, MASTER_NAME},
    redis_admin,
};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// What the servers are started with.
pub struct ServerSettings {
    /// The cachescope binary.
    pub binary: PathBuf,
    /// `READ_FROM`.
    pub read_from: String,
    /// The admin token the workload writes with.
    pub admin_token: String,
    /// The built site (`LEPTOS_SITE_ROOT`).
    pub site_root: PathBuf,
    /// `PRODUCT_STORE=postgres`, with a PostgreSQL of the run's own.
    pub postgres: bool,
    /// More environment for both servers (a benchmark's `WRITE_WAIT_MS`);
    /// set last, so it overrides the settings above.
    pub extra_env: Vec<(String, String)>,
}

/// Every host and process of the run.
pub struct Cluster {
    /// The three data nodes; `nodes[0]` is the first master.
    pub nodes: Vec<RedisNode>,
    /// The three Sentinels.
    pub sentinels: Vec<Sentinel>,
    /// The two servers.
    pub servers: Vec<Server>,
    /// PostgreSQL, with `--store postgres`.
    pub postgres: Option<Postgres>,
    /// The network (last: dropped after the processes).
    pub net: Net,
}

impl Cluster {
    /// Starts everything and waits until the servers answer.
    pub async fn start(
        mut net: Net,
        dir: &Path,
        settings: &ServerSettings,
        http: &reqwest::Client,
    ) -> Result<Self, NetError> {
        let mut hosts = HashMap::new();
        for name in [
            "redis-1",
            "redis-2",
            "redis-3",
            "sentinel-1",
            "sentinel-2",
            "sentinel-3",
            "server-a",
            "server-b",
        ] {
            hosts.insert(name, net.add_host(name)?);
        }
        let pg_host = if settings.postgres {
            Some(net.add_host("postgres")?)
        } else {
            None
        };
        let host = |name: &str| -> Host { hosts[name].clone() };
        let first_master = host("redis-1");
        let mut nodes = vec![RedisNode::start(first_master.clone(), dir, None)];
        for name in ["redis-2", "redis-3"] {
            nodes.push(RedisNode::start(host(name), dir, Some(&first_master)));
        }
        let sentinels: Vec<Sentinel> = ["sentinel-1", "sentinel-2", "sentinel-3"]
            .iter()
            .map(|name| Sentinel::start(host(name), dir, &first_master))
            .collect();
        let mut cluster = Cluster {
            nodes,
            sentinels,
            servers: Vec::new(),
            postgres: None,
            net,
        };
        if let Some(pg_host) = pg_host {
            cluster.postgres = Some(Postgres::start(pg_host, dir).await?);
        }
        cluster.wait_for_sentinels(Duration::from_secs(30)).await;
        let sentinel_addrs = cluster.sentinel_addrs().join(",");
        for name in ["server-a", "server-b"] {
            let mut env = HashMap::from([
                ("REDIS_SENTINELS".to_string(), sentinel_addrs.clone()),
                ("REDIS_MASTER_NAME".to_string(), MASTER_NAME.to_string()),
                (
                    "REDIS_URL".to_string(),
                    format!("redis://{}:6379", first_master.ip),
                ),
                ("ADMIN_TOKEN".to_string(), settings.admin_token.clone()),
                ("RATE_LIMIT_RPS".to_string(), "0".to_string()),
                ("ALLOWED_HOSTS".to_string(), "*".to_string()),
                ("READ_FROM".to_string(), settings.read_from.clone()),
                (
                    "LEPTOS_SITE_ROOT".to_string(),
                    settings.site_root.display().to_string(),
                ),
                ("RUST_LOG".to_string(), "warn".to_string()),
            ]);
            if let Some(pg) = &cluster.postgres {
                env.insert("PRODUCT_STORE".to_string(), "postgres".to_string());
                env.insert("DATABASE_URL".to_string(), pg.url());
                env.insert("PG_CONNECT_TIMEOUT_MS".to_string(), "500".to_string());
                env.insert("PG_STATEMENT_TIMEOUT_MS".to_string(), "1000".to_string());
            }
            env.extend(settings.extra_env.iter().cloned());
            cluster
                .servers
                .push(Server::start(host(name), dir, &settings.binary, env));
        }
        for server in &cluster.servers {
            if !server.wait_healthy(http, Duration::from_secs(60)).await {
                eprintln!("chaos: {} is not healthy after 60 s", server.url());
            }
        }
        Ok(cluster)
    }

    /// `ip:26379` of every Sentinel.
    pub fn sentinel_addrs(&self) -> Vec<String> {
        self.sentinels.iter().map(Sentinel::addr).collect()
    }

    /// The data node the Sentinels name master now.
    pub async fn named_master(&self) -> Option<usize> {
        let ip = redis_admin::named_master(&self.sentinel_addrs(), MASTER_NAME).await?;
        self.nodes
            .iter()
            .position(|n| n.proc.host.ip.to_string() == ip)
    }

    /// Waits until every Sentinel knows both replicas and both other
    /// Sentinels (before that, no failover can happen).
    async fn wait_for_sentinels(&self, bound: Duration) {
        let deadline = Instant::now() + bound;
        while Instant::now() < deadline {
            let mut ready = true;
            for sentinel in &self.sentinels {
                let info = redis_admin::sentinel_master(&sentinel.addr(), MASTER_NAME)
                    .await
                    .unwrap_or_default();
                let count = |k: &str| info.get(k).and_then(|v| v.parse::<u32>().ok());
                ready &= count("num-slaves") == Some(2) && count("num-other-sentinels") == Some(2);
            }
            if ready {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!("chaos: the Sentinels do not all know each other after {bound:?}");
    }

    /// Waits until the topology is whole again: every process running, the
    /// Sentinels agree on one master that says so, both other nodes are its
    /// replicas with their link up, and both servers answer. Returns how
    /// long it took, or `None` when `bound` ran out.
    pub async fn settle(&self, http: &reqwest::Client, bound: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < bound {
            if self.whole(http).await {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        None
    }

    async fn whole(&self, http: &reqwest::Client) -> bool {
        let mut named = Vec::new();
        for sentinel in &self.sentinels {
            match redis_admin::named_master(&[sentinel.addr()], MASTER_NAME).await {
                Some(ip) => named.push(ip),
                None => return false,
            }
        }
        named.dedup();
        let [master_ip] = named.as_slice() else {
            return false;
        };
        for node in &self.nodes {
            let Some(replication) = redis_admin::info(&node.addr(), "replication").await else {
                return false;
            };
            let role = replication.get("role").map(String::as_str);
            let ok = if node.proc.host.ip.to_string() == *master_ip {
                role == Some("master")
                    && replication.get("connected_slaves").map(String::as_str) == Some("2")
            } else {
                role == Some("slave")
                    && replication.get("master_host") == Some(master_ip)
                    && replication.get("master_link_status").map(String::as_str) == Some("up")
            };
            if !ok {
                return false;
            }
        }
        for server in &self.servers {
            let health = http
                .get(format!("{}/api/health", server.url()))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if !health.is_ok_and(|r| r.status().is_success()) {
                return false;
            }
        }
        true
    }

    /// Ends every fault: resumes paused processes, restarts stopped ones,
    /// removes every cut.
    pub async fn heal_everything(&mut self) {
        self.net.heal_all();
        for node in &mut self.nodes {
            node.proc.resume();
            if !node.proc.running() {
                node.restart();
            }
        }
        for sentinel in &mut self.sentinels {
            sentinel.proc.resume();
            if !sentinel.proc.running() {
                sentinel.restart();
            }
        }
        if let Some(pg) = &mut self.postgres {
            pg.heal().await;
        }
    }

    /// Stops every process, then the network.
    pub fn teardown(&mut self) {
        self.servers.clear();
        self.sentinels.clear();
        self.nodes.clear();
        self.postgres = None;
        self.net.teardown();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.teardown();
    }
}
