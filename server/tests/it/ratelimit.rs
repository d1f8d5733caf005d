//! Rate limiting in Redis: a burst then a steady rate per client, shared by
//! every instance, stricter for admin writes, `X-Forwarded-For` believed only
//! from trusted proxies, and open (but counted) when Redis cannot answer.

use crate::support::{decode, eventually, RedisProcess, TestApp, Topology};
use app::types::{ApiErrorBody, Stats};
use reqwest::{Method, StatusCode};
use std::time::Duration;

async fn limited(topo: &Topology, extra: &[&str]) -> TestApp {
    TestApp::spawn_with(&topo.master.url(), &[topo.replica.url()], extra).await
}

/// GET `path` with optional extra headers: status, headers, body.
async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, serde_json::Value) {
    let mut request = app.http.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("answer");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, headers, body)
}

#[tokio::test]
async fn a_burst_then_a_steady_rate_then_429_with_retry_after() {
    let topo = Topology::start().await;
    let app = limited(
        &topo,
        &["--rate-limit-rps", "4", "--rate-limit-burst", "10"],
    )
    .await;
    for n in 0..10 {
        let (status, headers, _) = get(&app, "/api/stats", &[]).await;
        assert_eq!(status, StatusCode::OK, "request {n}");
        assert_eq!(headers["ratelimit-policy"], "\"api\";q=10;w=3");
        assert!(headers["ratelimit"]
            .to_str()
            .unwrap_or("")
            .starts_with("\"api\";r="));
    }
    let (status, headers, body) = get(&app, "/api/stats", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(decode::<ApiErrorBody>(&body)
        .error
        .contains("too many requests"));
    assert_eq!(headers["retry-after"], "1");
    // Static files are not counted; a quarter of a second later one more passes.
    assert_ne!(
        app.http
            .get(app.url("/favicon.svg"))
            .send()
            .await
            .expect("favicon")
            .status(),
        429
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get(&app, "/api/stats", &[]).await.0, StatusCode::OK);
    // Throttled requests are counted for the dashboard.
    let counted = eventually(Duration::from_secs(3), || async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        get(&app, "/api/stats", &[]).await.2["throttled"].as_u64() >= Some(1)
    })
    .await;
    assert!(counted);
}

#[tokio::test]
async fn every_instance_shares_one_budget_per_client() {
    let topo = Topology::start().await;
    let args = ["--rate-limit-rps", "1", "--rate-limit-burst", "4"];
    let (a, b) = (limited(&topo, &args).await, limited(&topo, &args).await);
    for app in [&a, &b, &a, &b] {
        assert_eq!(get(app, "/api/health", &[]).await.0, StatusCode::OK);
    }
    assert_eq!(
        get(&a, "/api/health", &[]).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get(&b, "/api/health", &[]).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn admin_writes_have_a_smaller_budget() {
    let topo = Topology::start().await;
    let app = limited(
        &topo,
        &[
            // Admin writes get a twentieth: 1 per second, 2 at once.
            "--rate-limit-rps",
            "20",
            "--rate-limit-burst",
            "40",
            "--admin-token",
            "t",
        ],
    )
    .await;
    let product = serde_json::json!({"id": "rl", "name": "Rate", "price": 1.0,
        "category": "misc", "in_stock": true, "features": []});
    // Loads the script (a slow first call would let requests through).
    assert_eq!(get(&app, "/api/health", &[]).await.0, StatusCode::OK);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.send(Method::PUT, "/api/db/product/rl", Some(&product), Some("t"))
                .await
                .0,
        );
    }
    assert!(statuses[..2].iter().all(|s| s.is_success()), "{statuses:?}");
    assert_eq!(statuses[2], StatusCode::TOO_MANY_REQUESTS);
    // Reads still have their own, larger budget.
    assert_eq!(get(&app, "/api/db/product/rl", &[]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let args = ["--rate-limit-rps", "1", "--rate-limit-burst", "2"];
    // A routed request, and one the product lane answers in front of the
    // router (it finds the client address on its own). A Redis each: the
    // budgets are shared by every server of one Redis.
    for path in ["/api/health", "/api/products/prod1"] {
        let topo = Topology::start().await;
        // Not trusted: a client cannot mint budgets by writing the header.
        let direct = limited(&topo, &args).await;
        for n in 0..2 {
            let xff = format!("198.51.100.{n}");
            assert_eq!(
                get(&direct, path, &[("x-forwarded-for", &xff)]).await.0,
                StatusCode::OK,
                "{path}"
            );
        }
        let (status, _, _) = get(&direct, path, &[("x-forwarded-for", "198.51.100.9")]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        // Behind a trusted proxy (here: the test itself), each client has its own.
        let mut trusted = args.to_vec();
        trusted.extend(["--trusted-proxies", "127.0.0.1"]);
        let proxied = limited(&topo, &trusted).await;
        for n in 0..2 {
            for _ in 0..2 {
                let xff = format!("203.0.113.{n}");
                assert_eq!(
                    get(&proxied, path, &[("x-forwarded-for", &xff)]).await.0,
                    StatusCode::OK,
                    "{path}"
                );
            }
        }
        let (status, _, _) = get(&proxied, path, &[("x-forwarded-for", "203.0.113.0")]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
}

#[tokio::test]
async fn without_redis_requests_go_through_and_are_counted() {
    let mut master = RedisProcess::master_with_aof().await;
    let app = TestApp::spawn_with(
        &master.url(),
        &[],
        &[
            "--rate-limit-rps",
            "1",
            "--rate-limit-burst",
            "2",
            "--metrics-tick-ms",
            "100",
        ],
    )
    .await;
    assert_eq!(get(&app, "/api/replication", &[]).await.0, StatusCode::OK);
    master.kill();
    for _ in 0..10 {
        // In-memory route: answers without Redis, and is never a 429.
        let (status, _, body) = get(&app, "/api/replication", &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    master.restart().await;
    let counted = eventually(Duration::from_secs(5), || async {
        let (_, _, body) = get(&app, "/api/stats", &[]).await;
        decode::<Stats>(&body).limiter_bypassed >= 1
    })
    .await;
    assert!(counted, "bypassed requests are counted");
}

/// Script calls the master has served (`EVALSHA` and `EVAL`), from `INFO
/// commandstats`.
async fn script_calls(topo: &Topology) -> u64 {
    topo.master
        .info("commandstats")
        .await
        .lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[tokio::test]
async fn requests_within_a_lease_are_answered_without_asking_redis() {
    let topo = Topology::start().await;
    // A lease is a tenth of the burst: 100 tokens per script call here.
    let app = limited(
        &topo,
        &["--rate-limit-rps", "1000", "--rate-limit-burst", "1000"],
    )
    .await;
    assert_eq!(get(&app, "/api/health", &[]).await.0, StatusCode::OK);
    let before = script_calls(&topo).await;
    for n in 0..300 {
        let (status, headers, _) = get(&app, "/api/health", &[]).await;
        assert_eq!(status, StatusCode::OK, "request {n}");
        assert!(headers.contains_key("ratelimit"), "request {n}");
    }
    let calls = script_calls(&topo).await - before;
    // Three or four lease calls, plus whatever else the server ran meanwhile
    // (the stats flush, the collector): far from one per request.
    assert!(calls <= 30, "{calls} script calls for 300 requests");
}

#[tokio::test]
async fn a_lease_is_refilled_before_it_runs_out_so_no_request_waits_for_redis() {
    let topo = Topology::start().await;
    // Lease 100 tokens; the next is taken in the background at 50 left.
    let app = limited(
        &topo,
        &["--rate-limit-rps", "1000", "--rate-limit-burst", "1000"],
    )
    .await;
    // `/api/replication` answers from memory: only the limiter needs Redis.
    for n in 0..51 {
        let (status, headers, _) = get(&app, "/api/replication", &[]).await;
        assert_eq!(status, StatusCode::OK, "request {n}");
        assert!(headers.contains_key("ratelimit"), "request {n}");
    }
    // The refill asked at 50 left lands; then Redis stops answering.
    tokio::time::sleep(Duration::from_millis(100)).await;
    topo.master.pause();
    let mut slow = Vec::new();
    let mut unlimited = Vec::new();
    for n in 0..120 {
        let started = std::time::Instant::now();
        let (status, headers, _) = get(&app, "/api/replication", &[]).await;
        assert_eq!(status, StatusCode::OK, "request {n}");
        if !headers.contains_key("ratelimit") {
            unlimited.push(n);
        }
        if started.elapsed() >= Duration::from_millis(100) {
            slow.push(n);
        }
    }
    topo.master.resume();
    // 49 tokens were left and 100 came with the refill: all 120 are counted
    // against the lease, none waited for the paused master.
    assert!(unlimited.is_empty(), "not counted: {unlimited:?}");
    assert!(slow.is_empty(), "waited for Redis: {slow:?}");
}

#[tokio::test]
async fn one_client_on_two_instances_stays_within_the_lease_bound() {
    let topo = Topology::start().await;
    // Burst 100, so a lease is 10 tokens; 1 per second refills almost nothing.
    let args = ["--rate-limit-rps", "1", "--rate-limit-burst", "100"];
    let (a, b) = (limited(&topo, &args).await, limited(&topo, &args).await);
    let started = std::time::Instant::now();
    let mut served = 0u64;
    let mut refused = None;
    for n in 0..300 {
        let app = if n % 2 == 0 { &a } else { &b };
        let (status, headers, body) = get(app, "/api/health", &[]).await;
        match status {
            StatusCode::OK => served += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused.get_or_insert((headers, body));
            }
            other => panic!("request {n}: {other} {body}"),
        }
    }
    let refill = started.elapsed().as_secs() + 1;
    // README, "Rate limits": at most M × 1.5 leases over the budget, at most
    // that many refused early (M = 2 servers, lease = 10, refill at 5 left).
    let (burst, bound) = (100, 2 * 15);
    assert!(
        served <= burst + refill + bound,
        "{served} served: over the budget by more than the bound"
    );
    assert!(
        served + bound >= burst,
        "{served} served: refused early by more than the bound"
    );
    let (headers, body) = refused.expect("the budget ran out");
    assert!(decode::<ApiErrorBody>(&body)
        .error
        .contains("too many requests"));
    assert!(headers.contains_key("retry-after"));
    assert_eq!(headers["ratelimit-policy"], "\"api\";q=100;w=100");
    assert!(headers["ratelimit"]
        .to_str()
        .unwrap_or("")
        .starts_with("\"api\";r=0;"));
}
