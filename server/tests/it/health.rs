//! `GET /api/health` against real Redis processes: all up, a replica down, the
//! master down or hanging, and recovery when Redis comes back.

use crate::support::{eventually, RedisProcess, TestApp, Topology};
use app::types::{HealthStatus, LinkStatus, NodeRole};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

#[tokio::test]
async fn all_nodes_up_reports_roles_and_link() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;

    let (status, report) = app.health().await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(report.status, HealthStatus::Ok);
    let nodes = &report.nodes;
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].addr, topo.master.addr());
    assert_eq!(nodes[0].role, NodeRole::Master);
    assert!(nodes[0].up);
    assert_eq!(nodes[0].link_status, None, "masters have no link");
    assert_eq!(nodes[1].addr, topo.replica.addr());
    assert_eq!(nodes[1].role, NodeRole::Replica);
    assert!(nodes[1].up);
    assert_eq!(nodes[1].link_status, Some(LinkStatus::Up));
    assert!(nodes[1].latency_us.is_some());
}

#[tokio::test]
async fn a_key_set_on_the_master_reads_back_on_the_replica() {
    // Seed part 2: the topology the harness starts really replicates.
    let topo = Topology::start().await;
    let mut master = topo.master.conn().await;
    let _: () = redis::cmd("SET")
        .arg("test")
        .arg("Hello Redis")
        .query_async(&mut master)
        .await
        .expect("SET on master");
    assert!(
        topo.replica.sees("test", |v| v == "Hello Redis").await,
        "the replica never saw the key"
    );
    let mut replica = topo.replica.conn().await;
    let readonly: redis::RedisResult<()> = redis::cmd("SET")
        .arg("x")
        .arg("1")
        .query_async(&mut replica)
        .await;
    assert!(readonly.is_err(), "a replica refuses writes");
}

#[tokio::test]
async fn replica_down_is_degraded_but_healthy() {
    let mut topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    topo.replica.kill();

    let started = Instant::now();
    let (status, report) = app.health().await;

    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report.status, HealthStatus::Degraded);
    assert!(report.nodes[0].up);
    assert!(!report.nodes[1].up);
    assert_eq!(report.nodes[1].role, NodeRole::Replica);
    let error = report.nodes[1].error.as_deref().expect("a reason");
    assert!(
        error.contains(&topo.replica.addr()),
        "reason names the node: {error}"
    );

    // It comes back by itself.
    topo.replica.restart().await;
    let back = eventually(Duration::from_secs(5), || async {
        app.health().await.1.status == HealthStatus::Ok
    })
    .await;
    assert!(
        back,
        "health never returned to ok after the replica restarted"
    );
}

#[tokio::test]
async fn master_down_is_503_fast_and_recovers() {
    let mut topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    assert_eq!(app.get_json("/api/health").await.0, StatusCode::OK);
    topo.master.kill();

    let started = Instant::now();
    let (status, report) = app.health().await;
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_millis(900), "took {elapsed:?}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(report.status, HealthStatus::Down);
    assert_eq!(report.nodes[0].addr, topo.master.addr());
    assert!(!report.nodes[0].up);
    assert!(report.nodes[0]
        .error
        .as_deref()
        .is_some_and(|e| !e.is_empty()));

    topo.master.restart().await;
    let back = eventually(Duration::from_secs(5), || async {
        app.get_json("/api/health").await.0 == StatusCode::OK
    })
    .await;
    assert!(
        back,
        "health never returned to 200 after the master restarted"
    );
}

#[tokio::test]
async fn a_master_that_never_answers_times_out() {
    // A port that accepts connections and then says nothing: the hang case.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("redis://{}", silent.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let args = ["--redis-timeout-ms", "300"];
    let app = TestApp::spawn_with(&url, &[], &args).await;

    for attempt in 0..3 {
        let started = Instant::now();
        let (status, report) = app.health().await;
        let elapsed = started.elapsed();
        let error = report.nodes[0].error.clone().unwrap_or_default();
        eprintln!("attempt {attempt}: {elapsed:?} {error}");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(elapsed < Duration::from_millis(900), "took {elapsed:?}");
        assert!(
            error.contains("did not answer within 300 ms"),
            "attempt {attempt}: {error}"
        );
    }
}

#[tokio::test]
async fn no_replicas_configured_means_master_only() {
    let master = RedisProcess::master().await;
    let app = TestApp::spawn(&master.url(), &[]).await;
    let (status, report) = app.health().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report.nodes.len(), 1);
}
