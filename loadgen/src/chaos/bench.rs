//! Benchmarks of the Sentinel topology, printed side by side by
//! `scripts/bench.sh` (section 4) and never part of the test suite: the
//! failover timeline (kill -> detected -> switched -> first successful
//! write, median of five fresh topologies) and what the `WAIT` after each
//! admin write costs (8 writers for 3 s, with `WAIT` and without). They run
//! on the chaos topology, each process on a host of its own, so the figures
//! include a real network hop. Figures only: nothing here passes or fails
//! except a topology that never comes up.

use super::{
    cluster::{Cluster, ServerSettings},
    net::Net,
};
use serde_json::{json, Value};
use std::{
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// Which benchmark `--bench` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Bench {
    /// Kill the master; time detection, switch and the first write back.
    Failover,
    /// Admin write throughput and latency with `WAIT` and without.
    WriteWait,
}

/// Fresh topologies the failover timeline takes its median over.
const FAILOVER_RUNS: usize = 5;
/// How long a run waits for the first write after the kill (the new
/// master refuses writes until a replica is in sync with it again).
const WRITE_BACK_WITHIN: Duration = Duration::from_secs(30);
/// How long the write-cost benchmark writes for, per setting.
const WRITE_FOR: Duration = Duration::from_secs(3);
/// Concurrent writers of the write-cost benchmark.
const WRITERS: usize = 8;

/// What one benchmark needs from the run.
pub struct Setup<'a> {
    /// The bridge's /24.
    pub subnet: [u8; 3],
    /// Where the processes keep their files.
    pub dir: &'a Path,
    /// How the servers start (the benchmark adds its own environment).
    pub settings: ServerSettings,
    /// The HTTP client.
    pub http: &'a reqwest::Client,
}

/// Runs `bench` and prints its figures.
pub async fn run(bench: Bench, mut setup: Setup<'_>) -> Result<(), String> {
    setup
        .settings
        .extra_env
        .push(("METRICS_TICK_MS".to_string(), "200".to_string()));
    match bench {
        Bench::Failover => failover_timeline(&setup).await,
        Bench::WriteWait => write_wait_cost(&mut setup).await,
    }
}

/// A topology that is whole (every replica linked, both servers healthy).
async fn whole_topology(setup: &Setup<'_>) -> Result<Cluster, String> {
    let net = Net::new(setup.subnet).map_err(|e| e.to_string())?;
    let cluster = Cluster::start(net, setup.dir, &setup.settings, setup.http)
        .await
        .map_err(|e| e.to_string())?;
    match cluster.settle(setup.http, Duration::from_secs(60)).await {
        Some(_) => Ok(cluster),
        None => Err("the topology was not whole within 60 s".to_string()),
    }
}

fn product(id: &str) -> Value {
    json!({"id": id, "name": format!("Bench {id}"), "price": 10.5, "category": "bench",
           "in_stock": true, "features": []})
}

/// One admin `PUT`: `Ok` if it succeeded, else what came back.
async fn put(http: &reqwest::Client, server: &str, token: &str, id: &str) -> Result<(), String> {
    let answer = http
        .put(format!("{server}/api/db/product/{id}"))
        .bearer_auth(token)
        .json(&product(id))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    Err(format!(
        "{status} {}",
        answer.text().await.unwrap_or_default()
    ))
}

fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// The newest failover the server saw: `(at, duration_ms)`.
/// (An operator view: it takes the admin token.)
async fn last_failover(http: &reqwest::Client, server: &str, token: &str) -> Option<(u64, u64)> {
    let body: Value = http
        .get(format!("{server}/api/replication"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let failover = body["failovers"].get(0)?;
    Some((
        failover["at"].as_u64()?,
        failover["duration_ms"].as_u64().unwrap_or(0),
    ))
}

async fn failover_timeline(setup: &Setup<'_>) -> Result<(), String> {
    let (mut detected, mut switched, mut first_write) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=FAILOVER_RUNS {
        let mut cluster = whole_topology(setup).await?;
        let server = cluster.servers[0].url();
        let token = &setup.settings.admin_token;
        let killed_at = wall_ms();
        let killed = Instant::now();
        cluster.nodes[0].proc.kill();
        let (mut back, mut last) = (None, String::new());
        while killed.elapsed() < WRITE_BACK_WITHIN {
            match put(setup.http, &server, token, "bench").await {
                Ok(()) => {
                    back = Some(killed.elapsed().as_millis() as u64);
                    break;
                }
                Err(error) => last = error,
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let failover = last_failover(setup.http, &server, token).await;
        cluster.teardown();
        let (Some(back), Some((at, took))) = (back, failover) else {
            return Err(format!(
                "run {run}: within {WRITE_BACK_WITHIN:?}, write back: {back:?} (last refusal: {last}), failover on record: {failover:?}"
            ));
        };
        let run_detected = at.saturating_sub(took).saturating_sub(killed_at);
        let run_switched = at.saturating_sub(killed_at);
        println!(
            "run {run}: detected {run_detected} ms, switched {run_switched} ms, first write {back} ms"
        );
        detected.push(run_detected);
        switched.push(run_switched);
        first_write.push(back);
    }
    println!(
        "failover timeline (median of {FAILOVER_RUNS}): kill -> detected {} ms -> switched {} ms -> first successful write {} ms",
        median(detected),
        median(switched),
        median(first_write)
    );
    Ok(())
}

async fn write_wait_cost(setup: &mut Setup<'_>) -> Result<(), String> {
    for wait in ["250", "0"] {
        setup
            .settings
            .extra_env
            .push(("WRITE_WAIT_MS".to_string(), wait.to_string()));
        let cluster = whole_topology(setup).await?;
        setup.settings.extra_env.pop();
        let server = cluster.servers[0].url();
        let until = Instant::now() + WRITE_FOR;
        let writers = (0..WRITERS).map(|w| {
            let (http, server) = (setup.http.clone(), server.clone());
            let token = setup.settings.admin_token.clone();
            tokio::spawn(async move {
                let (mut took, mut failed) = (Vec::new(), 0u64);
                let mut n = 0;
                while Instant::now() < until {
                    n += 1;
                    let started = Instant::now();
                    if put(&http, &server, &token, &format!("w{w}-{n}"))
                        .await
                        .is_ok()
                    {
                        took.push(started.elapsed().as_micros() as u64);
                    } else {
                        failed += 1;
                    }
                }
                (took, failed)
            })
        });
        let (mut all, mut failed) = (Vec::new(), 0);
        for writer in writers {
            let (took, lost) = writer.await.map_err(|e| e.to_string())?;
            all.extend(took);
            failed += lost;
        }
        drop(cluster);
        all.sort_unstable();
        let pct = |p: f64| {
            all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        println!(
            "WRITE_WAIT_MS={wait}: {:.0} writes/s, p50 {} us, p99 {} us ({failed} failed)",
            all.len() as f64 / WRITE_FOR.as_secs_f64(),
            pct(0.5),
            pct(0.99)
        );
    }
    Ok(())
}
