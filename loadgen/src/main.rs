//! `cachescope-loadgen`: drives `GET /api/products/{id}` against a running
//! server with a Zipf-distributed choice of ids (a few hot products, a long
//! tail, so the hit ratio is realistic), at a fixed concurrency and optional
//! rate, for a fixed time, then prints throughput, answers by source and
//! latency percentiles. It is also the way to make the dashboard move.
//! `--fresh` asks each id once instead, so that every lookup misses.
//!
//! `--endpoint` picks what is measured: lookups through the cache (the
//! default), reads straight from the product store (`/api/db/product/{id}`,
//! no cache), searches through the cache, or searches that always miss (each
//! one a new price bound, so the store's search runs every time).

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
    /// Every request a product id no earlier request asked for (worker w of
    /// C asks w+1, w+1+C, ...), instead of a Zipf draw: with more ids than
    /// requests, every lookup is a miss. Wraps past `--products`.
    #[arg(long)]
    fresh: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    concurrency: u64,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    duration: u64,
    /// Cap on requests per second over all workers (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// What to request.
    #[arg(long, value_enum, default_value_t = Endpoint::Products)]
    endpoint: Endpoint,
}

/// What each request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Endpoint {
    /// `GET /api/products/{id}`: cache-aside lookups.
    Products,
    /// `GET /api/db/product/{id}`: the product store itself, no cache.
    Db,
    /// `GET /api/search?q=<word>`: searches through the cache (the words of
    /// the catalog, Zipf-distributed like ids).
    Search,
    /// `GET /api/search?q=<word>&max_price=<unique>`: every search is new to
    /// the cache, so the store's search runs each time (plus a cache fill).
    SearchMiss,
}

/// Words of the built-in catalog that searches draw from.
const WORDS: [&str; 16] = [
    "smartphone",
    "premium",
    "laptop",
    "coffee",
    "wireless",
    "headphones",
    "kitchen",
    "running",
    "camera",
    "book",
    "lamp",
    "garden",
    "watch",
    "speaker",
    "design",
    "pro",
];

/// What one worker saw: every latency, by outcome (`200 cache`, `404`, ...).
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    by_outcome: BTreeMap<String, Vec<u64>>,
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
        "cachescope-loadgen: {:?} on {} for {} s, {} in flight, {} ids ({}), {}",
        args.endpoint,
        args.url,
        args.duration,
        args.concurrency,
        args.products,
        if args.fresh {
            "each once".to_string()
        } else {
            format!("zipf {}", args.zipf)
        },
        if args.rate > 0 {
            format!("{} req/s cap", args.rate)
        } else {
            "no rate cap".into()
        }
    );
    let started = Instant::now();
    let workers = (0..args.concurrency).map(|worker| {
        let (client, zipf, base, ids, endpoint) = (
            client.clone(),
            zipf.clone(),
            args.url.clone(),
            args.ids.clone(),
            args.endpoint,
        );
        let (fresh, concurrency, products) = (args.fresh, args.concurrency, args.products);
        tokio::spawn(async move {
            let mut rng = zipf::seed(worker);
            let mut tally = Tally::default();
            let mut next = Instant::now();
            let mut sent_count = 0u64;
            while Instant::now() < deadline {
                if let Some(interval) = per_worker_interval {
                    tokio::time::sleep_until(next.into()).await;
                    next += interval;
                }
                let n = if fresh {
                    (worker + sent_count * concurrency) % products + 1
                } else {
                    zipf.sample(&mut rng)
                };
                let id = if ids == "synthetic" {
                    format!("syn-{n:07}")
                } else {
                    format!("prod{n}")
                };
                sent_count += 1;
                let word = WORDS[(n as usize - 1) % WORDS.len()];
                let path = match endpoint {
                    Endpoint::Products => format!("/api/products/{id}"),
                    Endpoint::Db => format!("/api/db/product/{id}"),
                    Endpoint::Search => format!("/api/search?q={word}"),
                    // A bound in cents no other request uses: a new cache key.
                    Endpoint::SearchMiss => format!(
                        "/api/search?q={word}&max_price={}.{:02}",
                        100_000 + worker * 1_000_000 + sent_count / 100,
                        sent_count % 100
                    ),
                };
                let sent = Instant::now();
                let outcome = match client.get(format!("{base}{path}")).send().await {
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
                let us = sent.elapsed().as_micros() as u64;
                tally.latencies_us.push(us);
                tally.by_outcome.entry(outcome).or_default().push(us);
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
            all.by_outcome.entry(k).or_default().extend(v);
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
    for (outcome, latencies) in &mut all.by_outcome {
        latencies.sort_unstable();
        println!(
            "  {outcome:<16} {:>9}  ({:.1}%)  p50 {} µs  p99 {} µs",
            latencies.len(),
            100.0 * latencies.len() as f64 / total.max(1) as f64,
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
        );
    }
    all.latencies_us.sort_unstable();
    let at = |q: f64| percentile(&all.latencies_us, q);
    println!(
        "latency (client side): p50 {} µs  p90 {} µs  p99 {} µs  max {} µs",
        at(0.50),
        at(0.90),
        at(0.99),
        all.latencies_us.last().copied().unwrap_or(0)
    );
}

/// The `q` quantile of sorted latencies (0 when there are none).
fn percentile(sorted: &[u64], q: f64) -> u64 {
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).copied().unwrap_or(0)
}
