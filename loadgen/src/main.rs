//! `cachescope-loadgen`: drives `GET /api/products/{id}` against a running
//! server with a Zipf-distributed choice of ids (a few hot products, a long
//! tail, so the hit ratio is realistic), at a fixed concurrency and optional
//! rate, for a fixed time, then prints throughput, answers by source and
//! latency percentiles. It is also the way to make the dashboard move.

mod zipf;

use clap::Parser;
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};
use zipf::Zipf;

/// Load generator for cachescope.
#[derive(Debug, Parser)]
#[command(name = "cachescope-loadgen", version)]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    url: String,
    /// How many product ids to draw from.
    #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    products: u64,
    /// Id scheme: `catalog` (prod1…) or `synthetic` (syn-0000001…, see `cachescope generate`).
    #[arg(long, default_value = "catalog", value_parser = ["catalog", "synthetic"])]
    ids: String,
    /// Zipf exponent: higher means hotter hot keys.
    #[arg(long, default_value_t = 1.1)]
    zipf: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    concurrency: u64,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    duration: u64,
    /// Cap on requests per second over all workers (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    rate: u64,
}

/// What one worker saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    by_outcome: BTreeMap<String, u64>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let zipf = Arc::new(Zipf::new(args.products, args.zipf));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency as usize)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let per_worker_interval = (args.rate > 0)
        .then(|| Duration::from_secs_f64(args.concurrency as f64 / args.rate as f64));
    println!(
        "cachescope-loadgen: {} for {} s, {} in flight, {} ids (zipf {}), {}",
        args.url,
        args.duration,
        args.concurrency,
        args.products,
        args.zipf,
        if args.rate > 0 {
            format!("{} req/s cap", args.rate)
        } else {
            "no rate cap".into()
        }
    );
    let started = Instant::now();
    let workers = (0..args.concurrency).map(|worker| {
        let (client, zipf, base, ids) = (
            client.clone(),
            zipf.clone(),
            args.url.clone(),
            args.ids.clone(),
        );
        tokio::spawn(async move {
            let mut rng = zipf::seed(worker);
            let mut tally = Tally::default();
            let mut next = Instant::now();
            while Instant::now() < deadline {
                if let Some(interval) = per_worker_interval {
                    tokio::time::sleep_until(next.into()).await;
                    next += interval;
                }
                let n = zipf.sample(&mut rng);
                let id = if ids == "synthetic" {
                    format!("syn-{n:07}")
                } else {
                    format!("prod{n}")
                };
                let sent = Instant::now();
                let outcome = match client.get(format!("{base}/api/products/{id}")).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body: serde_json::Value = response.json().await.unwrap_or_default();
                        match body["source"].as_str() {
                            Some(source) => format!("{status} {source}"),
                            None => status.to_string(),
                        }
                    }
                    Err(e) if e.is_timeout() => "timeout".to_string(),
                    Err(_) => "connection error".to_string(),
                };
                tally.latencies_us.push(sent.elapsed().as_micros() as u64);
                *tally.by_outcome.entry(outcome).or_insert(0) += 1;
            }
            tally
        })
    });
    let mut all = Tally::default();
    for tally in futures::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
    {
        all.latencies_us.extend(tally.latencies_us);
        for (k, v) in tally.by_outcome {
            *all.by_outcome.entry(k).or_insert(0) += v;
        }
    }
    report(&mut all, started.elapsed());
}

fn report(all: &mut Tally, elapsed: Duration) {
    let total = all.latencies_us.len() as u64;
    println!(
        "\n{total} requests in {:.2} s: {:.0} req/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    for (outcome, count) in &all.by_outcome {
        println!(
            "  {outcome:<16} {count:>9}  ({:.1}%)",
            100.0 * *count as f64 / total.max(1) as f64
        );
    }
    all.latencies_us.sort_unstable();
    let at = |q: f64| {
        let i = ((q * total as f64).ceil() as usize).clamp(1, all.latencies_us.len().max(1)) - 1;
        all.latencies_us.get(i).copied().unwrap_or(0)
    };
    println!(
        "latency (client side): p50 {} µs  p90 {} µs  p99 {} µs  max {} µs",
        at(0.50),
        at(0.90),
        at(0.99),
        all.latencies_us.last().copied().unwrap_or(0)
    );
}
