//! `cachescope-chaos`: a fault-injection run against a real topology in
//! network namespaces (Linux, root). Three Redis data nodes, three
//! Sentinels and two cachescope servers each get a host of their own on a
//! private bridge; writers, register writers and readers go through both
//! servers while one fault at a time is injected (kills, pauses, manual
//! failovers, partitions, the tracking connection killed); then everything
//! is healed and the checker compares what clients were told with what the
//! final master holds. A seed makes a run repeatable. Prints one summary
//! line, writes a JSON report, and exits 1 when a stated guarantee broke.

mod bench;
mod check;
mod cluster;
mod faults;
mod net;
mod pg;
mod procs;
mod redis_admin;
mod rng;
mod workload;

use clap::Parser;
use faults::Fault;
use std::{
    path::PathBuf,
    sync::{atomic::AtomicBool, Arc},
    time::{Duration, Instant},
};

/// Fault injection against a Sentinel topology and two servers.
#[derive(Debug, Parser)]
#[command(name = "cachescope-chaos", version)]
struct Args {
    /// The cachescope server binary to run.
    #[arg(long, default_value = "target/debug/cachescope")]
    server_bin: PathBuf,
    /// The built site the servers serve (`LEPTOS_SITE_ROOT`).
    #[arg(long, default_value = "target/site")]
    site_root: PathBuf,
    /// How long faults are injected, in seconds (then all is healed and
    /// checked).
    #[arg(long, default_value_t = 75, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    duration: u64,
    /// Seconds from one fault's start to the next one's (at least the
    /// fault's own length plus the time the topology takes to be whole).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    interval: u64,
    /// The faults to cycle through (comma-separated); every kind by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    faults: Vec<Fault>,
    /// The seed of the fault schedule and hold times.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The system of record: `redis` or `postgres` (a PostgreSQL of the
    /// run's own; its faults join the mix).
    #[arg(long, default_value = "redis", value_parser = ["redis", "postgres"])]
    store: String,
    /// Longest a read may be behind a change made in psql (PostgreSQL
    /// store), in ms: the `LISTEN` silence bound plus a heartbeat.
    #[arg(long, default_value_t = 1_500)]
    psql_stale_bound_ms: u64,
    /// `READ_FROM` of the servers: `master` or `replica`.
    #[arg(long, default_value = "master", value_parser = ["master", "replica"])]
    read_from: String,
    /// Writers creating new products (spread over both servers).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(0..=64))]
    writers: u64,
    /// Register products, each updated by one writer with increasing versions.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=64))]
    registers: u64,
    /// Readers of the registers per server.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    readers: u64,
    /// Longest a read on the server that did not write may be behind a
    /// durable write answered before it began, in ms (the documented
    /// invalidation bound of the read mode).
    #[arg(long)]
    stale_bound_ms: Option<u64>,
    /// The private /24 of the run's bridge (its first three numbers).
    #[arg(long, default_value = "10.213.0")]
    subnet: String,
    /// Instead of injecting faults, run a benchmark of the topology and
    /// print its figures (`scripts/bench.sh` section 4).
    #[arg(long, value_enum)]
    bench: Option<bench::Bench>,
    /// Where the JSON report goes.
    #[arg(long, default_value = "target/chaos/report.json")]
    report: PathBuf,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let code = match run(args).await {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(error) => {
            eprintln!("chaos: {error}");
            2
        }
    };
    std::process::exit(code);
}

fn subnet(text: &str) -> Result<[u8; 3], String> {
    let parts: Vec<u8> = text
        .split('.')
        .map(|p| p.parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--subnet {text:?}: three numbers 0-255, like 10.213.0"))?;
    match parts.as_slice() {
        [10, b, c] => Ok([10, *b, *c]),
        [192, 168, c] => Ok([192, 168, *c]),
        _ => Err(format!(
            "--subnet {text:?}: a private range (10.x.y or 192.168.y)"
        )),
    }
}

/// The whole run; `Ok(passed)`.
async fn run(args: Args) -> Result<bool, String> {
    if !cfg!(target_os = "linux") || std::env::var("USER").is_ok_and(|u| u != "root") && !is_root()
    {
        return Err("needs Linux and root (network namespaces, iptables)".to_string());
    }
    if !args.server_bin.exists() {
        return Err(format!(
            "no server binary at {} (cargo leptos build --split, or --server-bin)",
            args.server_bin.display()
        ));
    }
    let subnet = subnet(&args.subnet)?;
    net::Net::sweep_stale();
    let dir = std::env::temp_dir().join(format!("cachescope-chaos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let postgres = args.store == "postgres";
    let kinds = if !args.faults.is_empty() {
        args.faults.clone()
    } else if postgres {
        Fault::ALL.iter().chain(&Fault::POSTGRES).copied().collect()
    } else {
        Fault::ALL.to_vec()
    };
    let stale_bound_ms = args
        .stale_bound_ms
        .unwrap_or(match args.read_from.as_str() {
            // Replica reads: the lag threshold plus one metrics tick.
            "replica" => 2_000,
            _ => 100,
        });
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| e.to_string())?;
    let token = format!(
        "chaos-{:016x}",
        rng::Rng::new(args.seed ^ 0xA5A5).next_u64()
    );
    let settings = cluster::ServerSettings {
        binary: args.server_bin.clone(),
        read_from: args.read_from.clone(),
        admin_token: token.clone(),
        site_root: args.site_root.clone(),
        postgres,
        extra_env: Vec::new(),
    };
    if let Some(which) = args.bench {
        let setup = bench::Setup {
            subnet,
            dir: &dir,
            settings,
            http: &http,
        };
        let outcome = tokio::select! {
            outcome = bench::run(which, setup) => outcome,
            _ = stop_signal() => Err("interrupted; everything was torn down".to_string()),
        };
        let _ = std::fs::remove_dir_all(&dir);
        return outcome.map(|()| true);
    }

    let body = async {
        let net = net::Net::new(subnet).map_err(|e| e.to_string())?;
        let mut cluster = cluster::Cluster::start(net, &dir, &settings, &http)
            .await
            .map_err(|e| e.to_string())?;
        let outcome = drive(&args, &kinds, &mut cluster, &http, &token, stale_bound_ms).await;
        cluster.teardown();
        outcome
    };
    let outcome = tokio::select! {
        outcome = body => outcome,
        _ = stop_signal() => Err("interrupted; everything was torn down".to_string()),
    };
    if outcome.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("chaos: logs kept in {}", dir.display());
    }
    outcome
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
            .unwrap_or(false)
    })
}

async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(term) => { term.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

/// Workload, faults, healing, checks, report.
async fn drive(
    args: &Args,
    kinds: &[Fault],
    cluster: &mut cluster::Cluster,
    http: &reqwest::Client,
    token: &str,
    stale_bound_ms: u64,
) -> Result<bool, String> {
    let epoch = Instant::now();
    let now_us = || epoch.elapsed().as_micros() as u64;
    let registers = args.registers as usize;
    let postgres = cluster.postgres.is_some();
    // With PostgreSQL, one more register, changed only in psql.
    let read_registers = registers + usize::from(postgres);
    let load = workload::Workload {
        servers: cluster.servers.iter().map(procs::Server::url).collect(),
        token: token.to_string(),
        writers: args.writers as usize,
        registers,
        read_registers,
        readers: args.readers as usize,
        epoch,
    };
    if !load.create_registers(http).await {
        return Err("the registers could not be written durably before the faults".to_string());
    }
    let history = Arc::new(workload::History::default());
    let mut external = postgres.then(|| workload::External::new(registers, history.clone(), epoch));
    let stop = Arc::new(AtomicBool::new(false));
    let workers = tokio::spawn(
        load.clone()
            .run(http.clone(), history.clone(), stop.clone()),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut rng = rng::Rng::new(args.seed);
    let mut order = kinds.to_vec();
    rng.shuffle(&mut order);
    let mut windows = Vec::new();
    let faults_until = Instant::now() + Duration::from_secs(args.duration);
    let mut n = 0usize;
    while Instant::now() < faults_until {
        let slot = Instant::now() + Duration::from_secs(args.interval);
        let kind = order[n % order.len()];
        n += 1;
        if n.is_multiple_of(order.len()) {
            rng.shuffle(&mut order);
        }
        let start_us = now_us();
        let detail = faults::inject(kind, cluster, &mut rng, &mut external).await;
        let healed_us = now_us();
        let settled = cluster.settle(http, Duration::from_secs(30)).await;
        let settled_us = settled.map(|_| now_us());
        eprintln!(
            "chaos: {:>6.1}s {:<24} {detail}; whole again after {}",
            start_us as f64 / 1e6,
            kind.name(),
            settled
                .map(|d| format!("{:.1}s", d.as_secs_f64()))
                .unwrap_or_else(|| "more than 30 s".to_string())
        );
        windows.push(check::FaultWindow {
            kind: kind.name(),
            detail,
            start_us,
            healed_us,
            settled_us,
        });
        tokio::time::sleep_until(slot.into()).await;
    }
    cluster.heal_everything().await;
    let whole = cluster.settle(http, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = workers.await;
    let end = match &cluster.postgres {
        Some(pg) => check::final_state_pg(pg, read_registers)
            .ok_or("PostgreSQL does not answer at the end")?,
        None => {
            let master = cluster
                .named_master()
                .await
                .ok_or("no master named by the Sentinels at the end")?;
            check::final_state(&cluster.nodes[master].addr(), registers)
                .await
                .ok_or("the final master does not answer")?
        }
    };
    let writes = history.writes.lock().map(|w| w.clone()).unwrap_or_default();
    let reads = history.reads.lock().map(|r| r.clone()).unwrap_or_default();
    let analysis = check::analyze(
        &writes,
        &reads,
        &windows,
        &end,
        read_registers,
        &check::Bounds {
            other_server_stale_ms: stale_bound_ms,
            external: postgres.then_some((registers, args.psql_stale_bound_ms)),
        },
    );
    let mut report = analysis.report;
    report["seed"] = args.seed.into();
    report["read_from"] = args.read_from.clone().into();
    report["store"] = args.store.clone().into();
    report["duration_s"] = args.duration.into();
    report["whole_at_end"] = whole.is_some().into();
    if let Some(parent) = args.report.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&args.report, text).map_err(|e| format!("{}: {e}", args.report.display()))?;
    let passed = analysis.violations.is_empty();
    println!(
        "chaos: {} seed={} store={} read_from={} faults={} writes={} lost_durable={} lost_acked={} unexpected={} recovered={} stale_same={} stale_other_over_bound={} non_monotonic={} index={} report={}",
        if passed { "PASS" } else { "FAIL" },
        args.seed,
        args.store,
        args.read_from,
        windows.len(),
        writes.len(),
        report["lost"]["durable"],
        report["lost"]["acked"],
        report["unexpected"],
        report["recovered"],
        report["stale"]["same_server"]["count"],
        report["stale"]["other_server"]["over_bound"],
        report["non_monotonic_by_server"],
        if end.index_problems.is_empty() { "ok" } else { "BROKEN" },
        args.report.display(),
    );
    for violation in &analysis.violations {
        println!("chaos: violation: {violation}");
    }
    // CI keeps the log, not the report: the first few regressions, so a red
    // run says which tier answered old data and when.
    if let Some(examples) = report["non_monotonic_examples"].as_array() {
        for example in examples.iter().take(5) {
            println!("chaos: went back: {example}");
        }
    }
    Ok(passed)
}
