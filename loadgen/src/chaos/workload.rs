//! The workload of a chaos run, through the servers' public API only:
//! writers creating new products (a set: every acknowledged id must exist
//! at the end), one writer per register product updating it with
//! increasing versions (alternating servers), and readers reading the
//! registers on each server. Every call is recorded with when it began and
//! when it was answered (µs since the run began) and how it was answered.

use serde_json::Value;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

/// Prefix of the register products' ids.
pub const REGISTER_PREFIX: &str = "chaos-reg-";
/// The category every chaos product is written in.
pub const CATEGORY: &str = "chaos";
/// The "server" of a write made outside the servers (`psql`).
pub const EXTERNAL: usize = usize::MAX;

/// How a write was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// 2xx and `durable` (or, from servers that do not say it, every
    /// replica counted confirmed it).
    Durable,
    /// 2xx, not durable: applied on the master, may be lost by a failover.
    Acked,
    /// Refused: not applied, says the server.
    Refused,
    /// The outcome is unknown (the server says so, or no answer came).
    Unknown,
}

impl Class {
    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            Class::Durable => "durable",
            Class::Acked => "acked",
            Class::Refused => "refused",
            Class::Unknown => "unknown",
        }
    }
}

/// What a write wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A new product with this id.
    Create(String),
    /// Register `reg` set to `version`.
    Register {
        /// Which register.
        reg: usize,
        /// The version written (increasing per register).
        version: u64,
    },
}

/// One write.
#[derive(Debug, Clone)]
pub struct Write {
    /// Which server it was sent to.
    pub server: usize,
    /// What it wrote.
    pub target: Target,
    /// When it was answered.
    pub end_us: u64,
    /// How.
    pub class: Class,
}

/// What a read returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadResult {
    /// The register at `version`, from `source` (`near`, `cache`, `database`).
    Version {
        /// The version read.
        version: u64,
        /// Where the answer came from.
        source: String,
    },
    /// 404: the server called an existing product missing.
    Missing,
    /// No answer, or an error.
    Failed,
}

/// One read of a register.
#[derive(Debug, Clone)]
pub struct Read {
    /// Which server answered.
    pub server: usize,
    /// Which register.
    pub reg: usize,
    /// When it was sent.
    pub start_us: u64,
    /// When it was answered.
    pub end_us: u64,
    /// What it returned.
    pub result: ReadResult,
}

/// Everything the workload did.
#[derive(Default)]
pub struct History {
    /// Every write, in no particular order.
    pub writes: Mutex<Vec<Write>>,
    /// Every read, in no particular order.
    pub reads: Mutex<Vec<Read>>,
}

impl History {
    /// Records a write answered at `end_us`.
    pub fn record(&self, server: usize, target: Target, end_us: u64, class: Class) {
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Write {
                server,
                target,
                end_us,
                class,
            });
    }
}

/// The workload's settings.
#[derive(Clone)]
pub struct Workload {
    /// Each server's base URL.
    pub servers: Vec<String>,
    /// The admin token.
    pub token: String,
    /// Writers of new products.
    pub writers: usize,
    /// Register products written through the servers.
    pub registers: usize,
    /// Registers read (one more than written through the servers when a
    /// register is written in `psql`).
    pub read_registers: usize,
    /// Readers per server.
    pub readers: usize,
    /// When the run began (the clock of every record).
    pub epoch: Instant,
}

impl Workload {
    fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// Creates each register at version 0, retrying until one server says
    /// it is durable (the run starts from a known state).
    pub async fn create_registers(&self, http: &reqwest::Client) -> bool {
        for reg in 0..self.read_registers {
            let mut done = false;
            for _ in 0..50 {
                let (class, _) = self.put(http, 0, &register(reg, 0)).await;
                if class == Class::Durable {
                    done = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            if !done {
                return false;
            }
        }
        true
    }

    /// Runs every worker until `stop` is set.
    pub async fn run(self, http: reqwest::Client, history: Arc<History>, stop: Arc<AtomicBool>) {
        let mut tasks = tokio::task::JoinSet::new();
        for writer in 0..self.writers {
            let (me, http, history, stop) =
                (self.clone(), http.clone(), history.clone(), stop.clone());
            tasks.spawn(async move {
                let server = writer % me.servers.len();
                let mut seq = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    seq += 1;
                    let id = format!("chaos-c{writer}-{seq}");
                    let (class, _) = me.put(&http, server, &product(&id, "chaos product")).await;
                    history.record(server, Target::Create(id), me.now_us(), class);
                    pause_after(class).await;
                }
            });
        }
        for reg in 0..self.registers {
            let (me, http, history, stop) =
                (self.clone(), http.clone(), history.clone(), stop.clone());
            tasks.spawn(async move {
                let mut version = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    version += 1;
                    let server = (version as usize) % me.servers.len();
                    let (class, _) = me.put(&http, server, &register(reg, version)).await;
                    history.record(
                        server,
                        Target::Register { reg, version },
                        me.now_us(),
                        class,
                    );
                    pause_after(class).await;
                }
            });
        }
        for server in 0..self.servers.len() {
            for reader in 0..self.readers {
                let (me, http, history, stop) =
                    (self.clone(), http.clone(), history.clone(), stop.clone());
                tasks.spawn(async move {
                    let mut n = reader;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let reg = n % me.read_registers.max(1);
                        let start_us = me.now_us();
                        let result = me.read(&http, server, reg).await;
                        let failed = result == ReadResult::Failed;
                        history
                            .reads
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(Read {
                                server,
                                reg,
                                start_us,
                                end_us: me.now_us(),
                                result,
                            });
                        if failed {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                });
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// `PUT /api/db/product/{id}` and how it was answered.
    async fn put(&self, http: &reqwest::Client, server: usize, body: &Value) -> (Class, u16) {
        let id = body["id"].as_str().unwrap_or("");
        let sent = http
            .put(format!("{}/api/db/product/{id}", self.servers[server]))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            // Never connected: nothing was sent. Anything else: it may
            // have been, and applied.
            Err(error) if error.is_connect() => return (Class::Refused, 0),
            Err(_) => return (Class::Unknown, 0),
        };
        let status = response.status().as_u16();
        let answer: Value = match response.json().await {
            Ok(answer) => answer,
            Err(_) if (200..300).contains(&status) => return (Class::Unknown, status),
            Err(_) => Value::Null,
        };
        (classify(status, &answer), status)
    }

    async fn read(&self, http: &reqwest::Client, server: usize, reg: usize) -> ReadResult {
        let url = format!(
            "{}/api/products/{REGISTER_PREFIX}{reg}",
            self.servers[server]
        );
        let Ok(response) = http.get(url).send().await else {
            return ReadResult::Failed;
        };
        match response.status().as_u16() {
            200 => {}
            404 => return ReadResult::Missing,
            _ => return ReadResult::Failed,
        }
        let Ok(answer) = response.json::<Value>().await else {
            return ReadResult::Failed;
        };
        match version_of(&answer["data"]) {
            Some(version) => ReadResult::Version {
                version,
                source: answer["source"].as_str().unwrap_or("?").to_string(),
            },
            None => ReadResult::Failed,
        }
    }
}

/// Writes of one register made in `psql`, past every server (PostgreSQL
/// store): only the `LISTEN` sessions can tell the servers of them.
pub struct External {
    /// Which register.
    pub reg: usize,
    version: u64,
    history: Arc<History>,
    epoch: Instant,
}

impl External {
    /// Writes of register `reg`, recorded in `history`.
    pub fn new(reg: usize, history: Arc<History>, epoch: Instant) -> Self {
        External {
            reg,
            version: 0,
            history,
            epoch,
        }
    }

    /// `UPDATE`s the register to its next version through `psql`.
    pub fn write(&mut self, pg: &super::pg::Postgres) {
        self.version += 1;
        let sql = format!(
            "UPDATE products SET name = 'register {} v{}' WHERE id = '{REGISTER_PREFIX}{}'",
            self.reg, self.version, self.reg
        );
        let class = match pg.psql(&sql) {
            Ok(_) => Class::Durable,
            Err(_) => Class::Unknown,
        };
        let target = Target::Register {
            reg: self.reg,
            version: self.version,
        };
        let end_us = self.epoch.elapsed().as_micros() as u64;
        self.history.record(EXTERNAL, target, end_us, class);
    }
}

/// How a server's answer to a write classifies it.
pub fn classify(status: u16, answer: &Value) -> Class {
    if (200..300).contains(&status) {
        let durable = answer["durable"].as_bool().unwrap_or_else(|| {
            // Servers from before `durable`: what their README promised.
            let acked = answer["replicas_acked"].as_u64().unwrap_or(0);
            let replicas = answer["replicas"].as_u64().unwrap_or(0);
            replicas >= 1 && acked == replicas
        });
        if durable {
            Class::Durable
        } else {
            Class::Acked
        }
    } else if status == 504 || answer["outcome"].as_str() == Some("unknown") {
        Class::Unknown
    } else {
        Class::Refused
    }
}

/// Writers back off a little while writes are refused, as clients would.
async fn pause_after(class: Class) {
    if matches!(class, Class::Refused | Class::Unknown) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn product(id: &str, name: &str) -> Value {
    serde_json::json!({
        "id": id,
        "name": name,
        "price": 1.0,
        "category": CATEGORY,
        "in_stock": true,
        "features": [],
    })
}

/// The register product `reg` at `version` (the version is in the name).
pub fn register(reg: usize, version: u64) -> Value {
    product(
        &format!("{REGISTER_PREFIX}{reg}"),
        &format!("register {reg} v{version}"),
    )
}

/// The version in a register product's name.
pub fn version_of(product: &Value) -> Option<u64> {
    product["name"].as_str()?.rsplit_once(" v")?.1.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_classify_by_status_and_durability() {
        let durable = serde_json::json!({"durable": true, "replicas_acked": 1, "replicas": 2});
        assert_eq!(classify(201, &durable), Class::Durable);
        let old = serde_json::json!({"replicas_acked": 2, "replicas": 2});
        assert_eq!(classify(200, &old), Class::Durable);
        let partial = serde_json::json!({"replicas_acked": 1, "replicas": 2});
        assert_eq!(classify(200, &partial), Class::Acked);
        let none = serde_json::json!({"replicas_acked": 0, "replicas": 0});
        assert_eq!(classify(200, &none), Class::Acked);
        assert_eq!(classify(504, &Value::Null), Class::Unknown);
        let unknown = serde_json::json!({"error": "x", "outcome": "unknown"});
        assert_eq!(classify(503, &unknown), Class::Unknown);
        assert_eq!(
            classify(503, &serde_json::json!({"error": "x"})),
            Class::Refused
        );
        assert_eq!(version_of(&register(2, 41)), Some(41));
    }
}
