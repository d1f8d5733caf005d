//! `cachescope-invalbench`: the near cache's invalidation delay between two
//! running servers. Each round makes the reader serve a product from its
//! near cache, writes a new price through the writer (admin `PUT`), and
//! polls the reader until it answers the new price; the time from the
//! acknowledged write to that answer is one sample (an upper bound of the
//! delay: it includes the poll that saw it). Also checks that the reader
//! never answers the old price again afterwards.

use clap::Parser;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Invalidation delay between two cachescope servers.
#[derive(Debug, Parser)]
#[command(name = "cachescope-invalbench", version)]
struct Args {
    /// The server that writes.
    #[arg(long)]
    writer: String,
    /// The server whose near cache must follow.
    #[arg(long)]
    reader: String,
    /// The writer's admin token.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
    /// How many writes.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    writes: u32,
    /// The product written.
    #[arg(long, default_value = "prod3")]
    id: String,
}

async fn get(client: &reqwest::Client, url: &str) -> Result<Value, String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    response.json().await.map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(error) = run(&args).await {
        eprintln!("cachescope-invalbench: {error}");
        std::process::exit(1);
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let read_url = format!("{}/api/products/{}", args.reader, args.id);
    let write_url = format!("{}/api/db/product/{}", args.writer, args.id);
    let mut product = get(&client, &write_url).await?["data"].clone();
    let mut delays = Vec::with_capacity(args.writes as usize);
    for n in 0..args.writes {
        let mut near = false;
        for _ in 0..50 {
            if get(&client, &read_url).await?["source"] == "near" {
                near = true;
                break;
            }
        }
        if !near {
            return Err(format!("{read_url} never came from the near cache"));
        }
        let price = 1000.0 + f64::from(n);
        product["price"] = json!(price);
        let status = client
            .put(&write_url)
            .bearer_auth(&args.admin_token)
            .json(&product)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .status();
        if !status.is_success() {
            return Err(format!("the write answered {status}"));
        }
        let acked = Instant::now();
        loop {
            if get(&client, &read_url).await?["data"]["price"] == price {
                delays.push(acked.elapsed());
                break;
            }
            if acked.elapsed() > Duration::from_secs(1) {
                return Err("the reader still answered the old price 1 s after the write".into());
            }
        }
        for _ in 0..3 {
            if get(&client, &read_url).await?["data"]["price"] != price {
                return Err("the reader answered the old price again".into());
            }
        }
    }
    delays.sort();
    let at = |p: usize| delays[(delays.len() * p / 100).min(delays.len() - 1)].as_micros();
    println!(
        "INVALIDATION_DELAY writes={} p50_us={} p99_us={} max_us={}",
        delays.len(),
        at(50),
        at(99),
        at(100)
    );
    Ok(())
}
