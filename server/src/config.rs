//! Configuration: command-line flags, each with an environment fallback, so
//! the binary runs with nothing but environment variables (see the README).

use crate::auth::{CookieSecure, Secret};
use clap::{Args, FromArgMatches, Parser};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Every setting of the server, the Leptos site options included, so
/// `cachescope --help` lists everything the binary reads, in groups
/// ([`Args`]) that [`Cli`] flattens; tests build one with
/// [`Config::from_args`]. Durations are parsed as durations (each flag
/// still takes milliseconds or seconds, as its name says).
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Redis: where the nodes are, and the bounds on talking to them.
    #[command(flatten)]
    pub redis: RedisOptions,

    /// The system of record behind the cache: `redis` (products kept in
    /// Redis, the default) or `postgres` (needs `DATABASE_URL`).
    #[arg(long, env = "PRODUCT_STORE", value_enum, default_value_t = ProductStore::Redis)]
    pub product_store: ProductStore,

    /// PostgreSQL, for `PRODUCT_STORE=postgres`.
    #[command(flatten)]
    pub postgres: PostgresOptions,

    /// The cache's tiers.
    #[command(flatten)]
    pub cache: CacheOptions,

    /// Load the built-in catalog at start-up (once per catalog version; never
    /// overwrites existing products).
    #[arg(long, env = "SEED_CATALOG", default_value_t = true, action = clap::ArgAction::Set)]
    pub seed_catalog: bool,

    /// Metrics collector tick, in milliseconds.
    #[arg(long = "metrics-tick-ms", env = "METRICS_TICK_MS", default_value = "1000",
          value_parser = millis(100, 60_000))]
    pub metrics_tick: Duration,

    /// HTTP: the listen address and the bounds on every connection.
    #[command(flatten)]
    pub http: HttpOptions,

    /// Per-client rate limits.
    #[command(flatten)]
    pub rate_limit: RateLimitOptions,

    /// Who may see what: the tokens, sessions, the key browser.
    #[command(flatten)]
    pub access: AccessOptions,

    /// Where the built front end is (set by `cargo leptos`).
    #[command(flatten)]
    pub site: SiteOptions,
}

/// A value parser for a number of milliseconds within `min..=max`, as a
/// [`Duration`].
fn millis(min: u64, max: u64) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync {
    move |text: &str| match text.trim().parse::<u64>() {
        Ok(ms) if (min..=max).contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "a whole number of milliseconds from {min} to {max}"
        )),
    }
}

/// A value parser for a number of seconds within `min..=max`, as a
/// [`Duration`].
fn seconds(min: u64, max: u64) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync {
    move |text: &str| match text.trim().parse::<u64>() {
        Ok(s) if (min..=max).contains(&s) => Ok(Duration::from_secs(s)),
        _ => Err(format!("a whole number of seconds from {min} to {max}")),
    }
}

/// Redis: the nodes, and the bounds on talking to them.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Redis")]
pub struct RedisOptions {
    /// Redis master: every write and, by default, every read goes here.
    /// With Sentinel, only its credentials, database and scheme are used.
    #[arg(
        long = "redis-url",
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub url: String,

    /// Redis replicas, comma-separated; an empty value means none. Ignored
    /// with Sentinel (the Sentinels name the replicas).
    #[arg(
        long = "redis-replica-urls",
        env = "REDIS_REPLICA_URLS",
        default_value = "redis://127.0.0.1:6380",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub replica_urls: Vec<String>,

    /// PEM file of the certificate authority that signed the Redis servers'
    /// certificates, for `rediss://` URLs (default: the system's trust store).
    #[arg(long = "redis-ca-cert", env = "REDIS_CA_CERT")]
    pub ca_cert: Option<std::path::PathBuf>,

    /// Redis Sentinels (`host:port`, comma-separated). When set, the master
    /// and replicas are discovered from them and followed through failovers.
    #[arg(
        long = "redis-sentinels",
        env = "REDIS_SENTINELS",
        value_delimiter = ','
    )]
    pub sentinels: Vec<String>,

    /// The master name the Sentinels monitor.
    #[arg(
        long = "redis-master-name",
        env = "REDIS_MASTER_NAME",
        default_value = "cachescope"
    )]
    pub master_name: String,

    /// Bound on the `WAIT` after each admin write, in milliseconds: how long
    /// a write waits for the replicas to confirm it. 0 turns `WAIT` off
    /// (answers then report `replicas_acked: 0`).
    #[arg(long = "write-wait-ms", env = "WRITE_WAIT_MS", default_value = "250",
          value_parser = millis(0, 10_000))]
    pub write_wait: Duration,

    /// Upper bound on every Redis call, connection included, in milliseconds.
    #[arg(long = "redis-timeout-ms", env = "REDIS_TIMEOUT_MS", default_value = "500",
          value_parser = millis(10, 10_000))]
    pub timeout: Duration,

    /// Where cache reads go: `master`, or `replica` (a healthy replica under
    /// the lag threshold, falling back to the master).
    #[arg(long = "read-from", env = "READ_FROM", value_enum, default_value_t = ReadFrom::Master)]
    pub read_from: ReadFrom,

    /// Replica reads only use a replica whose heartbeat delay is at most
    /// this many milliseconds.
    #[arg(long = "read-max-lag-ms", env = "READ_MAX_LAG_MS", default_value = "1000",
          value_parser = millis(0, 3_600_000))]
    pub read_max_lag: Duration,
}

/// PostgreSQL, for `PRODUCT_STORE=postgres`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "PostgreSQL")]
pub struct PostgresOptions {
    /// PostgreSQL connection URL, for `PRODUCT_STORE=postgres`.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Most PostgreSQL connections (one of them listens for invalidations).
    #[arg(long = "pg-pool-size", env = "PG_POOL_SIZE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(2..=1_000))]
    pub pool_size: u32,

    /// Bound on getting a PostgreSQL connection (dialling included), in ms.
    #[arg(long = "pg-connect-timeout-ms", env = "PG_CONNECT_TIMEOUT_MS", default_value = "1000",
          value_parser = millis(10, 60_000))]
    pub connect_timeout: Duration,

    /// Bound on every PostgreSQL statement, in ms (the server's
    /// `statement_timeout`, and a client-side bound for a server that hangs).
    #[arg(long = "pg-statement-timeout-ms", env = "PG_STATEMENT_TIMEOUT_MS", default_value = "2000",
          value_parser = millis(10, 600_000))]
    pub statement_timeout: Duration,
}

/// The cache's tiers.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cache")]
pub struct CacheOptions {
    /// Lifetime of a cache entry, in seconds.
    #[arg(long = "cache-ttl-secs", env = "CACHE_TTL_SECS", default_value = "60",
          value_parser = seconds(1, 86_400))]
    pub ttl: Duration,

    /// Most products (and, apart, most searches) kept in each server's near
    /// cache (an in-process tier in front of Redis, kept coherent by Redis'
    /// client tracking); 0 turns the near tier off.
    #[arg(long = "near-cache-entries", env = "NEAR_CACHE_ENTRIES", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub near_entries: u64,

    /// Most bytes of answers in the near cache, for products and for searches
    /// each (an entry counts its JSON plus a fixed overhead).
    #[arg(long = "near-cache-bytes", env = "NEAR_CACHE_BYTES", default_value_t = 64 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(4_096..=64 * 1024 * 1024 * 1024))]
    pub near_bytes: u64,
}

/// HTTP: the listen address and the bounds on every connection.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "HTTP")]
pub struct HttpOptions {
    /// Address to listen on (Leptos' own variable; port 8090 by default).
    #[arg(
        long = "addr",
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:8090"
    )]
    pub site_addr: SocketAddr,

    /// Host names this server answers to (`Host` of every request, `Origin`
    /// of WebSocket handshakes), comma-separated; `*` for any. Empty: the
    /// listen address, `localhost`, `127.0.0.1` and `[::1]`.
    #[arg(long = "allowed-hosts", env = "ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Proxies whose `X-Forwarded-For` (and `X-Forwarded-Proto`) is believed
    /// (IP addresses, comma-separated). Empty: the headers are ignored.
    #[arg(
        long = "trusted-proxies",
        env = "TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// A client must send its first byte, then its whole request head,
    /// within this many ms.
    #[arg(long = "header-read-timeout-ms", env = "HEADER_READ_TIMEOUT_MS", default_value = "10000",
          value_parser = millis(100, 120_000))]
    pub header_read_timeout: Duration,

    /// A connection with no request under way for this many ms is closed
    /// (HTTP/1 keep-alive and HTTP/2 alike; HTTP/2 gets a `GOAWAY`).
    #[arg(long = "idle-timeout-ms", env = "IDLE_TIMEOUT_MS", default_value = "60000",
          value_parser = millis(100, 3_600_000))]
    pub idle_timeout: Duration,

    /// Longest a request may take to be answered (its response head), in
    /// ms: a backstop behind the bound on every Redis call.
    #[arg(long = "request-timeout-ms", env = "REQUEST_TIMEOUT_MS", default_value = "30000",
          value_parser = millis(100, 600_000))]
    pub request_timeout: Duration,

    /// Most open HTTP connections; further ones are closed at once.
    #[arg(long = "max-connections", env = "MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Most open HTTP connections from one address (`TRUSTED_PROXIES`
    /// aside); 0 turns the bound off.
    #[arg(long = "max-connections-per-ip", env = "MAX_CONNECTIONS_PER_IP", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub max_connections_per_ip: u64,

    /// Most live WebSocket clients from one address at once.
    #[arg(long = "ws-max-per-ip", env = "WS_MAX_PER_IP", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub ws_max_per_ip: u64,
}

/// Per-client rate limits, shared by every instance through Redis.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Rate limits")]
pub struct RateLimitOptions {
    /// Requests per second each client may make (sustained), shared by
    /// every instance through Redis; 0 turns rate limiting off. Admin writes
    /// get a twentieth.
    #[arg(long = "rate-limit-rps", env = "RATE_LIMIT_RPS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub rps: u64,

    /// Requests each client may make at once before the per-second rate
    /// applies.
    #[arg(long = "rate-limit-burst", env = "RATE_LIMIT_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub burst: u64,
}

/// The viewer role, sign-in sessions and the key browser's reach (README,
/// "Roles and sign-in").
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Roles and sign-in")]
pub struct AccessOptions {
    /// Bearer token that unlocks the admin routes; unset means read-only.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,

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
    #[arg(long = "session-idle-secs", env = "SESSION_IDLE_SECS", default_value = "28800",
          value_parser = seconds(60, 30 * 86_400))]
    pub session_idle: Duration,

    /// A session ends this many seconds after sign-in, used or not.
    #[arg(long = "session-max-secs", env = "SESSION_MAX_SECS", default_value = "604800",
          value_parser = seconds(60, 365 * 86_400))]
    pub session_max: Duration,

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

    /// Changes only the settings `flags` name (the program name first), as
    /// the command line would: what a test or an embedder starts from a
    /// typed `Config` and adjusts with a few flags. No default and no
    /// environment variable is applied, so every other setting stays.
    pub fn update_from_flags<I, T>(&mut self, flags: I) -> Result<(), clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let command = Config::augment_args(clap::Command::new("cachescope"))
            .mut_args(|arg| arg.default_value(None::<&str>).env(None::<&str>));
        let matches = command.try_get_matches_from(flags)?;
        self.update_from_arg_matches(&matches)
    }

    /// The replica URLs with blanks removed (`REDIS_REPLICA_URLS=""` means none).
    pub fn replica_urls(&self) -> impl Iterator<Item = &str> {
        self.redis
            .replica_urls
            .iter()
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
    }

    /// The Sentinel addresses with blanks removed; empty without Sentinel.
    pub fn sentinels(&self) -> Vec<String> {
        self.redis
            .sentinels
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect()
    }

    /// The HTTP connection limits.
    pub fn connection_limits(&self) -> crate::serve::ConnectionLimits {
        let http = &self.http;
        crate::serve::ConnectionLimits {
            header_read_timeout: http.header_read_timeout,
            idle_timeout: http.idle_timeout,
            max_connections: http.max_connections as usize,
            max_per_ip: http.max_connections_per_ip as usize,
            exempt: http.trusted_proxies.clone().into(),
        }
    }

    /// The admin token, treating an empty value as unset.
    pub fn admin_token(&self) -> Option<&Secret> {
        Secret::non_empty(self.access.admin_token.as_ref())
    }

    /// The near cache's bounds.
    pub fn near_limits(&self) -> crate::cache::NearLimits {
        crate::cache::NearLimits {
            entries: self.cache.near_entries,
            bytes: self.cache.near_bytes,
        }
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
    fn flags_change_only_what_they_name() {
        let mut config = parse(["cachescope", "--rate-limit-rps", "7"]);
        config.cache.ttl = Duration::from_secs(5);
        config
            .update_from_flags([
                "cachescope",
                "--rate-limit-burst",
                "9",
                "--read-from",
                "replica",
            ])
            .expect("valid flags");
        assert_eq!(config.rate_limit.burst, 9);
        assert_eq!(config.redis.read_from, ReadFrom::Replica);
        assert_eq!(config.rate_limit.rps, 7, "kept, not reset to its default");
        assert_eq!(
            config.cache.ttl,
            Duration::from_secs(5),
            "a typed change is kept"
        );
        assert!(config
            .update_from_flags(["cachescope", "--rate-limit-rps", "x"])
            .is_err());
    }

    /// Every default the README's configuration table states in backticks
    /// is the one clap applies (read from the README itself), and the
    /// parsed values are what those defaults say.
    #[test]
    fn defaults_match_the_readme() {
        use clap::CommandFactory;
        let readme = include_str!("../../README.md");
        let command = Cli::command();
        let mut checked = 0;
        for row in readme.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row
                .split(" | ")
                .map(|c| c.trim_matches(['|', ' ']))
                .collect();
            let (Some(flag), Some(default)) = (cells.get(1), cells.get(2)) else {
                continue;
            };
            let Some(long) = flag.strip_prefix("`--").and_then(|f| f.strip_suffix('`')) else {
                continue;
            };
            let arg = command
                .get_arguments()
                .find(|a| a.get_long() == Some(long))
                .unwrap_or_else(|| panic!("the README names --{long}, which is no flag"));
            let Some(stated) = default.strip_prefix('`').and_then(|d| d.strip_suffix('`')) else {
                continue;
            };
            let actual: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            assert_eq!(actual.join(","), stated, "the default of --{long}");
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} defaults found in the README");

        let c = parse(["cachescope"]);
        assert_eq!(
            c.replica_urls().collect::<Vec<_>>(),
            ["redis://127.0.0.1:6380"]
        );
        assert_eq!(c.cache.ttl, Duration::from_secs(60));
        assert_eq!(c.http.site_addr.port(), 8090);
        assert_eq!(c.admin_token(), None);
        assert!(c.sentinels().is_empty());
        assert_eq!(c.redis.write_wait, Duration::from_millis(250));
        assert_eq!(c.redis.read_from, ReadFrom::Master);
        assert_eq!(
            parse(["cachescope", "--read-from", "replica"])
                .redis
                .read_from,
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
        for long in [
            "redis-url",
            "redis-replica-urls",
            "admin-token",
            "viewer-token",
            "database-url",
        ] {
            let arg = command
                .get_arguments()
                .find(|a| a.get_long() == Some(long))
                .unwrap_or_else(|| panic!("--{long} is a flag"));
            assert!(arg.is_hide_env_values_set(), "--{long} would be printed");
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
        let options = c.leptos_options(c.http.site_addr);
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
        assert_eq!(c.access.session_idle, Duration::from_secs(8 * 3600));
        assert_eq!(c.access.cookie_secure, CookieSecure::Auto);
        let none = parse(["cachescope", "--key-browser-prefixes", ""]);
        assert!(none.access.prefixes().is_empty());
        assert!(format!("{:?}", parse(["cachescope", "--viewer-token", "v1"])).contains("***"));
    }
}
