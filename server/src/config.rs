//! Configuration: command-line flags, each with an environment fallback, so
//! the binary runs with nothing but environment variables (see the README).

use crate::auth::{CookieSecure, Secret};
use clap::{Args, Parser};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Every setting of the server, the Leptos site options included, so
/// `cachescope --help` lists everything the binary reads. A group of flags
/// ([`Args`]) that [`Cli`] parses; tests build one with [`Config::from_args`].
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Redis master: every write and, by default, every read goes here.
    /// With Sentinel, only its credentials, database and scheme are used.
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub redis_url: String,

    /// Redis replicas, comma-separated; an empty value means none. Ignored
    /// with Sentinel (the Sentinels name the replicas).
    #[arg(
        long,
        env = "REDIS_REPLICA_URLS",
        default_value = "redis://127.0.0.1:6380",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub redis_replica_urls: Vec<String>,

    /// PEM file of the certificate authority that signed the Redis servers'
    /// certificates, for `rediss://` URLs (default: the system's trust store).
    #[arg(long, env = "REDIS_CA_CERT")]
    pub redis_ca_cert: Option<std::path::PathBuf>,

    /// Redis Sentinels (`host:port`, comma-separated). When set, the master
    /// and replicas are discovered from them and followed through failovers.
    #[arg(long, env = "REDIS_SENTINELS", value_delimiter = ',')]
    pub redis_sentinels: Vec<String>,

    /// The master name the Sentinels monitor.
    #[arg(long, env = "REDIS_MASTER_NAME", default_value = "cachescope")]
    pub redis_master_name: String,

    /// Bound on the `WAIT` after each admin write, in milliseconds: how long
    /// a write waits for the replicas to confirm it. 0 turns `WAIT` off
    /// (answers then report `replicas_acked: 0`).
    #[arg(long, env = "WRITE_WAIT_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub write_wait_ms: u64,

    /// The system of record behind the cache: `redis` (products kept in
    /// Redis, the default) or `postgres` (needs `DATABASE_URL`).
    #[arg(long, env = "PRODUCT_STORE", value_enum, default_value_t = ProductStore::Redis)]
    pub product_store: ProductStore,

    /// PostgreSQL connection URL, for `PRODUCT_STORE=postgres`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Most PostgreSQL connections (one of them listens for invalidations).
    #[arg(long, env = "PG_POOL_SIZE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(2..=1_000))]
    pub pg_pool_size: u32,

    /// Bound on getting a PostgreSQL connection (dialling included), in ms.
    #[arg(long, env = "PG_CONNECT_TIMEOUT_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub pg_connect_timeout_ms: u64,

    /// Bound on every PostgreSQL statement, in ms (the server's
    /// `statement_timeout`, and a client-side bound for a server that hangs).
    #[arg(long, env = "PG_STATEMENT_TIMEOUT_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub pg_statement_timeout_ms: u64,

    /// Bearer token that unlocks the admin routes; unset means read-only.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,

    /// Lifetime of a cache entry, in seconds.
    #[arg(long, env = "CACHE_TTL_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub cache_ttl_secs: u64,

    /// Most products (and, apart, most searches) kept in each server's near
    /// cache (an in-process tier in front of Redis, kept coherent by Redis'
    /// client tracking); 0 turns the near tier off.
    #[arg(long, env = "NEAR_CACHE_ENTRIES", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub near_cache_entries: u64,

    /// Most bytes of answers in the near cache, for products and for searches
    /// each (an entry counts its JSON plus a fixed overhead).
    #[arg(long, env = "NEAR_CACHE_BYTES", default_value_t = 64 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(4_096..=64 * 1024 * 1024 * 1024))]
    pub near_cache_bytes: u64,

    /// Address to listen on (Leptos' own variable; port 8090 by default).
    #[arg(
        long = "addr",
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:8090"
    )]
    pub site_addr: SocketAddr,

    /// Upper bound on every Redis call, connection included, in milliseconds.
    #[arg(long, env = "REDIS_TIMEOUT_MS", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub redis_timeout_ms: u64,

    /// Where cache reads go: `master`, or `replica` (a healthy replica under
    /// the lag threshold, falling back to the master).
    #[arg(long, env = "READ_FROM", value_enum, default_value_t = ReadFrom::Master)]
    pub read_from: ReadFrom,

    /// Replica reads only use a replica whose heartbeat delay is at most this.
    #[arg(long, env = "READ_MAX_LAG_MS", default_value_t = 1_000)]
    pub read_max_lag_ms: u64,

    /// Metrics collector tick, in milliseconds.
    #[arg(long, env = "METRICS_TICK_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub metrics_tick_ms: u64,

    /// Host names this server answers to (`Host` of every request, `Origin`
    /// of WebSocket handshakes), comma-separated; `*` for any. Empty: the
    /// listen address, `localhost`, `127.0.0.1` and `[::1]`.
    #[arg(long, env = "ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Proxies whose `X-Forwarded-For` is believed (IP addresses,
    /// comma-separated). Empty: the header is ignored.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// A client must send its whole request head within this many ms.
    #[arg(long, env = "HEADER_READ_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub header_read_timeout_ms: u64,

    /// A connection with no request under way for this many ms is closed
    /// (HTTP/1 keep-alive and HTTP/2 alike; HTTP/2 gets a `GOAWAY`).
    #[arg(long, env = "IDLE_TIMEOUT_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub idle_timeout_ms: u64,

    /// Longest a request may take to be answered (its response head), in
    /// ms: a backstop behind the bound on every Redis call.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub request_timeout_ms: u64,

    /// Most open HTTP connections; further ones are closed at once.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Most open HTTP connections from one address (`TRUSTED_PROXIES`
    /// aside); 0 turns the bound off.
    #[arg(long, env = "MAX_CONNECTIONS_PER_IP", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub max_connections_per_ip: u64,

    /// Requests per second each client may make (sustained), shared by
    /// every instance through Redis; 0 turns rate limiting off. Admin writes
    /// get a twentieth.
    #[arg(long, env = "RATE_LIMIT_RPS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub rate_limit_rps: u64,

    /// Requests each client may make at once before the per-second rate
    /// applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub rate_limit_burst: u64,

    /// Most live WebSocket clients from one address at once.
    #[arg(long, env = "WS_MAX_PER_IP", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub ws_max_per_ip: u64,

    /// Load the built-in catalog at start-up (once per catalog version; never
    /// overwrites existing products).
    #[arg(long, env = "SEED_CATALOG", default_value_t = true, action = clap::ArgAction::Set)]
    pub seed_catalog: bool,

    /// Who may see what: the viewer role, sessions, the key browser.
    #[command(flatten)]
    pub access: AccessOptions,

    /// Where the built front end is (set by `cargo leptos`).
    #[command(flatten)]
    pub site: SiteOptions,
}

/// The viewer role, sign-in sessions and the key browser's reach (README,
/// "Roles and sign-in").
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Roles and sign-in")]
pub struct AccessOptions {
    /// Token of the viewer role (dashboard details, everyone's recent
    /// searches, the key browser). Unset: viewer pages are open when the
    /// server listens on loopback only, closed otherwise.
    #[arg(long, env = "VIEWER_TOKEN", hide_env_values = true)]
    pub viewer_token: Option<Secret>,

    /// Key prefixes a viewer's key browser shows, comma-separated (admins
    /// see every key; session and rate-limit keys are shown to nobody).
    #[arg(
        long,
        env = "KEY_BROWSER_PREFIXES",
        value_delimiter = ',',
        default_value = "db:,cache:"
    )]
    pub key_browser_prefixes: Vec<String>,

    /// A session unused for this many seconds ends (each use renews it).
    #[arg(long, env = "SESSION_IDLE_SECS", default_value_t = 8 * 3600,
          value_parser = clap::value_parser!(u64).range(60..=30 * 86_400))]
    pub session_idle_secs: u64,

    /// A session ends this many seconds after sign-in, used or not.
    #[arg(long, env = "SESSION_MAX_SECS", default_value_t = 7 * 86_400,
          value_parser = clap::value_parser!(u64).range(60..=365 * 86_400))]
    pub session_max_secs: u64,

    /// When the session cookie is `Secure`: `auto` (a trusted proxy says
    /// the request came over HTTPS) or `always`.
    #[arg(long, env = "COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto)]
    pub cookie_secure: CookieSecure,
}

impl AccessOptions {
    /// The configured prefixes, blanks removed.
    pub fn prefixes(&self) -> Vec<String> {
        self.key_browser_prefixes
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// The front end's build output, in Leptos' own variables (`cargo leptos`
/// sets them when it runs the server; the defaults match its build layout).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Front end (set by cargo leptos)")]
pub struct SiteOptions {
    /// Folder served as the site root (holds `pkg/`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Folder under the site root with the wasm, JS and CSS bundles.
    #[arg(long, env = "LEPTOS_SITE_PKG_DIR", default_value = "pkg")]
    pub site_pkg_dir: String,

    /// Base name of the bundles (`<name>.wasm`, `<name>.js`, `<name>.css`).
    #[arg(long, env = "LEPTOS_OUTPUT_NAME", default_value = "cachescope")]
    pub output_name: String,

    /// `DEV` or `PROD`: DEV pages connect to cargo-leptos' live-reload port.
    #[arg(long = "leptos-env", env = "LEPTOS_ENV", value_enum, ignore_case = true,
          default_value_t = LeptosEnv::Prod)]
    pub env: LeptosEnv,

    /// cargo-leptos' live-reload WebSocket port (DEV only).
    #[arg(long, env = "LEPTOS_RELOAD_PORT", default_value_t = 3001)]
    pub reload_port: u32,
}

/// Leptos' build environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LeptosEnv {
    /// Development: live reload.
    #[value(alias = "development")]
    Dev,
    /// Production.
    #[value(alias = "production")]
    Prod,
}

/// The system of record behind the cache (`PRODUCT_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProductStore {
    /// Products kept in Redis (`db:*` keys), on the master.
    Redis,
    /// Products in a PostgreSQL table (`DATABASE_URL`).
    Postgres,
}

/// Where cache reads go (`READ_FROM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadFrom {
    /// Every read on the master.
    Master,
    /// A healthy replica under the lag threshold, falling back to the master.
    Replica,
}

/// The command line: the server settings, and an optional maintenance command.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "cachescope",
    version,
    about = "Redis cache-aside service with a live monitoring web app"
)]
pub struct Cli {
    /// Server settings (also used by the commands to reach Redis).
    #[command(flatten)]
    pub config: Config,
    /// What to do; serving the app when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Maintenance commands that run against the configured master and exit.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Serve the web app and the API (the default).
    Serve,
    /// Load the built-in catalog; `--force` rewrites every catalog product as shipped.
    Seed {
        /// Overwrite existing catalog products, restoring edited or deleted ones.
        #[arg(long)]
        force: bool,
    },
    /// Write N synthetic products (syn-0000001…) for load tests, pipelined.
    Generate {
        /// How many, up to 1,000,000.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        count: u64,
    },
}

impl Config {
    /// Parses server settings alone from command-line style arguments, the
    /// program name first (what tests use to start a server).
    pub fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::try_parse_from(args).map(|cli| cli.config)
    }

    /// The replica URLs with blanks removed (`REDIS_REPLICA_URLS=""` means none).
    pub fn replica_urls(&self) -> impl Iterator<Item = &str> {
        self.redis_replica_urls
            .iter()
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
    }

    /// The Sentinel addresses with blanks removed; empty without Sentinel.
    pub fn sentinels(&self) -> Vec<String> {
        self.redis_sentinels
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect()
    }

    /// The HTTP connection limits.
    pub fn connection_limits(&self) -> crate::serve::ConnectionLimits {
        crate::serve::ConnectionLimits {
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            max_connections: self.max_connections as usize,
            max_per_ip: self.max_connections_per_ip as usize,
            exempt: self.trusted_proxies.clone().into(),
            ..crate::serve::ConnectionLimits::default()
        }
    }

    /// The `WAIT` bound as a [`Duration`].
    pub fn write_wait(&self) -> Duration {
        Duration::from_millis(self.write_wait_ms)
    }

    /// The admin token, treating an empty value as unset.
    pub fn admin_token(&self) -> Option<&Secret> {
        Secret::non_empty(self.admin_token.as_ref())
    }

    /// The near cache's bounds.
    pub fn near_limits(&self) -> crate::cache::NearLimits {
        crate::cache::NearLimits {
            entries: self.near_cache_entries,
            bytes: self.near_cache_bytes,
        }
    }

    /// The Redis call timeout as a [`Duration`].
    pub fn redis_timeout(&self) -> Duration {
        Duration::from_millis(self.redis_timeout_ms)
    }

    /// Leptos' options, built from these settings (never from the
    /// environment behind clap's back), for a server bound to `site_addr`
    /// (the real address when the configured port was 0).
    pub fn leptos_options(&self, site_addr: SocketAddr) -> leptos::config::LeptosOptions {
        let env = match self.site.env {
            LeptosEnv::Dev => leptos::config::Env::DEV,
            LeptosEnv::Prod => leptos::config::Env::PROD,
        };
        leptos::config::LeptosOptions::builder()
            .output_name(self.site.output_name.as_str())
            .site_root(self.site.site_root.to_string_lossy().as_ref())
            .site_pkg_dir(self.site.site_pkg_dir.as_str())
            .reload_port(self.site.reload_port)
            .env(env)
            .site_addr(site_addr)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<const N: usize>(args: [&str; N]) -> Config {
        Cli::parse_from(args).config
    }

    #[test]
    fn defaults_match_the_readme() {
        let c = parse(["cachescope"]);
        assert_eq!(c.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(
            c.replica_urls().collect::<Vec<_>>(),
            ["redis://127.0.0.1:6380"]
        );
        assert_eq!(c.cache_ttl_secs, 60);
        assert_eq!(c.site_addr.port(), 8090);
        assert_eq!(c.admin_token(), None);
        assert!(c.sentinels().is_empty());
        assert_eq!(c.redis_master_name, "cachescope");
        assert_eq!(c.write_wait_ms, 250);
        assert_eq!(c.read_from, ReadFrom::Master);
        assert_eq!(
            parse(["cachescope", "--read-from", "replica"]).read_from,
            ReadFrom::Replica
        );
        assert!(Config::from_args(["cachescope", "--read-from", "slave"]).is_err());
    }

    #[test]
    fn sentinels_split_and_drop_blanks() {
        let c = parse([
            "cachescope",
            "--redis-sentinels",
            "127.0.0.1:26379, 127.0.0.1:26380,",
        ]);
        assert_eq!(c.sentinels(), ["127.0.0.1:26379", "127.0.0.1:26380"]);
    }

    #[test]
    fn replica_list_splits_and_drops_blanks() {
        let c = parse([
            "cachescope",
            "--redis-replica-urls",
            "redis://a:1, ,redis://b:2",
        ]);
        assert_eq!(
            c.replica_urls().collect::<Vec<_>>(),
            ["redis://a:1", "redis://b:2"]
        );
        let none = parse(["cachescope", "--redis-replica-urls", ""]);
        assert_eq!(none.replica_urls().count(), 0);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert!(Config::from_args(["cachescope", "--cache-ttl-secs", "0"]).is_err());
        assert!(Config::from_args(["cachescope", "--redis-timeout-ms", "5"]).is_err());
        assert!(Config::from_args(["cachescope", "--addr", "nope"]).is_err());
    }

    #[test]
    fn help_never_shows_redis_urls() {
        use clap::CommandFactory;
        let command = Cli::command();
        for id in [
            "redis_url",
            "redis_replica_urls",
            "admin_token",
            "viewer_token",
            "database_url",
        ] {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("{id} is a flag"));
            assert!(arg.is_hide_env_values_set(), "{id} would be printed");
        }
    }

    #[test]
    fn leptos_settings_are_flags_too() {
        let c = parse([
            "cachescope",
            "--leptos-env",
            "dev",
            "--site-root",
            "/srv/site",
        ]);
        let options = c.leptos_options(c.site_addr);
        assert_eq!(options.env, leptos::config::Env::DEV);
        assert_eq!(&*options.site_root, "/srv/site");
        assert_eq!(&*options.output_name, "cachescope");
        assert_eq!(
            parse(["cachescope", "--leptos-env", "PROD"]).site.env,
            LeptosEnv::Prod
        );
    }

    #[test]
    fn empty_admin_token_means_read_only() {
        let c = parse(["cachescope", "--admin-token", ""]);
        assert_eq!(c.admin_token(), None);
    }

    #[test]
    fn access_defaults_show_the_app_keys_only() {
        let c = parse(["cachescope"]);
        assert_eq!(c.access.prefixes(), ["db:", "cache:"]);
        assert!(c.access.viewer_token.is_none());
        assert_eq!(c.access.session_idle_secs, 8 * 3600);
        assert_eq!(c.access.cookie_secure, CookieSecure::Auto);
        let none = parse(["cachescope", "--key-browser-prefixes", ""]);
        assert!(none.access.prefixes().is_empty());
        assert!(format!("{:?}", parse(["cachescope", "--viewer-token", "v1"])).contains("***"));
    }
}
