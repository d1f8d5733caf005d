//! The `cachescope` binary: reads the configuration, then serves the app (the
//! default) or runs a maintenance command (`seed`, `generate`) and exits.
//! Everything else lives in the library.

use cachescope::{store::Store, topology::sentinel, Application, Cli, Command, Config};
use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;

/// mimalloc: per-thread free lists make the many small allocations of an
/// HTTP request cheaper than glibc's malloc (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    cachescope::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Seed { force } => seed(&cli.config, force).await,
        Command::Generate { count } => generate(&cli.config, count).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let app = Application::build(config)
        .await
        .map_err(|e| format!("cannot start cachescope: {e}"))?;
    app.run_until(cachescope::shutdown::signal())
        .await
        .map_err(|e| format!("server stopped on an error: {e}"))
}

/// The configured product store: Redis on the configured master (found
/// through Sentinel when `REDIS_SENTINELS` is set), or PostgreSQL with its
/// schema brought up to date.
async fn product_db(config: &Config) -> Result<Store, String> {
    // Bulk writes get a longer bound than requests do.
    let mut config = config.clone();
    config.redis.timeout = config.redis.timeout.max(Duration::from_secs(10));
    config.postgres.statement_timeout = config
        .postgres
        .statement_timeout
        .max(Duration::from_secs(60));
    config.postgres.connect_timeout = config.postgres.connect_timeout.max(Duration::from_secs(5));
    let topology = cachescope::startup::topology(&config).map_err(|e| e.to_string())?;
    if let Some(sentinels) = topology.sentinels() {
        sentinel::resolve(&topology, sentinels).await;
    }
    let store = cachescope::startup::store(&config, &topology).map_err(|e| e.to_string())?;
    if let Store::Postgres(pg) = &store {
        pg.migrate().await.map_err(|e| e.to_string())?;
    }
    Ok(store)
}

async fn seed(config: &Config, force: bool) -> Result<(), String> {
    let report = product_db(config)
        .await?
        .load_builtin(force)
        .await
        .map_err(|e| e.to_string())?;
    if report.already_loaded {
        println!("catalog already loaded (use --force to restore it as shipped)");
    } else {
        println!(
            "catalog: {} written, {} kept as they were",
            report.written, report.kept
        );
    }
    Ok(())
}

async fn generate(config: &Config, count: u64) -> Result<(), String> {
    let started = std::time::Instant::now();
    let written = product_db(config)
        .await?
        .generate(count)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{written} synthetic products written in {:.1?}",
        started.elapsed()
    );
    Ok(())
}
