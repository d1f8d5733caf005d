//! Failover drills with Redis Sentinel: real data nodes and Sentinels on free
//! ports. The master is SIGKILLed under read and write load; reads from a
//! replica never fail, writes fail fast and come back, and no write that was
//! acknowledged by every replica is lost. Losing Sentinels is drilled too.

use crate::support::{eventually, ha::HaTopology, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const TOKEN: &str = "drill-token";

/// One admin write as the client saw it.
struct Write {
    id: String,
    status: StatusCode,
    acked: u64,
    replicas: u64,
    durable: bool,
    outcome: String,
    sent: Instant,
    took: Duration,
    error: String,
}

/// PUTs the drill product `id` with the admin token.
async fn put(app: &TestApp, id: &str) -> (StatusCode, Value) {
    let path = format!("/api/db/product/{id}");
    app.send(reqwest::Method::PUT, &path, Some(&product(id)), Some(TOKEN))
        .await
}

fn product(id: &str) -> Value {
    json!({"id": id, "name": format!("Drill {id}"), "price": 10.5, "category": "drill",
           "in_stock": true, "features": []})
}

/// Waits until the server sees `replicas` replicas linked to the master (a
/// write then waits for all of them) and every Sentinel answers.
async fn wait_until_settled(app: &TestApp, replicas: usize) {
    let settled = eventually(Duration::from_secs(15), || async {
        let (status, body) = app.get_json("/api/replication").await;
        let linked = body["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .filter(|n| n["role"] == "replica" && n["link_status"] == "up")
                    .count()
            })
            .unwrap_or(0);
        let sentinels_up = body["sentinels"]
            .as_array()
            .is_some_and(|s| s.len() == 3 && s.iter().all(|s| s["up"] == true));
        status == StatusCode::OK && linked == replicas && sentinels_up
    })
    .await;
    assert!(
        settled,
        "the server never saw {replicas} linked replicas and 3 Sentinels"
    );
}

#[tokio::test]
async fn the_master_dies_under_load_and_no_acknowledged_write_is_lost() {
    let mut ha = HaTopology::start().await;
    let first_master = ha.nodes[0].addr();
    let app = Arc::new(
        TestApp::for_sentinels(
            &ha,
            &[
                "--read-from",
                "replica",
                "--metrics-tick-ms",
                "200",
                "--admin-token",
                TOKEN,
            ],
        )
        .await,
    );
    wait_until_settled(&app, 2).await;
    // Warm the cache: reads below are hits served by a replica.
    for n in 1..=10 {
        assert_eq!(
            app.get_json(&format!("/api/products/prod{n}")).await.0,
            StatusCode::OK
        );
    }
    let (status, body) = put(&app, "ha-warm").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["replicas_acked"].as_u64(), body["replicas"].as_u64()),
        (Some(2), Some(2)),
        "{body}"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut writes = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = format!("ha-{n:05}");
                let sent = Instant::now();
                let (status, body) = put(&app, &id).await;
                writes.push(Write {
                    id,
                    status,
                    acked: body["replicas_acked"].as_u64().unwrap_or(0),
                    replicas: body["replicas"].as_u64().unwrap_or(0),
                    durable: body["durable"].as_bool().unwrap_or(false),
                    outcome: body["outcome"].as_str().unwrap_or_default().to_string(),
                    sent,
                    took: sent.elapsed(),
                    error: body["error"].as_str().unwrap_or_default().to_string(),
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            writes
        })
    };
    let reader = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut reads, mut failures) = (0u64, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                for n in 1..=10 {
                    let (status, body) = app.get_json(&format!("/api/products/prod{n}")).await;
                    reads += 1;
                    if status != StatusCode::OK {
                        failures.push(format!("{status} {body}"));
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (reads, failures)
        })
    };

    tokio::time::sleep(Duration::from_secs(1)).await;
    let killed = Instant::now();
    ha.nodes[0].kill();
    // Let the load run until the switch, and 1.5 s beyond (15 s at most).
    let _ = eventually(Duration::from_secs(15), || async {
        let (_, body) = app.get_json("/api/replication").await;
        body["failovers"][0]["from"] == first_master.as_str()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writer.await.expect("writer");
    let (reads, read_failures) = reader.await.expect("reader");

    // Reads from a replica never failed.
    assert!(
        read_failures.is_empty(),
        "{} of {reads} reads failed: {:?}",
        read_failures.len(),
        &read_failures[..read_failures.len().min(5)]
    );

    // Writes failed fast and clearly, never with a 500 or a hang: refused
    // (503, not applied) or, when sent and cut off, unknown (504).
    for w in &writes {
        assert!(
            w.took < Duration::from_secs(2),
            "{} took {:?}",
            w.id,
            w.took
        );
        let clear = match w.status {
            s if s.is_success() => w.outcome.is_empty(),
            StatusCode::SERVICE_UNAVAILABLE => w.outcome != "unknown",
            StatusCode::GATEWAY_TIMEOUT => w.outcome == "unknown",
            _ => false,
        };
        assert!(clear, "{}: {} {:?} {}", w.id, w.status, w.outcome, w.error);
    }
    let failed: Vec<&Write> = writes.iter().filter(|w| !w.status.is_success()).collect();
    assert!(!failed.is_empty(), "the kill must have been felt");
    // ...and worked again within 5 s of the kill.
    let back = writes
        .iter()
        .filter(|w| w.sent > killed && w.status.is_success())
        .map(|w| w.sent.duration_since(killed) + w.took)
        .next()
        .expect("a write succeeded after the kill");
    assert!(
        back < Duration::from_secs(5),
        "writes came back {back:?} after the kill"
    );

    // The failover is on record, and the new master is one of the replicas.
    let (_, replication) = app.get_json("/api/replication").await;
    let failover = &replication["failovers"][0];
    assert_eq!(failover["from"], first_master.as_str(), "{replication}");
    let new_master = ha.master_addr().await.expect("a Sentinel answers");
    assert_eq!(failover["to"], new_master.as_str());
    assert_ne!(new_master, first_master);
    assert_eq!(replication["nodes"][0]["addr"], new_master.as_str());
    assert_eq!(replication["nodes"][0]["role"], "master");

    // Every write acknowledged by all replicas is on the new master.
    let mut conn = ha
        .node(&new_master)
        .expect("new master is ours")
        .conn()
        .await;
    let (mut safe, mut weak, mut lost) = (0, 0, Vec::new());
    for w in writes.iter().filter(|w| w.status.is_success()) {
        if w.durable {
            assert!(w.replicas >= 1 && w.acked == w.replicas, "{}", w.id);
            safe += 1;
            let exists: bool = redis::cmd("EXISTS")
                .arg(format!("db:product:{}", w.id))
                .query_async(&mut conn)
                .await
                .expect("EXISTS");
            if !exists {
                lost.push(w.id.clone());
            }
        } else {
            weak += 1;
        }
    }
    println!(
        "failover drill: {} writes, {safe} durable, {weak} not, {} refused or unknown; {reads} replica reads; writes back after {back:?}; failover {}",
        writes.len(),
        failed.len(),
        failover
    );
    assert!(safe > 0);
    assert!(lost.is_empty(), "durable writes lost: {lost:?}");

    // The old master returns, Sentinel makes it a replica, and the API says so.
    let restarted = Instant::now();
    ha.nodes[0].restart().await;
    let rejoined = eventually(Duration::from_secs(40), || async {
        let (_, body) = app.get_json("/api/replication").await;
        body["nodes"].as_array().is_some_and(|nodes| {
            nodes.iter().any(|n| {
                n["addr"] == first_master.as_str()
                    && n["role"] == "replica"
                    && n["link_status"] == "up"
            })
        })
    })
    .await;
    assert!(rejoined, "the old master did not come back as a replica");
    println!(
        "old master back as a replica {:?} after its restart",
        restarted.elapsed()
    );
}

/// A lookup and an admin write (creating `id`) both succeed.
async fn still_serves(app: &TestApp, id: &str) {
    assert_eq!(app.get_json("/api/products/prod1").await.0, StatusCode::OK);
    let (status, body) = put(app, id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn losing_sentinels_changes_nothing_until_no_failover_is_possible() {
    let mut ha = HaTopology::start().await;
    let app =
        TestApp::for_sentinels(&ha, &["--metrics-tick-ms", "200", "--admin-token", TOKEN]).await;
    wait_until_settled(&app, 2).await;
    let (_, body) = app.get_json("/api/replication").await;
    assert_eq!(body["sentinels"].as_array().map(Vec::len), Some(3));
    let master = ha.nodes[0].addr();
    for s in body["sentinels"].as_array().into_iter().flatten() {
        assert_eq!(s["master_addr"], master.as_str(), "{s}");
    }

    // One Sentinel down: still a quorum, lookups and writes as before.
    ha.sentinels[0].kill();
    let one_down = eventually(Duration::from_secs(5), || async {
        let (_, tick) = app.get_json("/api/replication").await;
        tick["sentinels"][0]["up"] == false
    })
    .await;
    assert!(one_down);
    let (_, body) = app.get_json("/api/replication").await;
    assert_eq!(body["quorum_ok"], true, "{body}");
    still_serves(&app, "s-1").await;

    // Two down: the last Sentinel cannot reach a majority; the API says no
    // failover is possible, and the service itself carries on.
    ha.sentinels[1].kill();
    let no_quorum = eventually(Duration::from_secs(10), || async {
        let (_, body) = app.get_json("/api/replication").await;
        body["quorum_ok"] == false && body["sentinels"][1]["up"] == false
    })
    .await;
    let (_, body) = app.get_json("/api/replication").await;
    assert!(no_quorum, "{body}");
    assert_eq!(body["sentinels"][2]["up"], true);
    still_serves(&app, "s-2").await;

    // Back: the quorum returns by itself.
    ha.sentinels[0].restart();
    ha.sentinels[1].restart();
    let back = eventually(Duration::from_secs(20), || async {
        app.get_json("/api/replication").await.1["quorum_ok"] == true
    })
    .await;
    assert!(back, "the quorum did not come back");
}

/// Milliseconds since the epoch, as the server stamps failovers.
fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// Benchmark (run by `scripts/bench.sh`, not by the test suite): the failover
/// timeline, kill → detected → switched → first successful write, median of
/// 5 runs on fresh topologies.
#[tokio::test]
#[ignore = "benchmark: scripts/bench.sh runs it"]
async fn bench_failover_timeline() {
    let (mut detected, mut switched, mut first_write) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=5 {
        let mut ha = HaTopology::start().await;
        let app = Arc::new(
            TestApp::for_sentinels(&ha, &["--metrics-tick-ms", "200", "--admin-token", TOKEN])
                .await,
        );
        wait_until_settled(&app, 2).await;
        let killed_at = wall_ms();
        ha.nodes[0].kill();
        let killed = Instant::now();
        let mut back = None;
        while killed.elapsed() < Duration::from_secs(15) {
            let (status, _) = put(&app, "bench").await;
            if status.is_success() {
                back = Some(killed.elapsed().as_millis() as u64);
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (_, body) = app.get_json("/api/replication").await;
        let at = body["failovers"][0]["at"]
            .as_u64()
            .expect("a failover on record");
        let took = body["failovers"][0]["duration_ms"].as_u64().unwrap_or(0);
        let run_detected = (at - took).saturating_sub(killed_at);
        let run_switched = at.saturating_sub(killed_at);
        let run_back = back.expect("writes came back");
        println!("run {run}: detected {run_detected} ms, switched {run_switched} ms, first write {run_back} ms");
        detected.push(run_detected);
        switched.push(run_switched);
        first_write.push(run_back);
    }
    println!(
        "failover timeline (median of 5): kill -> detected {} ms -> switched {} ms -> first successful write {} ms",
        median(detected),
        median(switched),
        median(first_write)
    );
}

/// Benchmark: what the `WAIT` after each admin write costs, 8 writers for
/// 3 s against a master with two replicas, with `WAIT` and without.
#[tokio::test]
#[ignore = "benchmark: scripts/bench.sh runs it"]
async fn bench_write_wait_cost() {
    let ha = HaTopology::start().await;
    for wait in ["250", "0"] {
        let app = Arc::new(
            TestApp::for_sentinels(
                &ha,
                &[
                    "--metrics-tick-ms",
                    "200",
                    "--admin-token",
                    TOKEN,
                    "--write-wait-ms",
                    wait,
                ],
            )
            .await,
        );
        wait_until_settled(&app, 2).await;
        let until = Instant::now() + Duration::from_secs(3);
        let writers = (0..8).map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut took = Vec::new();
                let mut n = 0;
                while Instant::now() < until {
                    n += 1;
                    let id = format!("w{w}-{n}");
                    let started = Instant::now();
                    let (status, body) = put(&app, &id).await;
                    assert!(status.is_success(), "{body}");
                    took.push(started.elapsed().as_micros() as u64);
                }
                took
            })
        });
        let mut all = Vec::new();
        for writer in writers {
            all.extend(writer.await.expect("writer"));
        }
        all.sort_unstable();
        let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
        println!(
            "WRITE_WAIT_MS={wait}: {:.0} writes/s, p50 {} us, p99 {} us",
            all.len() as f64 / 3.0,
            pct(0.5),
            pct(0.99)
        );
    }
}
