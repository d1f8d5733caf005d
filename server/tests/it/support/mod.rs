//! Test harness: real `redis-server` processes on free ports (a master and a
//! replica), and the cachescope application on port 0 in front of them.
//! Nothing here touches a Redis the tests did not start.

pub mod catalog;
pub mod ha;
pub mod pg;
pub mod pg_proxy;

use cachescope::{Application, Config};
use std::{
    net::{SocketAddr, TcpListener},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};
use tempfile::TempDir;

/// One `redis-server` child process, killed when dropped.
pub struct RedisProcess {
    pub port: u16,
    replica_of: Option<u16>,
    aof: bool,
    extra: Vec<String>,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisProcess {
    /// Starts a master on a free port.
    pub async fn master() -> Self {
        Self::start(None, false).await
    }

    /// Starts a master that persists with AOF (fsync every write), so a
    /// restart finds its data again.
    pub async fn master_with_aof() -> Self {
        Self::start(None, true).await
    }

    /// Starts a replica of the master on `master_port`.
    pub async fn replica_of(master_port: u16) -> Self {
        Self::start(Some(master_port), false).await
    }

    async fn start(replica_of: Option<u16>, aof: bool) -> Self {
        Self::start_with(replica_of, aof, &[]).await
    }

    /// Starts a node with extra `redis-server` arguments.
    pub async fn start_with(replica_of: Option<u16>, aof: bool, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for redis");
        let mut process = RedisProcess {
            port: free_port(),
            replica_of,
            aof,
            extra: extra.iter().map(|a| a.to_string()).collect(),
            dir,
            child: None,
        };
        process.restart().await;
        process
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, as the API reports node addresses.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the process (SIGKILL: the crash case, no goodbye to clients).
    pub fn kill(&mut self) {
        kill_child(&mut self.child);
    }

    /// Starts the process again on the same port and data folder, and waits
    /// until it answers `PING`.
    pub async fn restart(&mut self) {
        self.kill();
        let log: PathBuf = self.dir.path().join("redis.log");
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            // Replicas sync at once instead of after the default 5 s delay.
            .args(["--repl-diskless-sync-delay", "0"])
            // Fault drills make Redis hang with DEBUG SLEEP.
            .args(["--enable-debug-command", "yes"])
            .args(["--save", ""])
            .args(if self.aof {
                ["--appendonly", "yes", "--appendfsync", "always"]
            } else {
                ["--appendonly", "no", "--appendfsync", "everysec"]
            })
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.args(&self.extra);
        if let Some(master) = self.replica_of {
            cmd.args(["--replicaof", "127.0.0.1", &master.to_string()]);
        }
        self.child = Some(
            cmd.spawn()
                .expect("redis-server must be installed (scripts/lib/tools.sh)"),
        );
        self.wait_until(|_| true, "answer PING").await;
    }

    /// A fresh connection for the test's own checks.
    pub async fn conn(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("valid url")
            .get_multiplexed_async_connection()
            .await
            .expect("test redis answers")
    }

    /// `INFO <section>` as Redis writes it.
    pub async fn info(&self, section: &str) -> String {
        redis::cmd("INFO")
            .arg(section)
            .query_async(&mut self.conn().await)
            .await
            .expect("INFO")
    }

    /// One numeric field of `INFO <section>` (`connected_clients`, ...).
    pub async fn info_number(&self, section: &str, field: &str) -> i64 {
        let info = self.info(section).await;
        info.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in INFO {section}"))
    }

    /// Polls `INFO replication` until `ready` holds (10 s at most).
    pub async fn wait_until(&self, ready: impl Fn(&str) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(self.url()) {
                if let Ok(Ok(mut conn)) = tokio::time::timeout(
                    Duration::from_millis(500),
                    client.get_multiplexed_async_connection(),
                )
                .await
                {
                    let info: redis::RedisResult<String> = redis::cmd("INFO")
                        .arg("replication")
                        .query_async(&mut conn)
                        .await;
                    if let Ok(info) = info {
                        if ready(&info) {
                            return;
                        }
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis on {} did not {what} in 10 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A master and one replica whose replication link is up.
pub struct Topology {
    pub master: RedisProcess,
    pub replica: RedisProcess,
}

impl Topology {
    pub async fn start() -> Self {
        let master = RedisProcess::master().await;
        let replica = RedisProcess::replica_of(master.port).await;
        replica.wait_for_link().await;
        Topology { master, replica }
    }
}

/// The product store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// Products in Redis (`db:*`), the default.
    Redis,
    /// Products in a PostgreSQL cluster of the test's own.
    Postgres,
}

/// A Redis master and replica, plus PostgreSQL when the store is PostgreSQL.
pub struct Stack {
    pub topo: Topology,
    pub pg: Option<pg::PgProcess>,
    pub store: Store,
}

impl Stack {
    /// Starts the processes the store needs.
    pub async fn start(store: Store) -> Self {
        let (topo, pg) = match store {
            Store::Redis => (Topology::start().await, None),
            Store::Postgres => {
                let (topo, pg) = tokio::join!(Topology::start(), pg::PgProcess::start());
                (topo, Some(pg))
            }
        };
        Stack { topo, pg, store }
    }

    /// The flags that point a server at this stack's product store.
    pub fn store_args(&self) -> Vec<String> {
        match &self.pg {
            None => Vec::new(),
            Some(pg) => vec![
                "--product-store".into(),
                "postgres".into(),
                "--database-url".into(),
                pg.url(),
            ],
        }
    }

    /// The app in front of this stack, with extra flags.
    pub async fn app(&self, extra: &[&str]) -> TestApp {
        let store_args = self.store_args();
        let mut args: Vec<&str> = store_args.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        TestApp::spawn_with(&self.topo.master.url(), &[self.topo.replica.url()], &args).await
    }

    /// Runs a maintenance command of the `cachescope` binary (`seed`,
    /// `generate`, ...) against this stack's store, and checks it succeeded.
    pub async fn run_command(&self, command: &[&str]) {
        let mut args = self.store_args();
        args.extend(["--redis-url".to_string(), self.topo.master.url()]);
        args.extend(command.iter().map(|a| a.to_string()));
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_cachescope"))
            .args(&args)
            .output()
            .await
            .expect("cachescope runs");
        assert!(
            out.status.success(),
            "cachescope {command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// What `/api/db/product/{id}` says as `source` for this store.
    pub fn source(&self) -> &'static str {
        match self.store {
            Store::Redis => "redis_db",
            Store::Postgres => "postgres",
        }
    }
}

/// Runs a test once per product store: `both_stores!(name, …)` turns each
/// `async fn name(stack: Stack)` into the tests `name::redis` and
/// `name::postgres`, so the API suite is one suite, not a copy.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use $crate::support::{Stack, Store};

                #[tokio::test]
                async fn redis() {
                    super::$name(Stack::start(Store::Redis).await).await
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(Stack::start(Store::Postgres).await).await
                }
            }
        )+
    };
}

impl RedisProcess {
    /// Waits (5 s at most) until `GET key` on this node returns a value that
    /// satisfies `expected`.
    pub async fn sees(&self, key: &str, expected: impl Fn(&str) -> bool) -> bool {
        let conn = self.conn().await;
        let expected = &expected;
        eventually(Duration::from_secs(5), || {
            let mut conn = conn.clone();
            async move {
                let value: Option<String> = redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap_or(None);
                value.is_some_and(|v| expected(&v))
            }
        })
        .await
    }

    /// Freezes the process (SIGSTOP): its connections stay open and nothing
    /// answers until [`RedisProcess::resume`].
    pub fn pause(&self) {
        send_signal(self.child.as_ref(), "STOP", false);
    }

    /// Lets a paused process run again (SIGCONT).
    pub fn resume(&self) {
        send_signal(self.child.as_ref(), "CONT", false);
    }

    /// Makes the node hang for `secs` seconds (`DEBUG SLEEP` on a connection
    /// of its own); returns once the hang has begun. Await the handle to
    /// know it is over.
    pub async fn hang(&self, secs: u64) -> tokio::task::JoinHandle<()> {
        let mut conn = self.conn().await;
        let sleeper = tokio::spawn(async move {
            let _: redis::RedisResult<()> = redis::cmd("DEBUG")
                .arg("SLEEP")
                .arg(secs)
                .query_async(&mut conn)
                .await;
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        sleeper
    }

    /// Waits until this replica's link to its master is up.
    pub async fn wait_for_link(&self) {
        self.wait_until(
            |info| info.contains("master_link_status:up"),
            "link to its master",
        )
        .await;
    }
}

/// A running cachescope server, stopped when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl TestApp {
    /// Starts cachescope on port 0 against the given Redis URLs.
    pub async fn spawn(master_url: &str, replica_urls: &[String]) -> Self {
        Self::spawn_with(master_url, replica_urls, &[]).await
    }

    /// Like [`TestApp::spawn`], with command-line flags on top of the
    /// harness's settings ([`test_config`]): each flag changes what it names.
    pub async fn spawn_with(master_url: &str, replica_urls: &[String], extra: &[&str]) -> Self {
        let mut config = test_config(master_url, replica_urls);
        config
            .update_from_flags(std::iter::once("cachescope").chain(extra.iter().copied()))
            .expect("valid test flags");
        Self::start(config).await
    }

    /// Starts cachescope with `config` (typed: see [`test_config`]).
    pub async fn start(config: Config) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, bound) = tokio::sync::oneshot::channel();
        let (finished, done) = tokio::sync::oneshot::channel::<()>();
        server_runtime().spawn(async move {
            let app = Application::build(config).await.expect("app starts");
            let _ = ready.send(app.local_addr().expect("bound"));
            let _ = app
                .run_until(async {
                    let _ = stopped.await;
                })
                .await;
            let _ = finished.send(());
        });
        let mut addr: SocketAddr = bound.await.expect("server task reports its address");
        // Listening on every address: the tests still only talk to loopback.
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        TestApp {
            addr,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("http client"),
            stop: Some(stop),
            done: Some(done),
        }
    }

    /// Starts cachescope following the Sentinels of `ha` (no fixed URLs).
    pub async fn for_sentinels(ha: &ha::HaTopology, extra: &[&str]) -> Self {
        let sentinels = ha.sentinel_addrs().join(",");
        let mut args = vec![
            "--redis-sentinels",
            sentinels.as_str(),
            "--redis-master-name",
            ha::MASTER_NAME,
        ];
        args.extend_from_slice(extra);
        // The master URL only gives credentials here; its address is Sentinel's.
        Self::spawn_with("redis://127.0.0.1:1", &[], &args).await
    }

    /// Starts cachescope in front of a whole test topology.
    pub async fn for_topology(topology: &Topology) -> Self {
        Self::spawn(&topology.master.url(), &[topology.replica.url()]).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GETs `path` and returns the status and the JSON body.
    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let (status, text) = self.get_html(path).await;
        (status, serde_json::from_str(&text).expect("JSON body"))
    }

    /// GETs `path` and decodes the body as the shared type the API answers
    /// with (`app::types`): a field renamed or retyped fails here.
    pub async fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> (reqwest::StatusCode, T) {
        let (status, text) = self.get_html(path).await;
        match serde_json::from_str(&text) {
            Ok(value) => (status, value),
            Err(error) => panic!("{path}: {status} {text:.200} is not the expected type: {error}"),
        }
    }

    /// `GET /api/products/{id}`, which must answer 200 (typed).
    pub async fn lookup(&self, id: &str) -> app::types::ProductLookup {
        self.ok_as(&format!("/api/products/{id}")).await
    }

    /// `GET /api/search?{query}`, which must answer 200 (typed).
    pub async fn search(&self, query: &str) -> app::types::SearchResult {
        self.ok_as(&format!("/api/search?{query}")).await
    }

    /// `GET /api/db/product/{id}`, which must answer 200 (typed).
    /// Rewrites product `id` through the API (as `token`) with features
    /// long enough to put its answer over the compression threshold, and
    /// returns the product written.
    pub async fn enlarge_product(&self, id: &str, token: &str) -> app::types::Product {
        let mut big = self.db_product(id).await.data;
        big.features = (0..20)
            .map(|n| format!("{n:02} {}", "x".repeat(70)))
            .collect();
        let path = format!("/api/db/product/{id}");
        let (status, _) = self
            .send(
                reqwest::Method::PUT,
                &path,
                Some(&serde_json::json!(big)),
                Some(token),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK);
        big
    }

    pub async fn db_product(&self, id: &str) -> app::types::DbProduct {
        self.ok_as(&format!("/api/db/product/{id}")).await
    }

    /// GETs `path`, which must answer 200, as the shared type `T`.
    pub async fn ok_as<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let (status, text) = self.get_html(path).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{path}: {text:.300}");
        match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(error) => panic!("{path}: {text:.200} is not the expected type: {error}"),
        }
    }

    /// `GET /api/replication` (typed).
    pub async fn replication(&self) -> (reqwest::StatusCode, app::types::Replication) {
        self.get_as("/api/replication").await
    }

    /// The health report (typed).
    pub async fn health(&self) -> (reqwest::StatusCode, app::types::HealthReport) {
        self.get_as("/api/health").await
    }

    /// GETs a page: its status and body text.
    pub async fn get_html(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("server answers");
        let status = response.status();
        (status, response.text().await.expect("html"))
    }

    /// The category names `/api/db/categories` lists.
    pub async fn category_names(&self) -> Vec<String> {
        let (_, body) = self.get_json("/api/db/categories").await;
        body.as_array()
            .expect("category list")
            .iter()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect()
    }

    /// Sends `method path` with an optional JSON body and bearer token;
    /// returns the status and the body parsed as JSON (Null when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        token: Option<&str>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("server answers");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Stops the server the way a signal does and waits until `run_until`
    /// has returned (open requests finished, last stats flushed).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), done).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The runtime every test server runs on. Leptos' task spawner is global to
/// the process, so servers must not live on the per-test runtimes that
/// `#[tokio::test]` creates and tears down: a page rendering on one could
/// spawn onto another that is already gone. One long-lived runtime, as in
/// production.
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("server runtime")
    })
}

/// Sends `signal` (`STOP`, `CONT`) to `child`, and with `children` to the
/// processes it started too (PostgreSQL's backends).
pub fn send_signal(child: Option<&Child>, signal: &str, children: bool) {
    let Some(child) = child else { return };
    let pid = child.id().to_string();
    if children {
        let _ = Command::new("pkill")
            .args(["--signal", signal, "-P", &pid])
            .status();
    }
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// SIGKILLs a child process, if running, and reaps it.
pub fn kill_child(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A test server's settings against the given Redis URLs: the defaults a
/// user gets, except that it listens on loopback port 0, and neither rate
/// limits nor caps connections per address (tests send bursts from one
/// address and hold many connections; the rate-limit and hardening tests
/// set them back).
pub fn test_config(master_url: &str, replica_urls: &[String]) -> Config {
    let mut config = Config::from_args([
        "cachescope",
        "--redis-url",
        master_url,
        "--redis-replica-urls",
        &replica_urls.join(","),
    ])
    .expect("valid test config");
    config.http.site_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.rate_limit.rps = 0;
    config.http.max_connections_per_ip = 0;
    config
}

/// Decodes a JSON answer into its `app::types` type, naming the body when
/// it is not one, so a test asserts on fields rather than on JSON paths.
pub fn decode<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> T {
    match T::deserialize(body) {
        Ok(value) => value,
        Err(error) => panic!("{body} is not the expected type: {error}"),
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Polls `check` every 100 ms until it holds or `within` runs out.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
