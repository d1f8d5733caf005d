//! The live feed against real Redis, with a real WebSocket client
//! (tokio-tungstenite): ticks arrive, a stopped replica shows down and comes
//! back, lookups stream, many clients do not multiply INFO calls, and
//! replica reads survive the replica's death.

use crate::support::{TestApp, Topology};
use app::types::Source;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn fast_app(topo: &Topology, extra: &[&str]) -> TestApp {
    let mut args = vec!["--metrics-tick-ms", "200"];
    args.extend_from_slice(extra);
    TestApp::spawn_with(&topo.master.url(), &[topo.replica.url()], &args).await
}

async fn connect(app: &TestApp) -> Socket {
    let (socket, _) = connect_async(format!("ws://{}/ws", app.addr))
        .await
        .expect("ws connects");
    socket
}

/// The next message of `kind` (skipping others), within `within`.
async fn next_of(socket: &mut Socket, kind: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} message in {within:?}"))
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON message");
            if value["type"] == kind {
                return value;
            }
        }
    }
}

/// Misses `id` once (the fill goes to the master), then reads it until a
/// hit comes back, served by the replica reads go to.
async fn warm_through_replica(app: &TestApp, id: &str) {
    assert_eq!(app.lookup(id).await.source, Source::Database);
    let hit = crate::support::eventually(Duration::from_secs(3), || async {
        app.lookup(id).await.source == Source::Cache
    })
    .await;
    assert!(hit, "hits served through the replica");
}

/// Waits until a metrics tick satisfies `check`.
async fn tick_where(
    socket: &mut Socket,
    within: Duration,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let tick = next_of(
            socket,
            "metrics",
            deadline.saturating_duration_since(Instant::now()),
        )
        .await;
        if check(&tick) {
            return tick;
        }
    }
}

#[tokio::test]
async fn snapshot_then_metrics_every_tick() {
    let topo = Topology::start().await;
    let app = fast_app(&topo, &[]).await;
    let mut socket = connect(&app).await;

    let snapshot = next_of(&mut socket, "snapshot", Duration::from_secs(2)).await;
    assert!(snapshot["history"].is_array());

    let first = next_of(&mut socket, "metrics", Duration::from_secs(2)).await;
    let second = next_of(&mut socket, "metrics", Duration::from_secs(2)).await;
    let gap = second["at"]
        .as_u64()
        .unwrap_or(0)
        .saturating_sub(first["at"].as_u64().unwrap_or(0));
    assert!((100..=600).contains(&gap), "ticks ~200 ms apart, got {gap}");

    // Once the replica has caught up with the catalog writes:
    let settled = tick_where(&mut socket, Duration::from_secs(8), |t| {
        t["nodes"][1]["heartbeat_ms"].is_u64() && t["nodes"][1]["lag_bytes"] == 0
    })
    .await;
    let master = &settled["nodes"][0];
    assert_eq!(master["addr"], topo.master.addr());
    assert_eq!(master["role"], "master");
    assert_eq!(master["up"], true);
    assert!(
        master["keys"].as_u64().is_some_and(|k| k >= 48),
        "catalog keys counted: {master}"
    );
    assert!(master["used_memory"].as_u64().is_some_and(|m| m > 0));
    assert!(master["offset"].as_u64().is_some());
    let replica = &settled["nodes"][1];
    assert_eq!(replica["role"], "replica");
    assert_eq!(replica["link_status"], "up");
    assert!(replica["lag_bytes"].as_u64().is_some(), "{replica}");
    assert!(
        replica["heartbeat_ms"]
            .as_u64()
            .is_some_and(|ms| ms < 1_000),
        "{replica}"
    );

    // The REST view agrees with the contract's names.
    let (status, replication) = app.get_json("/api/replication").await;
    assert_eq!(status, StatusCode::OK);
    let nodes = replication["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    for field in [
        "addr",
        "role",
        "up",
        "link_status",
        "offset",
        "lag_bytes",
        "lag_s",
        "heartbeat_ms",
    ] {
        assert!(nodes[1].get(field).is_some(), "missing {field}");
    }
    assert!(
        nodes[0]["lag_bytes"].is_null(),
        "replica fields are null on the master"
    );
}

#[tokio::test]
async fn a_stopped_replica_shows_down_then_up_again() {
    let mut topo = Topology::start().await;
    let app = fast_app(&topo, &[]).await;
    let mut socket = connect(&app).await;
    tick_where(&mut socket, Duration::from_secs(3), |t| {
        t["nodes"][1]["up"] == true
    })
    .await;

    topo.replica.kill();
    let down = tick_where(&mut socket, Duration::from_secs(3), |t| {
        t["nodes"][1]["up"] == false
    })
    .await;
    assert!(down["nodes"][1]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(down["nodes"][0]["up"], true, "the master stays up");

    topo.replica.restart().await;
    tick_where(&mut socket, Duration::from_secs(8), |t| {
        t["nodes"][1]["up"] == true && t["nodes"][1]["link_status"] == "up"
    })
    .await;
}

#[tokio::test]
async fn lookups_stream_to_clients() {
    let topo = Topology::start().await;
    let app = fast_app(&topo, &[]).await;
    let mut socket = connect(&app).await;
    next_of(&mut socket, "snapshot", Duration::from_secs(2)).await;

    app.get_json("/api/products/prod4").await;
    let batch = next_of(&mut socket, "lookup", Duration::from_secs(2)).await;
    let items = batch["items"].as_array().expect("items");
    assert_eq!(items[0]["query"], "prod4");
    assert_eq!(items[0]["source"], "database");
    assert_eq!(batch["dropped"], 0);

    // Under a burst a client gets a bounded sample, not a flood.
    let answers = futures::future::join_all((0..300).map(|n| {
        let app = &app;
        async move {
            app.get_json(&format!("/api/products/prod{}", n % 48 + 1))
                .await
        }
    }))
    .await;
    let failed: Vec<_> = answers.iter().filter(|(s, _)| !s.is_success()).collect();
    assert!(failed.is_empty(), "lookups failed: {failed:?}");
    let mut received = 0u64;
    let mut dropped = 0u64;
    while received + dropped < 300 {
        let batch = next_of(&mut socket, "lookup", Duration::from_secs(3)).await;
        let n = batch["items"].as_array().map(Vec::len).unwrap_or(0) as u64;
        assert!(n <= 20, "a batch holds at most 20 lookups");
        received += n;
        dropped += batch["dropped"].as_u64().unwrap_or(0);
    }
    assert_eq!(
        received + dropped,
        300,
        "every lookup is either sent or counted"
    );
}

#[tokio::test]
async fn many_clients_do_not_multiply_info_calls() {
    let topo = Topology::start().await;
    let app = fast_app(&topo, &["--ws-max-per-ip", "100"]).await;
    let mut conn = topo.master.conn().await;
    let info_calls = |conn: &mut redis::aio::MultiplexedConnection| {
        let mut conn = conn.clone();
        async move {
            let stats: String = redis::cmd("INFO")
                .arg("commandstats")
                .query_async(&mut conn)
                .await
                .expect("INFO");
            stats
                .lines()
                .find(|l| l.starts_with("cmdstat_info:"))
                .and_then(|l| l.split("calls=").nth(1))
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        }
    };
    let mut one = connect(&app).await;
    next_of(&mut one, "metrics", Duration::from_secs(2)).await;
    let before = info_calls(&mut conn).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let with_one = info_calls(&mut conn).await - before - 1;

    let mut many = Vec::new();
    for _ in 0..50 {
        many.push(connect(&app).await);
    }
    for socket in &mut many {
        next_of(socket, "snapshot", Duration::from_secs(3)).await;
    }
    let before = info_calls(&mut conn).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let with_many = info_calls(&mut conn).await - before - 1;
    // About five ticks a second either way; 50 more clients add nothing.
    assert!(
        with_many <= with_one + 2,
        "{with_one} INFO calls with 1 client, {with_many} with 51"
    );
    for socket in &mut many {
        let _ = socket.close(None).await;
    }
}

#[tokio::test]
async fn replica_reads_survive_the_replica_dying() {
    let mut topo = Topology::start().await;
    let app = fast_app(&topo, &["--read-from", "replica"]).await;
    let mut socket = connect(&app).await;
    let tick = tick_where(&mut socket, Duration::from_secs(3), |t| {
        t["reads_from"] == t["nodes"][1]["addr"]
    })
    .await;
    assert_eq!(tick["reads_from"], topo.replica.addr());

    // Warm the cache on the master; hits then come from the replica.
    warm_through_replica(&app, "prod8").await;

    topo.replica.kill();
    for _ in 0..20 {
        assert_eq!(app.lookup("prod8").await.data.id, "prod8");
    }
    let (status, _) = app.get_json("/api/search?q=keyboard").await;
    assert_eq!(status, StatusCode::OK);
    tick_where(&mut socket, Duration::from_secs(3), |t| {
        t["reads_from"] == t["nodes"][0]["addr"]
    })
    .await;
}

/// A tick can miss a live replica (here it is paused through one tick)
/// while the master is dead: reads must still find it before the next tick.
#[tokio::test]
async fn reads_find_a_replica_the_last_tick_missed_while_the_master_is_dead() {
    const TICK: Duration = Duration::from_millis(2_000);
    let mut topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--metrics-tick-ms", "2000", "--read-from", "replica"],
    )
    .await;
    let mut socket = connect(&app).await;
    tick_where(&mut socket, 3 * TICK, |t| {
        t["reads_from"] == t["nodes"][1]["addr"]
    })
    .await;
    warm_through_replica(&app, "prod8").await;

    topo.replica.pause();
    topo.master.kill();
    tick_where(&mut socket, 3 * TICK, |t| {
        t["nodes"][0]["up"] == false && t["nodes"][1]["up"] == false
    })
    .await;
    let missed = Instant::now();
    topo.replica.resume();
    for _ in 0..5 {
        let found = app.lookup("prod8").await;
        assert_eq!(found.source, Source::Cache, "{found:?}");
    }
    // All of it before the next tick could have seen the replica again.
    assert!(
        missed.elapsed() < TICK / 2,
        "too slow to tell: {:?}",
        missed.elapsed()
    );
}

#[tokio::test]
async fn hostile_clients_are_cut_off() {
    let topo = Topology::start().await;
    let app = fast_app(&topo, &[]).await;
    let mut socket = connect(&app).await;
    next_of(&mut socket, "snapshot", Duration::from_secs(2)).await;
    // A frame over the limit closes the connection.
    let _ = socket.send(Message::Text("x".repeat(10_000).into())).await;
    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(frame) = socket.next().await {
            if frame.is_err() || matches!(frame, Ok(Message::Close(_))) {
                return true;
            }
        }
        true
    })
    .await;
    assert_eq!(closed, Ok(true));
    // The server is fine.
    assert_eq!(app.get_json("/api/health").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_new_client_gets_the_recent_time_lines_at_once() {
    let topo = Topology::start().await;
    let app = fast_app(&topo, &[]).await;
    let mut first = connect(&app).await;
    for _ in 0..5 {
        next_of(&mut first, "metrics", Duration::from_secs(2)).await;
    }
    app.get_json("/api/products/prod1").await;
    next_of(&mut first, "metrics", Duration::from_secs(2)).await;

    let mut late = connect(&app).await;
    let snapshot = next_of(&mut late, "snapshot", Duration::from_secs(2)).await;
    let recent = snapshot["recent"].as_array().expect("recent points");
    assert!(recent.len() >= 6, "{} points", recent.len());
    let times: Vec<u64> = recent.iter().filter_map(|p| p["at"].as_u64()).collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {times:?}"
    );
    assert_eq!(times.last().copied(), snapshot["metrics"]["at"].as_u64());
    let last = recent.last().expect("a point");
    assert!(last["database_p50"].as_u64().is_some(), "{last}");
    assert!(last["app_hit_ratio"].as_f64().is_some(), "{last}");
}
