//! Builds the Axum application and runs it until a shutdown signal, in the
//! style of mini-redis' `run(listener, shutdown)`: tests bind port 0 and stop
//! the server by resolving a future.

use crate::{
    assets,
    auth::{Access, AccessSettings, Sessions},
    cache::{Cache, CacheParts, NearCache},
    catalog::ProductDb,
    config::Config,
    config::ProductStore,
    hub::{self, Hub},
    invalidate::Invalidator,
    keybrowser::KeyPolicy,
    metrics,
    postgres::{PgError, PgSettings, PgStore},
    readiness::Readiness,
    routes::{self, hosts::AllowedHosts},
    state::{AppState, Shared},
    stats::Recorder,
    store::Store,
    topology::{sentinel, Connect, ReadTarget, StoreError, Topology},
};
use app::{api::ssr::LocalApi, shell::shell, types::ApiErrorBody, App};
use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
    Router,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{
    file_and_error_handler_with_context, generate_route_list, AxumRouteListing, LeptosRoutes,
};
use std::{
    future::Future,
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
    time::Duration,
};
use tokio::{net::TcpListener, task::JoinSet};
use tower::ServiceExt;
use tower_http::{
    compression::{
        predicate::{NotForContentType, Predicate, SizeAbove},
        CompressionLayer,
    },
    trace::TraceLayer,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A Redis URL in the configuration is invalid.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `REDIS_CA_CERT` cannot be read.
    #[error("cannot read the Redis CA certificate {path:?}: {source}")]
    CaCert {
        /// The configured path.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// `PRODUCT_STORE=postgres` without a `DATABASE_URL`.
    #[error(
        "PRODUCT_STORE=postgres needs DATABASE_URL (postgres://user:password@host:port/database)"
    )]
    NoDatabaseUrl,
    /// `DATABASE_URL` is not usable.
    #[error(transparent)]
    Postgres(#[from] PgError),
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address from the configuration.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    limits: crate::serve::ConnectionLimits,
    router: Router,
    /// Near hits answered in front of the router (absent while request
    /// traces are on, so every request is traced).
    lane: Option<Arc<dyn crate::serve::FrontLane>>,
    stats: Arc<Recorder>,
    /// The background tasks (collector, flusher, Sentinel followers...):
    /// owned here, stopped when the server stops.
    tasks: JoinSet<()>,
}

/// The topology the configuration describes: fixed URLs, or Sentinel.
pub fn topology(config: &Config) -> Result<Topology, StartupError> {
    let mut connect = Connect::new(config.redis.timeout, config.redis.write_wait);
    if let Some(path) = &config.redis.ca_cert {
        let pem = std::fs::read(path).map_err(|source| StartupError::CaCert {
            path: path.clone(),
            source,
        })?;
        connect.tls_roots = Some(Arc::new(pem));
    }
    let sentinels = config.sentinels();
    Ok(if sentinels.is_empty() {
        Topology::new(&config.redis.url, config.replica_urls(), &connect)?
    } else {
        Topology::with_sentinels(
            &config.redis.url,
            &sentinels,
            &config.redis.master_name,
            &connect,
        )?
    })
}

/// Starts following the Sentinels (if any): one event reader per Sentinel
/// and the follower, after one first resolution so the first requests
/// already go to the right master.
async fn follow_sentinels(topology: &Topology, tasks: &mut JoinSet<()>) {
    let Some(sentinels) = topology.sentinels().cloned() else {
        return;
    };
    sentinel::resolve(topology, &sentinels).await;
    let (events, received) = tokio::sync::mpsc::channel(256);
    for index in 0..sentinels.len() {
        tasks.spawn(sentinel::subscribe(
            sentinels.clone(),
            index,
            events.clone(),
        ));
    }
    tasks.spawn(sentinel::follow(topology.clone(), received));
}

impl Application {
    /// Binds `config.http.site_addr` (port 0 picks a free port) and builds the app.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let addr = config.http.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        Self::with_listener(config, listener).await
    }

    /// Builds the app on a listener the caller already bound, and loads the
    /// built-in catalog (see [`load_catalog`]).
    pub async fn with_listener(
        config: Config,
        listener: TcpListener,
    ) -> Result<Self, StartupError> {
        let topology = topology(&config)?;
        let mut tasks = JoinSet::new();
        follow_sentinels(&topology, &mut tasks).await;
        let local = listener.local_addr().unwrap_or(config.http.site_addr);
        let master = topology.master().clone();
        let db = store(&config, &topology)?;
        let stats = Arc::new(Recorder::new(master.clone(), db.kind()));
        let hub = Arc::new(Hub::new(config.http.ws_max_per_ip as usize));
        let reads = Arc::new(ReadTarget::new(
            config.redis.read_from == crate::config::ReadFrom::Replica,
            u64::try_from(config.redis.read_max_lag.as_millis()).unwrap_or(u64::MAX),
        ));
        let near = Arc::new(NearCache::new(config.near_limits()));
        if near.enabled() && config.redis.read_from == crate::config::ReadFrom::Replica {
            tracing::warn!(
                "READ_FROM=replica: the near cache keeps only what the master answers \
                 (a replica's answer may be older than the invalidations the master sent)"
            );
        }
        tasks.spawn(crate::cache::near::tracking::run(
            near.clone(),
            master.clone(),
        ));
        // Serve with the near tier on when Redis answers; when it does not,
        // start anyway (the tier goes live by itself once Redis is back).
        near.until_live(config.redis.timeout * 2).await;
        let readiness = Arc::new(Readiness::new(!config.seed_catalog));
        // With PostgreSQL, whether its notifications reach this server: the
        // cache is not used while they may not.
        let channel = matches!(db, Store::Postgres(_))
            .then(|| Arc::new(crate::postgres::listen::Channel::default()));
        let cache = Cache::new(CacheParts {
            master,
            db: db.clone(),
            ttl: config.cache.ttl,
            stats: stats.clone(),
            hub: hub.clone(),
            reads: reads.clone(),
            near,
            readiness: readiness.clone(),
            channel: channel.clone(),
        });
        tasks.spawn(stats.clone().flush_forever());
        tasks.spawn(hub::batch_lookups(hub.clone()));
        tasks.spawn(metrics::collector::run(
            topology.clone(),
            stats.clone(),
            hub.clone(),
            reads,
            cache.near().clone(),
            config.metrics_tick,
        ));
        let limiter = crate::ratelimit::RateLimiter::new(
            topology.master().clone(),
            config.rate_limit.rps,
            config.rate_limit.burst,
        )
        .map(Arc::new);
        let access = Access::new(AccessSettings {
            admin: config.admin_token().cloned(),
            viewer: config.access.viewer_token.clone(),
            listen: local,
            sessions: Sessions::new(
                topology.clone(),
                config.access.session_idle,
                config.access.session_max,
            ),
            cookie_secure: config.access.cookie_secure,
            trusted_proxies: config.http.trusted_proxies.clone(),
        });
        tracing::info!(viewer_pages = ?access.viewer_access(), "access");
        let state = AppState::new(Shared {
            leptos_options: config.leptos_options(local),
            access,
            key_policy: KeyPolicy::new(config.access.prefixes()),
            limiter,
            config,
            db,
            cache,
            stats,
            hub,
            topology,
        });
        spawn_precompress(pkg_dir(&state.leptos_options));
        warn_about_memory_policy(state.topology.master()).await;
        if state.config.seed_catalog {
            load_catalog(state.db.clone(), readiness, &mut tasks).await;
        }
        if let Store::Postgres(pg) = &state.db {
            let (ready, listening) = tokio::sync::oneshot::channel();
            tasks.spawn(crate::postgres::listen::run(
                pg.pool().clone(),
                Invalidator::new(state.topology.master().clone()),
                channel.unwrap_or_default(),
                ready,
            ));
            // Serve once the cache is known coherent (listening, stale
            // entries dropped); without PostgreSQL, start anyway.
            let bound = state.config.postgres.connect_timeout + Duration::from_secs(2);
            if tokio::time::timeout(bound, listening).await.is_err() {
                tracing::warn!("not listening for PostgreSQL changes yet; starting anyway");
            }
        }
        let limits = state.config.connection_limits();
        let stats = state.stats.clone();
        let (router, lane) = router(state);
        Ok(Application {
            listener,
            limits,
            stats,
            router,
            lane,
            tasks,
        })
    }

    /// The address actually bound (useful after binding port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets open requests finish and
    /// adds the lookups of the last second to the shared statistics.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        if let Ok(addr) = self.listener.local_addr() {
            tracing::info!("cachescope listening on http://{addr}");
        }
        let served =
            crate::serve::serve(self.listener, self.router, self.lane, self.limits, shutdown).await;
        // Counts wait up to a second for the flusher; without this they would
        // be lost on every restart. A dead Redis fails fast (call timeouts).
        if let Err(error) = self.stats.flush().await {
            tracing::warn!(%error, "the last lookups could not be added to the shared stats");
        }
        let mut tasks = self.tasks;
        tasks.shutdown().await;
        served
    }
}

/// `<site root>/<pkg dir>`: the wasm bundle, its JS and the stylesheet.
fn pkg_dir(options: &LeptosOptions) -> PathBuf {
    Path::new(&*options.site_root).join(&*options.site_pkg_dir)
}

/// Precompresses the static assets in the background (release builds write
/// them; every build removes stale ones, see [`assets::precompress`]).
fn spawn_precompress(dir: PathBuf) {
    tokio::task::spawn_blocking(
        move || match assets::precompress(&dir, !cfg!(debug_assertions)) {
            Ok(report) if report != assets::Report::default() => {
                tracing::info!(?report, dir = %dir.display(), "static assets precompressed")
            }
            Ok(_) => {}
            Err(error) => {
                tracing::debug!(%error, dir = %dir.display(), "static assets not precompressed")
            }
        },
    );
}

/// Logs a warning when the master could evict the product database or never
/// evicts anything (best effort: a master that is down is checked by nobody).
async fn warn_about_memory_policy(master: &crate::topology::Node) {
    if let Ok(info) = master.info("memory").await {
        if let Some(warning) = crate::topology::memory::policy_warning(&info) {
            tracing::warn!("{warning}");
        }
    }
}

/// The product store the configuration names (PostgreSQL's pool dials on
/// first use: nothing is connected here).
pub fn store(config: &Config, topology: &Topology) -> Result<Store, StartupError> {
    match config.product_store {
        ProductStore::Redis => Ok(Store::Redis(ProductDb::new(
            topology,
            config.redis.write_wait,
        ))),
        ProductStore::Postgres => {
            let url = config
                .postgres
                .database_url
                .clone()
                .filter(|url| !url.trim().is_empty())
                .ok_or(StartupError::NoDatabaseUrl)?;
            let pg = PgStore::connect(&PgSettings {
                url,
                pool_size: config.postgres.pool_size,
                connect_timeout: config.postgres.connect_timeout,
                statement_timeout: config.postgres.statement_timeout,
            })?;
            Ok(Store::Postgres(pg))
        }
    }
}

/// Prepares the store (PostgreSQL: the schema's migrations) and loads the
/// built-in catalog; when the store cannot be reached yet, keeps trying in
/// the background so the server starts (and recovers) without it.
/// Until it is loaded the server is not ready (`readiness`).
async fn load_catalog(db: Store, readiness: Arc<Readiness>, tasks: &mut JoinSet<()>) {
    match prepare(&db).await {
        Ok(report) => {
            log_load(report);
            readiness.set_ready();
        }
        Err(error) => {
            tracing::warn!(%error, "catalog not loaded yet; retrying in the background");
            tasks.spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if let Ok(report) = prepare(&db).await {
                        log_load(report);
                        readiness.set_ready();
                        break;
                    }
                }
            });
        }
    }
}

async fn prepare(db: &Store) -> Result<crate::catalog::seed::LoadReport, String> {
    if let Store::Postgres(pg) = db {
        pg.migrate().await.map_err(|e| e.to_string())?;
    }
    db.load_builtin(false).await.map_err(|e| e.to_string())
}

fn log_load(report: crate::catalog::seed::LoadReport) {
    if !report.already_loaded {
        tracing::info!(
            written = report.written,
            kept = report.kept,
            "built-in catalog loaded"
        );
    }
}

/// The page routes (server-rendered Leptos), the JSON API, and static files;
/// and the product lane in front of them ([`routes::product_lane`]).
fn router(state: AppState) -> (Router, Option<Arc<dyn crate::serve::FrontLane>>) {
    let page_context = {
        let api = routes::api().with_state(state.clone());
        move || {
            let credentials = leptos::prelude::use_context::<axum::http::request::Parts>()
                .map(|parts| credentials(&parts.headers))
                .unwrap_or_default();
            provide_context(local_api(api.clone(), credentials));
            routes::locale::provide_page_locale();
        }
    };
    let shell_options = state.leptos_options.clone();
    let allowed_hosts = AllowedHosts::new(
        &state.config.http.allowed_hosts,
        state.leptos_options.site_addr,
    );
    tracing::info!(hosts = %allowed_hosts.describe(), "allowed hosts");
    let router = Router::new()
        .merge(routes::api())
        .merge(routes::ws())
        .leptos_routes_with_context(&state, route_list(), page_context.clone(), move || {
            secure_shell(shell_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            page_context,
            secure_shell,
        ))
        .layer(routes::guard::GuardLayer::new(
            state.clone(),
            allowed_hosts.clone(),
        ))
        .layer(CompressionLayer::new().compress_when(compress_predicate()));
    // Per-request spans and timings cost about 6% of a near hit even when
    // the filter drops every event they make, so they are layered only when
    // `RUST_LOG` enables tower_http's request events at start (the default
    // filter does not; failed requests are logged by `ApiError` either way).
    if tracing::enabled!(target: "tower_http::trace", tracing::Level::DEBUG) {
        return (
            router.layer(TraceLayer::new_for_http()).with_state(state),
            None,
        );
    }
    let lane: Arc<dyn crate::serve::FrontLane> = Arc::new(routes::product_lane::ProductLane::new(
        state.clone(),
        allowed_hosts,
    ));
    (router.with_state(state), Some(lane))
}

/// The page shell, with the page's Content-Security-Policy header: it names
/// the nonce Leptos puts on the page's inline scripts.
fn secure_shell(options: LeptosOptions) -> impl leptos::IntoView {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let dev = options.env == leptos::config::Env::DEV;
        let policy = routes::security_headers::content_security_policy(&nonce, dev);
        if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    shell(options)
}

/// Compress pages, scripts and large JSON; not the small JSON answers of the
/// API (a ~300-byte product gains nothing and costs a gzip stream per hit).
fn compress_predicate() -> impl Predicate {
    SizeAbove::new(routes::COMPRESS_ABOVE_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}

/// The app's routes, generated once per process. Generating them runs the app
/// with resource loading suppressed process-wide (leptos-rs/leptos#4773), so a
/// page rendering meanwhile on another server in the same process (tests
/// start many) could hang; once, before any server serves, it is harmless.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The headers of a page request that say who its caller is (the session
/// cookie, a bearer token), passed on to the API calls the page makes while
/// it renders, so a page shows what its caller may see and no more.
fn credentials(headers: &HeaderMap) -> HeaderMap {
    let mut forwarded = HeaderMap::new();
    for name in [header::COOKIE, header::AUTHORIZATION] {
        for value in headers.get_all(&name) {
            forwarded.append(name.clone(), value.clone());
        }
    }
    forwarded
}

/// Lets pages call the API in-process while they render: the same handlers,
/// no socket, with the page request's credentials. Bodies are capped like
/// any API answer a page may read.
fn local_api(api: Router, credentials: HeaderMap) -> LocalApi {
    const MAX_BODY: usize = 4 * 1024 * 1024;
    LocalApi::new(move |path: String| {
        let api = api.clone();
        let credentials = credentials.clone();
        async move {
            let Ok(mut request) = Request::get(path).body(Body::empty()) else {
                return failure(StatusCode::BAD_REQUEST, "invalid API path");
            };
            request.headers_mut().extend(credentials);
            let Ok(response) = api.oneshot(request).await;
            let status = response.status().as_u16();
            match axum::body::to_bytes(response.into_body(), MAX_BODY).await {
                Ok(bytes) => (status, String::from_utf8_lossy(&bytes).into_owned()),
                Err(_) => failure(StatusCode::BAD_GATEWAY, "API answer too large"),
            }
        }
    })
}

/// An in-process API failure, in the same body as every API error.
fn failure(status: StatusCode, sentence: &str) -> (u16, String) {
    let body = ApiErrorBody::new(sentence);
    (
        status.as_u16(),
        serde_json::to_string(&body).unwrap_or_default(),
    )
}
