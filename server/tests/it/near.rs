//! The near cache (an in-process tier kept coherent by Redis' client
//! tracking), against real Redis processes: the three tiers in order, writes
//! through one server reaching another, `DEL` typed by hand, the tracking
//! connection killed or silenced, expiry, and the memory bound.

use crate::support::{eventually, TestApp, Topology};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TOKEN: &str = "near-test-token";

async fn app(topo: &Topology, extra: &[&str]) -> TestApp {
    let mut args = vec!["--admin-token", TOKEN];
    args.extend_from_slice(extra);
    TestApp::spawn_with(&topo.master.url(), &[topo.replica.url()], &args).await
}

/// Reads `path` until the near cache answers it (a fill can be refused
/// once, when the invalidation of this server's own cache fill arrives
/// during the read that would have filled the near tier).
async fn warm_near(app: &TestApp, path: &str) -> Value {
    for _ in 0..50 {
        let (_, body) = app.get_json(path).await;
        if body["source"] == "near" {
            return body;
        }
    }
    panic!("{path} never came from the near cache");
}

async fn near_health(app: &TestApp) -> Value {
    app.get_json("/api/health").await.1["near"].clone()
}

/// The id of the master's tracking client (flags `t`: tracking).
async fn tracking_clients(conn: &mut redis::aio::MultiplexedConnection) -> Vec<u64> {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(conn)
        .await
        .expect("CLIENT LIST");
    list.lines()
        .filter(|line| {
            line.split(' ').any(|f| {
                f.strip_prefix("flags=")
                    .is_some_and(|flags| flags.contains('t'))
            })
        })
        .filter_map(|line| {
            line.split(' ')
                .find_map(|f| f.strip_prefix("id="))
                .and_then(|id| id.parse().ok())
        })
        .collect()
}

#[tokio::test]
async fn database_then_redis_then_near_with_the_same_ttl() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    let health = near_health(&app).await;
    assert_eq!(health["enabled"], true, "{health}");
    assert_eq!(health["live"], true, "live before serving: {health}");

    let (_, first) = app.get_json("/api/products/prod1").await;
    assert_eq!(first["source"], "database");
    let (_, second) = app.get_json("/api/products/prod1").await;
    assert_eq!(second["source"], "cache");
    let near = warm_near(&app, "/api/products/prod1").await;
    assert_eq!(near["data"], first["data"]);
    // The near entry's countdown is the Redis entry's.
    let pttl: i64 = redis::cmd("PTTL")
        .arg("cache:product:prod1")
        .query_async(&mut topo.master.conn().await)
        .await
        .expect("PTTL");
    let ttl = near["ttl_s"].as_i64().expect("ttl_s");
    assert!(
        (pttl / 1000 - ttl).abs() <= 1,
        "near {ttl} s, Redis {pttl} ms"
    );

    // Near hits never reach Redis: its keyspace counters stand still.
    let hits = || topo.master.info_number("stats", "keyspace_hits");
    let before = hits().await;
    for _ in 0..20 {
        assert_eq!(
            app.get_json("/api/products/prod1").await.1["source"],
            "near"
        );
    }
    assert_eq!(hits().await, before, "near hits must not touch Redis");

    // Counted apart, and in the hits.
    let counted = eventually(Duration::from_secs(3), || async {
        let stats = app.get_json("/api/stats").await.1;
        stats["near_hits"].as_u64().unwrap_or(0) >= 21
            && stats["latency_us"]["near"]["count"] == stats["near_hits"]
            && stats["hits"].as_u64() >= stats["near_hits"].as_u64()
    })
    .await;
    assert!(counted, "{}", app.get_json("/api/stats").await.1);
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"cachescope_lookups_total{source="near",outcome="found"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn negative_entries_are_kept_near_and_expire_with_redis() {
    let topo = Topology::start().await;
    let app = app(&topo, &["--cache-ttl-secs", "2"]).await;
    let (status, _) = app.get_json("/api/products/ghost").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let near = warm_near(&app, "/api/products/ghost").await;
    assert_eq!(near["error"], "product \"ghost\" not found");

    // Positive entries expire with Redis too: a 2 s TTL (+10%).
    app.get_json("/api/products/prod2").await;
    warm_near(&app, "/api/products/prod2").await;
    tokio::time::sleep(Duration::from_millis(2_400)).await;
    let (_, after) = app.get_json("/api/products/prod2").await;
    assert_eq!(after["source"], "database", "expired with Redis: {after}");
}

/// Writes `prod3` through `a` `writes` times, each time once `b` serves it
/// from its near cache, and returns how long after each acknowledged write
/// `b` first answered the new price (an upper bound of the invalidation
/// delay: it includes the poll that saw it). Checks on the way that the
/// writer reads its own write at once, that `b` answers the new price within
/// 1 s, and never the old one after that.
async fn invalidation_delays(a: &TestApp, b: &TestApp, writes: u32) -> Vec<Duration> {
    let (_, original) = a.get_json("/api/db/product/prod3").await;
    let mut product = original["data"].clone();
    let mut delays = Vec::new();
    for n in 0..writes {
        warm_near(b, "/api/products/prod3").await;
        let price = 1000.0 + f64::from(n);
        product["price"] = json!(price);
        let (status, _) = a
            .send(
                Method::PUT,
                "/api/db/product/prod3",
                Some(&product),
                Some(TOKEN),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let acked = Instant::now();
        loop {
            let (_, body) = b.get_json("/api/products/prod3").await;
            if body["data"]["price"] == price {
                delays.push(acked.elapsed());
                break;
            }
            assert!(
                acked.elapsed() < Duration::from_secs(1),
                "B still answers the old price 1 s after the write: {body}"
            );
        }
        assert_eq!(
            a.get_json("/api/products/prod3").await.1["data"]["price"],
            price,
            "the writer reads its own write"
        );
        for _ in 0..3 {
            assert_eq!(
                b.get_json("/api/products/prod3").await.1["data"]["price"],
                price,
                "the old value came back"
            );
        }
    }
    delays.sort();
    delays
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

#[tokio::test]
async fn a_write_through_one_server_reaches_the_other_within_the_invalidation_delay() {
    let topo = Topology::start().await;
    let a = app(&topo, &[]).await;
    let b = app(&topo, &[]).await;
    let delays = invalidation_delays(&a, &b, 200).await;
    println!(
        "invalidation delay over 200 writes (debug build, HTTP polling): p50 {:?}, p99 {:?}",
        percentile(&delays, 50),
        percentile(&delays, 99)
    );
    let health = near_health(&b).await;
    assert!(health["invalidations"].as_u64() >= Some(200), "{health}");
}

#[tokio::test]
async fn searches_go_near_and_any_product_write_drops_them_everywhere() {
    let topo = Topology::start().await;
    let a = app(&topo, &[]).await;
    let b = app(&topo, &[]).await;
    let path = "/api/search?q=smartwatch";
    for server in [&a, &b] {
        let (_, first) = server.get_json(path).await;
        assert_ne!(first["source"], "near");
        let near = warm_near(server, path).await;
        assert_eq!(near["items"], first["items"]);
        assert_eq!(near["query"], first["query"]);
        assert!(near["ttl_s"].as_u64().is_some_and(|t| t > 50), "{near}");
    }
    let (_, product) = a.get_json("/api/db/product/prod5").await;
    let mut changed = product["data"].clone();
    changed["price"] = json!(123.45);
    let (status, _) = a
        .send(
            Method::PUT,
            "/api/db/product/prod5",
            Some(&changed),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The writer at once; the other server within the invalidation delay.
    let (_, mine) = a.get_json(path).await;
    assert_eq!(mine["items"][0]["price"], 123.45, "{mine}");
    let seen = eventually(Duration::from_secs(1), || async {
        b.get_json(path).await.1["items"][0]["price"] == 123.45
    })
    .await;
    assert!(seen, "B kept the old search: {}", b.get_json(path).await.1);
    // A search entry deleted by hand leaves every near cache too.
    warm_near(&b, path).await;
    let keys =
        crate::support::catalog::scan(&mut topo.master.conn().await, "cache:search:*:*").await;
    let mut conn = topo.master.conn().await;
    for key in keys {
        let _: () = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("DEL");
    }
    let dropped = eventually(Duration::from_secs(1), || async {
        b.get_json(path).await.1["source"] == "database"
    })
    .await;
    assert!(dropped, "the near copy outlived its Redis entry's DEL");
}

#[tokio::test]
async fn a_del_typed_in_redis_cli_evicts_in_every_server() {
    let topo = Topology::start().await;
    let a = app(&topo, &[]).await;
    let b = app(&topo, &[]).await;
    for server in [&a, &b] {
        server.get_json("/api/products/prod4").await;
        warm_near(server, "/api/products/prod4").await;
    }
    // A hand-made entry replaces the cached one, as an operator could.
    let _: () = redis::cmd("SET")
        .arg("cache:product:prod4")
        .arg(r#"{"id":"prod4","name":"Edited by hand","price":1.5,"category":"x","in_stock":true,"features":[]}"#)
        .arg("PX")
        .arg(60_000)
        .query_async(&mut topo.master.conn().await)
        .await
        .expect("SET");
    for server in [&a, &b] {
        let seen = eventually(Duration::from_secs(1), || async {
            server.get_json("/api/products/prod4").await.1["data"]["name"] == "Edited by hand"
        })
        .await;
        assert!(seen, "the near cache kept the old entry");
    }
    let _: () = redis::cmd("DEL")
        .arg("cache:product:prod4")
        .query_async(&mut topo.master.conn().await)
        .await
        .expect("DEL");
    for server in [&a, &b] {
        let reread = eventually(Duration::from_secs(1), || async {
            server.get_json("/api/products/prod4").await.1["data"]["name"] != "Edited by hand"
        })
        .await;
        assert!(reread, "DEL did not reach the near cache");
    }
}

#[tokio::test]
async fn a_killed_tracking_connection_flushes_then_answers_right() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    app.get_json("/api/products/prod5").await;
    warm_near(&app, "/api/products/prod5").await;
    let flushes = near_health(&app).await["flushes"].as_u64().unwrap_or(0);

    let mut conn = topo.master.conn().await;
    let ids = tracking_clients(&mut conn).await;
    assert_eq!(ids.len(), 1, "one tracking connection per server");
    let _: () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(ids[0])
        .query_async(&mut conn)
        .await
        .expect("CLIENT KILL");
    // Flushed, then subscribed again on a new connection.
    let back = eventually(Duration::from_secs(3), || async {
        let health = near_health(&app).await;
        health["live"] == true && health["flushes"].as_u64().unwrap_or(0) >= flushes + 2
    })
    .await;
    assert!(back, "{}", near_health(&app).await);
    let again = tracking_clients(&mut conn).await;
    assert_eq!(again.len(), 1);
    assert_ne!(again[0], ids[0]);

    // Nothing from before the kill is served; the new connection tracks.
    let (_, body) = app.get_json("/api/products/prod5").await;
    assert_eq!(body["source"], "cache", "{body}");
    warm_near(&app, "/api/products/prod5").await;
    let _: () = redis::cmd("DEL")
        .arg("cache:product:prod5")
        .query_async(&mut conn)
        .await
        .expect("DEL");
    let evicted = eventually(Duration::from_secs(1), || async {
        app.get_json("/api/products/prod5").await.1["source"] == "database"
    })
    .await;
    assert!(evicted);
}

#[tokio::test]
async fn a_silent_master_turns_the_near_cache_off_until_it_answers() {
    let topo = Topology::start().await;
    let app = app(&topo, &["--redis-timeout-ms", "300"]).await;
    app.get_json("/api/products/prod6").await;
    warm_near(&app, "/api/products/prod6").await;

    // The master hangs without closing anything: only the heartbeat can tell.
    let hang = topo.master.hang(3).await;
    let dark = eventually(Duration::from_secs(2), || async {
        near_health(&app).await["live"] == false
    })
    .await;
    assert!(dark, "the near cache kept serving a silent master");
    let (status, body) = app.get_json("/api/products/prod6").await;
    assert_ne!(body["source"], "near", "{status} {body}");
    hang.await.expect("hang over");

    let live = eventually(Duration::from_secs(3), || async {
        near_health(&app).await["live"] == true
    })
    .await;
    assert!(live, "{}", near_health(&app).await);
    assert_eq!(near_health(&app).await["entries"], 0, "flushed");
    warm_near(&app, "/api/products/prod6").await;
}

#[tokio::test]
async fn the_near_cache_stays_within_its_entry_bound() {
    let topo = Topology::start().await;
    let app = app(&topo, &["--near-cache-entries", "300"]).await;
    // 2,000 distinct ids (absent ones: negative entries), each read twice
    // (the second read, a Redis hit, fills the near tier).
    // A heartbeat missed on a loaded machine empties the tier (it goes dark
    // and comes back empty: `flushes`); then one more round fills it again.
    let ids: Vec<String> = (0..2_000).map(|n| format!("bound{n}")).collect();
    let mut health = near_health(&app).await;
    for round in 0..4 {
        futures::future::join_all(ids.chunks(100).map(|chunk| {
            let app = &app;
            async move {
                for id in chunk {
                    let (status, _) = app.get_json(&format!("/api/products/{id}")).await;
                    assert_eq!(status, StatusCode::NOT_FOUND, "round {round}");
                }
            }
        }))
        .await;
        health = near_health(&app).await;
        let entries = health["entries"].as_u64().unwrap_or(u64::MAX);
        assert!(entries <= 300, "round {round}: {health}");
        if round >= 1 && entries >= 1 {
            break;
        }
    }
    let entries = health["entries"].as_u64().unwrap_or(u64::MAX);
    assert!((1..=300).contains(&entries), "{health}");
    assert_eq!(health["max_entries"], 300);

    let off = self::app(&topo, &["--near-cache-entries", "0"]).await;
    for _ in 0..5 {
        assert_ne!(
            off.get_json("/api/products/prod1").await.1["source"],
            "near"
        );
    }
    assert_eq!(near_health(&off).await["enabled"], false);
}
