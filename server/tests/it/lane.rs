//! The product lane: `GET /api/products/{id}` answered in front of the
//! router. A client that names an encoding (`Accept-Encoding: identity`
//! names none worth doing, and still goes to the router) gets the router's
//! answer, one that names none gets the lane's: from every tier (near,
//! Redis, the database, a negative entry), small or over the compression
//! threshold, the two must be the same answer, headers and all.

use crate::support::{TestApp, Topology};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const TOKEN: &str = "lane-test-token";

/// One answer: status, header names (but the date), the JSON without its
/// timing (`elapsed_us`, and `ttl_s`, which may tick between two answers).
type Seen = (StatusCode, BTreeSet<String>, Value);

async fn seen(app: &TestApp, path: &str, routed: bool) -> Seen {
    let mut request = app.http.get(app.url(path));
    if routed {
        request = request.header("accept-encoding", "identity");
    }
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let names = response
        .headers()
        .keys()
        .map(|name| name.to_string())
        .filter(|name| name != "date")
        .collect();
    let mut body: Value = response.json().await.expect("a JSON answer");
    let fields = body.as_object_mut().expect("a JSON object");
    assert!(fields.remove("elapsed_us").is_some(), "{fields:?}");
    assert!(fields.remove("ttl_s").is_some(), "{fields:?}");
    (status, names, body)
}

fn source(seen: &Seen) -> &str {
    seen.2["source"].as_str().expect("a source")
}

/// The lane's answer and the router's for `path`, each from `tier`, equal.
async fn same_answer(app: &TestApp, path: &str, tier: &str) -> Seen {
    let lane = seen(app, path, false).await;
    let routed = seen(app, path, true).await;
    assert_eq!(source(&lane), tier, "{path}: {lane:?}");
    assert_eq!(lane, routed, "{path}: the lane's answer, then the router's");
    lane
}

async fn app(topo: &Topology, extra: &[&str]) -> TestApp {
    let mut args = vec![
        "--admin-token",
        TOKEN,
        "--rate-limit-rps",
        "1000",
        "--rate-limit-burst",
        "1000",
    ];
    args.extend_from_slice(extra);
    TestApp::spawn_with(&topo.master.url(), &[topo.replica.url()], &args).await
}

/// With the near tier off, every lookup the lane takes goes to Redis or the
/// database: misses, hits, an absent id and its negative entry, and an
/// answer over 1 KiB (which carries the compression layer's `Vary`) come
/// out as the router gives them.
#[tokio::test]
async fn redis_and_database_answers_of_the_lane_are_the_routers() {
    let topo = Topology::start().await;
    let app = app(&topo, &["--near-cache-entries", "0"]).await;
    let missed = seen(&app, "/api/products/prod1", false).await;
    assert_eq!(missed.0, StatusCode::OK);
    assert_eq!(source(&missed), "database", "{missed:?}");
    let hit = same_answer(&app, "/api/products/prod1", "cache").await;
    for name in ["ratelimit", "ratelimit-policy", "x-content-type-options"] {
        assert!(hit.1.contains(name), "{name} missing from {:?}", hit.1);
    }
    assert!(!hit.1.contains("vary"), "a small answer: {:?}", hit.1);

    let absent = seen(&app, "/api/products/no-such-product", false).await;
    assert_eq!(absent.0, StatusCode::NOT_FOUND);
    assert_eq!(source(&absent), "database", "{absent:?}");
    let negative = same_answer(&app, "/api/products/no-such-product", "cache").await;
    assert_eq!(negative.0, StatusCode::NOT_FOUND);

    let big = json!(app.enlarge_product("prod2", TOKEN).await);
    let filled = seen(&app, "/api/products/prod2", false).await;
    assert_eq!(
        source(&filled),
        "database",
        "dropped by the write: {filled:?}"
    );
    let large = same_answer(&app, "/api/products/prod2", "cache").await;
    assert_eq!(large.2["data"], big);
    assert!(large.1.contains("vary"), "over 1 KiB: {:?}", large.1);
}

/// Near hits, small and over 1 KiB, come out of the lane as the router
/// gives them: a large one with the compression layer's `Vary`, although
/// the client asked for no encoding.
#[tokio::test]
async fn near_answers_of_the_lane_are_the_routers() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    let big = json!(app.enlarge_product("prod2", TOKEN).await);
    for id in ["prod1", "prod2"] {
        let path = format!("/api/products/{id}");
        let mut warmed = false;
        for _ in 0..50 {
            if source(&seen(&app, &path, false).await) == "near" {
                warmed = true;
                break;
            }
        }
        assert!(warmed, "{path} never came from the near cache");
        let near = same_answer(&app, &path, "near").await;
        assert_eq!(near.0, StatusCode::OK);
        assert_eq!(near.1.contains("vary"), id == "prod2", "{id}: {:?}", near.1);
    }
    assert_eq!(
        seen(&app, "/api/products/prod2", false).await.2["data"],
        big
    );
}
