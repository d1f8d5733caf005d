//! The processes of a chaos run, each in its host's namespace: Redis data
//! nodes and Sentinels configured as `scripts/redis-up.sh --ha` configures
//! them (configuration files they may rewrite, AOF, `min-replicas-to-write
//! 1`), and cachescope servers. Each can be killed (SIGKILL), paused
//! (SIGSTOP) and resumed (SIGCONT), and restarted with its own files, as a
//! supervisor would restart it.

use super::net::Host;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The master name the Sentinels monitor.
pub const MASTER_NAME: &str = "cachescope";

/// The HA settings every topology of ours uses (`scripts/lib/ha.conf`).
const HA_CONF: &str = include_str!("../../../scripts/lib/ha.conf");

/// The lines of `ha.conf` for `kind` (`data` or `sentinel`), the master's
/// name filled in.
fn ha_lines(kind: &str) -> Vec<String> {
    HA_CONF
        .lines()
        .filter_map(|line| line.strip_prefix(kind)?.strip_prefix(' '))
        .map(|line| line.replace("MASTER", MASTER_NAME))
        .collect()
}
/// Every data node's port (each host has its own address).
pub const REDIS_PORT: u16 = 6379;
/// Every Sentinel's port.
pub const SENTINEL_PORT: u16 = 26379;
/// Every server's port.
pub const SERVER_PORT: u16 = 8090;

/// A process in a namespace, killed when dropped.
pub struct Proc {
    /// Where it runs.
    pub host: Host,
    child: Option<Child>,
    paused: bool,
}

impl Proc {
    fn new(host: Host) -> Self {
        Proc {
            host,
            child: None,
            paused: false,
        }
    }

    fn spawn(&mut self, program: &str, args: &[String], env: &[(String, String)], log: &Path) {
        self.kill();
        let log = std::fs::File::create(log).ok();
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.host.ns, program])
            .args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        match log.and_then(|f| f.try_clone().ok().map(|g| (f, g))) {
            Some((out, err)) => command.stdout(out).stderr(err),
            None => command.stdout(Stdio::null()).stderr(Stdio::null()),
        };
        match command.spawn() {
            Ok(child) => self.child = Some(child),
            Err(error) => eprintln!("chaos: cannot start {program} in {}: {error}", self.host.ns),
        }
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status();
        }
    }

    /// SIGKILL, and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.paused = false;
    }

    /// SIGSTOP: the process holds its sockets and answers nothing.
    pub fn pause(&mut self) {
        self.signal("-STOP");
        self.paused = true;
    }

    /// SIGCONT.
    pub fn resume(&mut self) {
        if self.paused {
            self.signal("-CONT");
            self.paused = false;
        }
    }

    /// Whether it is running (not killed).
    pub fn running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.resume();
        self.kill();
    }
}

/// A Redis data node.
pub struct RedisNode {
    /// The process.
    pub proc: Proc,
    dir: PathBuf,
}

impl RedisNode {
    /// Writes its configuration file (a replica of `master` when given) and
    /// starts it. Sentinel rewrites the file (`CONFIG REWRITE`) when it
    /// reconfigures the node, so a restart keeps the role Sentinel gave it.
    pub fn start(host: Host, dir: &Path, master: Option<&Host>) -> Self {
        let dir = dir.join(&host.name);
        let _ = std::fs::create_dir_all(&dir);
        let mut conf = format!(
            "port {REDIS_PORT}\nbind {ip} 127.0.0.1\nprotected-mode no\ndir {dir}\n\
             appendonly yes\nappendfsync everysec\nsave \"\"\n\
             {settings}\n\
             maxmemory 256mb\nmaxmemory-policy volatile-lru\n\
             replica-announce-ip {ip}\n",
            ip = host.ip,
            dir = dir.display(),
            settings = ha_lines("data").join("\n"),
        );
        if let Some(master) = master {
            conf.push_str(&format!("replicaof {} {REDIS_PORT}\n", master.ip));
        }
        let _ = std::fs::write(dir.join("redis.conf"), conf);
        let mut node = RedisNode {
            proc: Proc::new(host),
            dir,
        };
        node.restart();
        node
    }

    /// Starts it again from its (possibly rewritten) configuration file.
    pub fn restart(&mut self) {
        let conf = self.dir.join("redis.conf").display().to_string();
        let log = self.dir.join("stdout.log");
        self.proc.spawn("redis-server", &[conf], &[], &log);
    }

    /// `ip:6379`.
    pub fn addr(&self) -> String {
        format!("{}:{REDIS_PORT}", self.proc.host.ip)
    }
}

/// A Redis Sentinel.
pub struct Sentinel {
    /// The process.
    pub proc: Proc,
    dir: PathBuf,
}

impl Sentinel {
    /// Writes its configuration (quorum 2, down after 1 s, failover timeout
    /// 5 s, as `scripts/redis-up.sh --ha`) and starts it.
    pub fn start(host: Host, dir: &Path, master: &Host) -> Self {
        let dir = dir.join(&host.name);
        let _ = std::fs::create_dir_all(&dir);
        let conf = format!(
            "port {SENTINEL_PORT}\nbind {ip} 127.0.0.1\nprotected-mode no\ndir {dir}\n\
             sentinel announce-ip {ip}\n\
             sentinel monitor {MASTER_NAME} {master} {REDIS_PORT} 2\n{settings}\n",
            ip = host.ip,
            dir = dir.display(),
            master = master.ip,
            settings = ha_lines("sentinel").join("\n"),
        );
        let _ = std::fs::write(dir.join("sentinel.conf"), conf);
        let mut sentinel = Sentinel {
            proc: Proc::new(host),
            dir,
        };
        sentinel.restart();
        sentinel
    }

    /// Starts it again from its own (rewritten) configuration.
    pub fn restart(&mut self) {
        let conf = self.dir.join("sentinel.conf").display().to_string();
        let log = self.dir.join("stdout.log");
        self.proc
            .spawn("redis-server", &[conf, "--sentinel".to_string()], &[], &log);
    }

    /// `ip:26379`.
    pub fn addr(&self) -> String {
        format!("{}:{SENTINEL_PORT}", self.proc.host.ip)
    }
}

/// A cachescope server.
pub struct Server {
    /// The process.
    pub proc: Proc,
    binary: PathBuf,
    env: Vec<(String, String)>,
    log: PathBuf,
}

impl Server {
    /// Starts `binary` listening on its host's address with `env`.
    pub fn start(host: Host, dir: &Path, binary: &Path, env: HashMap<String, String>) -> Self {
        let mut env: Vec<(String, String)> = env.into_iter().collect();
        env.push((
            "LEPTOS_SITE_ADDR".to_string(),
            format!("{}:{SERVER_PORT}", host.ip),
        ));
        let log = dir.join(format!("{}.log", host.name));
        let mut server = Server {
            proc: Proc::new(host),
            binary: binary.to_path_buf(),
            env,
            log,
        };
        server.restart();
        server
    }

    /// Starts it again.
    pub fn restart(&mut self) {
        let binary = self.binary.display().to_string();
        self.proc.spawn(&binary, &[], &self.env, &self.log);
    }

    /// `http://ip:8090`.
    pub fn url(&self) -> String {
        format!("http://{}:{SERVER_PORT}", self.proc.host.ip)
    }

    /// Waits until `/api/health` answers 200 (`bound` at most).
    pub async fn wait_healthy(&self, http: &reqwest::Client, bound: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        while tokio::time::Instant::now() < deadline {
            let health = http
                .get(format!("{}/api/health", self.url()))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }
}
