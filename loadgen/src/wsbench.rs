//! `cachescope-wsbench`: opens many dashboard connections to `/ws` and
//! measures how late each `metrics` tick arrives (receive time minus the
//! tick's own timestamp), to check WebSocket fan-out on one machine.

use clap::Parser;
use futures::StreamExt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::{connect_async, tungstenite::Message};

/// WebSocket fan-out benchmark for cachescope.
#[derive(Debug, Parser)]
#[command(name = "cachescope-wsbench", version)]
struct Args {
    /// Base WebSocket URL of the server.
    #[arg(long, default_value = "ws://127.0.0.1:8090")]
    url: String,
    /// Dashboard clients to open.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=20_000))]
    clients: u64,
    /// How long to listen once every client is connected, in seconds.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    duration: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let url = format!("{}/ws", args.url.trim_end_matches('/'));
    let mut sockets = Vec::new();
    let opening = Instant::now();
    for _ in 0..args.clients {
        match connect_async(&url).await {
            Ok((socket, _)) => sockets.push(socket),
            Err(error) => {
                eprintln!("connection {} failed: {error}", sockets.len() + 1);
                break;
            }
        }
    }
    println!(
        "{} clients connected in {:.2} s; listening {} s",
        sockets.len(),
        opening.elapsed().as_secs_f64(),
        args.duration
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.duration);
    let listeners = sockets.into_iter().map(|mut socket| {
        tokio::spawn(async move {
            let mut delays = Vec::new();
            while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, socket.next()).await {
                if let Message::Text(text) = frame {
                    let received = now_ms();
                    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text.as_str()) {
                        if value["type"] == "metrics" {
                            if let Some(at) = value["at"].as_u64() {
                                delays.push(received.saturating_sub(at));
                            }
                        }
                    }
                }
            }
            delays
        })
    });
    let mut delays: Vec<u64> = futures::future::join_all(listeners)
        .await
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    delays.sort_unstable();
    let pick = |q: f64| {
        delays
            .get(((q * delays.len() as f64) as usize).min(delays.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{} metrics messages received; delay from tick to client: p50 {} ms, p99 {} ms, max {} ms",
        delays.len(),
        pick(0.50),
        pick(0.99),
        delays.last().copied().unwrap_or(0)
    );
}
