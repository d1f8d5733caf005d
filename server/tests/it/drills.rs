//! Fault drills against real Redis processes: the master dies and returns,
//! a replica dies under traffic, Redis hangs, and hostile input arrives.
//! Every request must answer quickly and clearly, and all must recover alone.

use crate::support::{decode, eventually, RedisProcess, TestApp, Topology};
use app::types::ApiErrorBody;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const API_ROUTES: [&str; 7] = [
    "/api/products/prod1",
    "/api/search?q=phone",
    "/api/db/product/prod1",
    "/api/db/products?category=books",
    "/api/db/categories",
    "/api/stats",
    "/api/history",
];

#[tokio::test]
async fn the_master_dies_and_comes_back() {
    let mut master = RedisProcess::master_with_aof().await;
    let replica = RedisProcess::replica_of(master.port).await;
    replica.wait_for_link().await;
    let app = TestApp::spawn(&master.url(), &[replica.url()]).await;
    for route in API_ROUTES {
        assert_eq!(
            app.get_json(route).await.0,
            StatusCode::OK,
            "{route} before"
        );
    }

    master.kill();
    for route in API_ROUTES.iter().chain(&["/api/health"]) {
        let started = Instant::now();
        let (status, body) = app.get_json(route).await;
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(1), "{route} took {elapsed:?}");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{route}: {body}");
        if *route != "/api/health" {
            let error = decode::<ApiErrorBody>(&body).error;
            assert!(
                error.starts_with("Redis is unavailable"),
                "{route}: {error}"
            );
        }
    }
    let started = Instant::now();
    let (status, html) = app.get_html("/").await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Redis master unreachable"),
        "the page shows the outage"
    );

    master.restart().await;
    let back = Instant::now();
    let recovered = eventually(Duration::from_secs(5), || async {
        for route in API_ROUTES {
            if app.get_json(route).await.0 != StatusCode::OK {
                return false;
            }
        }
        true
    })
    .await;
    assert!(
        recovered,
        "not recovered {:?} after the master returned",
        back.elapsed()
    );
}

#[tokio::test]
async fn a_replica_dies_under_traffic_without_a_failed_request() {
    let mut topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--read-from", "replica", "--metrics-tick-ms", "200"],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await; // a tick picks the replica
    let traffic = async {
        let mut failures = Vec::new();
        for round in 0..20 {
            let batch = (1..=10).map(|n| {
                let app = &app;
                async move { app.get_json(&format!("/api/products/prod{n}")).await }
            });
            for (status, body) in futures::future::join_all(batch).await {
                if status != StatusCode::OK {
                    failures.push(format!("round {round}: {status} {body}"));
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        failures
    };
    let kill = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        topo.replica.kill();
    };
    let (failures, ()) = futures::join!(traffic, kill);
    assert!(failures.is_empty(), "{failures:?}");
}

#[tokio::test]
async fn a_hanging_redis_gives_fast_errors_and_nothing_piles_up() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    assert_eq!(app.get_json("/api/products/prod2").await.0, StatusCode::OK);

    // Redis stops answering for 2 s.
    let sleeper = topo.master.hang(2).await;

    let requests = (0..30).map(|n| {
        let app = &app;
        async move {
            let started = Instant::now();
            let (status, body) = app
                .get_json(&format!("/api/products/prod{}", n % 10 + 1))
                .await;
            (status, body, started.elapsed())
        }
    });
    for (status, body, elapsed) in futures::future::join_all(requests).await {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
        assert!(
            decode::<ApiErrorBody>(&body)
                .error
                .contains("did not answer within"),
            "{body}"
        );
    }
    sleeper.await.expect("sleeper");

    // Recovered, and the server holds a handful of connections, not one per request.
    let ok = eventually(Duration::from_secs(3), || async {
        app.get_json("/api/products/prod2").await.0 == StatusCode::OK
    })
    .await;
    assert!(ok, "no recovery after the hang");
    let clients = topo
        .master
        .info_number("clients", "connected_clients")
        .await;
    assert!(
        clients < 20,
        "{clients} connections to Redis after the hang"
    );
}

#[tokio::test]
async fn hostile_input_gets_clear_4xx_and_no_harm() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;

    let long_id = "x".repeat(10_000);
    for path in [
        format!("/api/products/{long_id}"),
        format!("/api/db/product/{long_id}"),
        "/api/products/%00%01".to_string(),
        "/api/products/..%2F..%2Fetc%2Fpasswd".to_string(),
        format!("/api/search?q={}", "a".repeat(5_000)),
        "/api/db/products?limit=1e9".to_string(),
        "/api/db/products?min_price=1e400".to_string(),
        "/api/search?q=%ZZ".to_string(),
        "/api/search?q=100%".to_string(),
    ] {
        let response = app.http.get(app.url(&path)).send().await.expect("answers");
        let status = response.status();
        assert!(
            status.is_client_error(),
            "{}: {status}",
            &path[..path.len().min(60)]
        );
        if status == StatusCode::BAD_REQUEST {
            let body: serde_json::Value = response.json().await.expect("JSON error");
            let _: ApiErrorBody = decode(&body);
        }
    }

    // A huge header is refused by the HTTP layer, not by a crash.
    let response = app
        .http
        .get(app.url("/api/health"))
        .header("x-junk", "y".repeat(100_000))
        .send()
        .await;
    assert!(response
        .map(|r| r.status().is_client_error())
        .unwrap_or(true));

    // Deeply nested JSON is just invalid input.
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let response = app
        .http
        .put(app.url("/api/db/product/p1"))
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .expect("answers");
    assert!(response.status().is_client_error());

    // A flood of WebSocket connections and frames: one address gets its 20
    // slots (WS_MAX_PER_IP), the rest a 429.
    let mut sockets = Vec::new();
    let mut refused = 0;
    for _ in 0..200 {
        match tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await {
            Ok((socket, _)) => sockets.push(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 429 => {
                refused += 1
            }
            Err(other) => panic!("ws: {other}"),
        }
    }
    assert_eq!((sockets.len(), refused), (20, 180));
    for socket in sockets.iter_mut().take(20) {
        for _ in 0..100 {
            if socket
                .send(tokio_tungstenite::tungstenite::Message::Text("spam".into()))
                .await
                .is_err()
            {
                break;
            }
        }
    }
    for mut socket in sockets {
        let _ = socket.close(None).await;
        let _ = tokio::time::timeout(Duration::from_millis(50), socket.next()).await;
    }

    // Still healthy and fast.
    let started = Instant::now();
    assert_eq!(app.get_json("/api/health").await.0, StatusCode::OK);
    assert_eq!(app.get_json("/api/products/prod1").await.0, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(1));
}
