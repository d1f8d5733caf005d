//! Failover drills with Redis Sentinel: real data nodes and Sentinels on free
//! ports. The master is SIGKILLed under read and write load; reads from a
//! replica never fail, writes fail fast and come back, and no write that was
//! acknowledged by every replica is lost. Losing Sentinels is drilled too.

use crate::support::{decode, eventually, ha::HaTopology, TestApp};
use app::types::{ApiErrorBody, LinkStatus, NodeRole, ProductWritten, WriteOutcome};
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
    outcome: Option<WriteOutcome>,
    sent: Instant,
    took: Duration,
    error: String,
}

/// The writes sent after `from`, as runs of one answer: `+offset ms xcount
/// status error`, for a failure message that shows what the client saw.
fn since(writes: &[Write], from: Instant) -> String {
    let mut runs: Vec<(Duration, usize, StatusCode, &str)> = Vec::new();
    for w in writes.iter().filter(|w| w.sent > from) {
        match runs.last_mut() {
            Some(run) if run.2 == w.status && run.3 == w.error => run.1 += 1,
            _ => runs.push((w.sent.duration_since(from), 1, w.status, &w.error)),
        }
    }
    runs.iter()
        .map(|(at, n, status, error)| format!("+{} ms x{n} {status} {error}", at.as_millis()))
        .collect::<Vec<_>>()
        .join("; ")
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
        let (status, body) = app.replication().await;
        let linked = body
            .nodes
            .iter()
            .filter(|n| n.role == Some(NodeRole::Replica) && n.link_status == Some(LinkStatus::Up))
            .count();
        let sentinels_up = body.sentinels.len() == 3 && body.sentinels.iter().all(|s| s.up);
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
    let written: ProductWritten = decode(&body);
    assert_eq!((written.replicas_acked, written.replicas), (2, 2), "{body}");

    let stop = Arc::new(AtomicBool::new(false));
    // When the master was killed, and whether a write sent after it has
    // succeeded since.
    let killed_at = Arc::new(std::sync::OnceLock::<Instant>::new());
    let resumed = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, stop) = (app.clone(), stop.clone());
        let (killed_at, resumed) = (killed_at.clone(), resumed.clone());
        tokio::spawn(async move {
            let mut writes = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = format!("ha-{n:05}");
                let sent = Instant::now();
                let (status, body) = put(&app, &id).await;
                let took = sent.elapsed();
                let write = if status.is_success() {
                    if killed_at.get().is_some_and(|killed| sent > *killed) {
                        resumed.store(true, Ordering::Relaxed);
                    }
                    let written: ProductWritten = decode(&body);
                    Write {
                        id,
                        status,
                        acked: written.replicas_acked,
                        replicas: written.replicas,
                        durable: written.durable,
                        outcome: None,
                        sent,
                        took,
                        error: String::new(),
                    }
                } else {
                    let failed: ApiErrorBody = decode(&body);
                    Write {
                        id,
                        status,
                        acked: 0,
                        replicas: 0,
                        durable: false,
                        outcome: failed.outcome,
                        sent,
                        took,
                        error: failed.error,
                    }
                };
                writes.push(write);
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
    let _ = killed_at.set(killed);
    ha.nodes[0].kill();
    // The switch is Sentinel's (down after 1 s, then an election that may
    // fail and be retried after twice the failover timeout): 15 s at most.
    let switched = eventually(Duration::from_secs(15), || async {
        let (_, body) = app.replication().await;
        body.failovers
            .first()
            .is_some_and(|f| f.from == first_master)
    })
    .await;
    let switched_after = killed.elapsed();
    assert!(
        switched,
        "no switch seen 15 s after the kill; the server: {:?}; a Sentinel: {:?}",
        app.replication().await.1,
        ha.sentinels[0].master_info().await
    );
    // Writes come back within 5 s of the switch (the new master refuses
    // them until its replica is in sync): the load runs until then, and
    // 0.5 s on.
    let resumed_in_time = eventually(Duration::from_secs(5), || async {
        resumed.load(Ordering::Relaxed)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writer.await.expect("writer");
    let (reads, read_failures) = reader.await.expect("reader");
    assert!(
        resumed_in_time,
        "no write succeeded within 5 s of the switch ({switched_after:?} after the kill); \
         writes since the kill: {}; the server: {:?}",
        since(&writes, killed),
        app.replication().await.1
    );

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
            s if s.is_success() => w.outcome.is_none(),
            StatusCode::SERVICE_UNAVAILABLE => w.outcome != Some(WriteOutcome::Unknown),
            StatusCode::GATEWAY_TIMEOUT => w.outcome == Some(WriteOutcome::Unknown),
            _ => false,
        };
        assert!(clear, "{}: {} {:?} {}", w.id, w.status, w.outcome, w.error);
    }
    let failed: Vec<&Write> = writes.iter().filter(|w| !w.status.is_success()).collect();
    assert!(!failed.is_empty(), "the kill must have been felt");
    let back = writes
        .iter()
        .filter(|w| w.sent > killed && w.status.is_success())
        .map(|w| w.sent.duration_since(killed) + w.took)
        .next()
        .expect("a write succeeded after the kill (waited for above)");

    // The failover is on record, and the new master is one of the replicas.
    let (_, replication) = app.replication().await;
    let failover = replication.failovers.first().expect("a failover on record");
    assert_eq!(failover.from, first_master, "{replication:?}");
    let new_master = ha.master_addr().await.expect("a Sentinel answers");
    assert_eq!(failover.to, new_master);
    assert_ne!(new_master, first_master);
    let first = replication.nodes.first().expect("the master first");
    assert_eq!(first.addr, new_master);
    assert_eq!(first.role, Some(NodeRole::Master));

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
        "failover drill: {} writes, {safe} durable, {weak} not, {} refused or unknown; {reads} replica reads; writes back after {back:?}; failover {} -> {} in {} ms",
        writes.len(),
        failed.len(),
        failover.from, failover.to, failover.duration_ms
    );
    assert!(safe > 0);
    assert!(lost.is_empty(), "durable writes lost: {lost:?}");

    // The old master returns, Sentinel makes it a replica, and the API says so.
    let restarted = Instant::now();
    ha.nodes[0].restart().await;
    let rejoined = eventually(Duration::from_secs(40), || async {
        let (_, body) = app.replication().await;
        body.nodes.iter().any(|n| {
            n.addr == first_master
                && n.role == Some(NodeRole::Replica)
                && n.link_status == Some(LinkStatus::Up)
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
    let (_, body) = app.replication().await;
    assert_eq!(body.sentinels.len(), 3);
    let master = ha.nodes[0].addr();
    for s in &body.sentinels {
        assert_eq!(s.master_addr.as_deref(), Some(master.as_str()), "{s:?}");
    }

    // One Sentinel down: still a quorum, lookups and writes as before.
    ha.sentinels[0].kill();
    let one_down = eventually(Duration::from_secs(5), || async {
        let (_, tick) = app.replication().await;
        tick.sentinels.first().is_some_and(|s| !s.up)
    })
    .await;
    assert!(one_down);
    let (_, body) = app.replication().await;
    assert_eq!(body.quorum_ok, Some(true), "{body:?}");
    still_serves(&app, "s-1").await;

    // Two down: the last Sentinel cannot reach a majority; the API says no
    // failover is possible, and the service itself carries on.
    ha.sentinels[1].kill();
    let no_quorum = eventually(Duration::from_secs(10), || async {
        let (_, body) = app.replication().await;
        body.quorum_ok == Some(false) && body.sentinels.get(1).is_some_and(|s| !s.up)
    })
    .await;
    let (_, body) = app.replication().await;
    assert!(no_quorum, "{body:?}");
    assert!(body.sentinels.get(2).is_some_and(|s| s.up), "{body:?}");
    still_serves(&app, "s-2").await;

    // Back: the quorum returns by itself.
    ha.sentinels[0].restart();
    ha.sentinels[1].restart();
    let back = eventually(Duration::from_secs(20), || async {
        app.replication().await.1.quorum_ok == Some(true)
    })
    .await;
    assert!(back, "the quorum did not come back");
}
