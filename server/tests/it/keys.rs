//! The key browser's API against real Redis: SCAN paging that covers the
//! keyspace, type filters, bounded values of every type, and deletes that
//! only ever touch cache entries.

use crate::support::{TestApp, Topology};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

const TOKEN: &str = "keys-test-token";

async fn app(topo: &Topology) -> TestApp {
    TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &[
            "--admin-token",
            TOKEN,
            "--key-browser-prefixes",
            "db:,cache:,test:",
        ],
    )
    .await
}

#[tokio::test]
async fn scan_steps_cover_the_keyspace_and_describe_each_key() {
    let topo = Topology::start().await;
    let app = app(&topo).await;
    let mut cursor = 0u64;
    let mut seen = BTreeSet::new();
    let mut total;
    let mut steps = 0;
    loop {
        let (status, page) = app
            .get_json(&format!("/api/keys?count=10&cursor={cursor}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        total = page["total"].as_u64().expect("total");
        for key in page["keys"].as_array().expect("keys") {
            seen.insert(key["key"].as_str().expect("name").to_string());
            if key["key"] == "db:product:prod1" {
                assert_eq!(key["type"], "string");
                assert_eq!(key["ttl_ms"], Value::Null, "products never expire");
                assert!(key["bytes"].as_u64().is_some_and(|b| b > 50), "{key}");
            }
        }
        cursor = page["cursor"].as_u64().expect("cursor");
        steps += 1;
        if cursor == 0 {
            break;
        }
        assert!(steps < 1_000, "the scan never ends");
    }
    assert!(steps > 1, "count bounds each step");
    assert!(seen.contains("db:product:prod1"));
    assert!(seen.contains("db:products:by_price"));
    // Every key, and nothing else (keys written meanwhile by the stats
    // flush and the heartbeat may come and go).
    assert!(seen.len() as u64 + 5 >= total, "{} of {total}", seen.len());

    // (As the admin: a viewer's step looks at 100 keys at most.)
    let (_, zsets) = app
        .send(
            Method::GET,
            "/api/keys?match=db:*&type=zset&count=1000",
            None,
            Some(TOKEN),
        )
        .await;
    let kinds: BTreeSet<&str> = zsets["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["type"].as_str())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["zset"]));

    for bad in ["count=0", "count=1001", "type=bogus", "cursor=x"] {
        let (status, body) = app.get_json(&format!("/api/keys?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn values_are_shown_bounded_by_type() {
    let topo = Topology::start().await;
    let app = app(&topo).await;
    let mut conn = topo.master.conn().await;
    let _: () = redis::pipe()
        .cmd("RPUSH")
        .arg("test:list")
        .arg((0..150).collect::<Vec<u32>>())
        .cmd("HSET")
        .arg("test:hash")
        .arg(&[("a", "1"), ("b", "2")])
        .cmd("SADD")
        .arg("test:set")
        .arg(&["x", "y", "z"])
        .query_async(&mut conn)
        .await
        .expect("test keys");

    let (status, product) = app.get_json("/api/keys/value?key=db:product:prod1").await;
    assert_eq!(status, StatusCode::OK, "{product}");
    assert_eq!(product["type"], "string");
    assert_eq!(product["json"], true);
    let text = product["text"].as_str().expect("text");
    assert!(
        text.contains("\n  \"name\": \"Smartphone Premium\""),
        "pretty: {text}"
    );
    assert!(product["encoding"].is_string());

    let (_, by_price) = app
        .get_json("/api/keys/value?key=db:products:by_price")
        .await;
    let scores: Vec<f64> = by_price["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["score"].as_f64())
        .collect();
    assert_eq!(
        scores.len() as u64,
        by_price["length"].as_u64().expect("length")
    );
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "by score");

    let (_, list) = app.get_json("/api/keys/value?key=test:list").await;
    assert_eq!(list["length"], 150);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(100));
    assert_eq!(list["truncated"], true);
    let (_, hash) = app.get_json("/api/keys/value?key=test:hash").await;
    assert_eq!(hash["length"], 2);
    assert_eq!(hash["truncated"], false);
    let fields: BTreeSet<(String, String)> = hash["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["field"].as_str().unwrap_or_default().into(),
                i["value"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from([("a".into(), "1".into()), ("b".into(), "2".into())])
    );
    let (_, set) = app.get_json("/api/keys/value?key=test:set").await;
    assert_eq!(set["length"], 3);

    let (status, missing) = app.get_json("/api/keys/value?key=test:no:such:key").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    let (status, _) = app.get_json("/api/keys/value").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_cache_entries_can_be_deleted_and_only_by_the_admin() {
    let topo = Topology::start().await;
    let app = app(&topo).await;
    app.get_json("/api/products/prod1").await;
    let path = "/api/keys?key=cache:product:prod1";
    let (status, _) = app.send(Method::DELETE, path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, refused) = app
        .send(
            Method::DELETE,
            "/api/keys?key=db:product:prod1",
            None,
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(
        app.get_json("/api/db/product/prod1").await.0,
        StatusCode::OK
    );

    let (status, deleted) = app.send(Method::DELETE, path, None, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["deleted"], true);
    // A forced miss: the next lookup reads the database.
    let (_, next) = app.get_json("/api/products/prod1").await;
    assert_eq!(next["source"], "database");
}
