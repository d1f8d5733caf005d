//! The near cache (an in-process tier kept coherent by Redis' client
//! tracking), against real Redis processes: the three tiers in order, writes
//! through one server reaching another, `DEL` typed by hand, the tracking
//! connection killed or silenced, expiry, and the memory bound.

use crate::support::{decode, eventually, TestApp, Topology};
use app::types::{Cents, NearHealth, ProductLookup, ProductMissing, SearchResult, Source, Stats};
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
async fn warm_near<T: Answer>(app: &TestApp, path: &str) -> T {
    for _ in 0..50 {
        let (_, body): (_, T) = app.get_as(path).await;
        if body.source() == Source::Near {
            return body;
        }
    }
    panic!("{path} never came from the near cache");
}

/// An answer that says which tier gave it.
trait Answer: serde::de::DeserializeOwned {
    fn source(&self) -> Source;
}

impl Answer for ProductLookup {
    fn source(&self) -> Source {
        self.source
    }
}

impl Answer for ProductMissing {
    fn source(&self) -> Source {
        self.source
    }
}

impl Answer for SearchResult {
    fn source(&self) -> Source {
        self.source
    }
}

async fn near_health(app: &TestApp) -> NearHealth {
    app.health().await.1.near.expect("the near tier's health")
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
    assert!(health.enabled, "{health:?}");
    assert!(health.live, "live before serving: {health:?}");

    let first = app.lookup("prod1").await;
    assert_eq!(first.source, Source::Database);
    assert_eq!(app.lookup("prod1").await.source, Source::Cache);
    let near: ProductLookup = warm_near(&app, "/api/products/prod1").await;
    assert_eq!(near.data, first.data);
    // The near entry's countdown is the Redis entry's.
    let pttl: i64 = redis::cmd("PTTL")
        .arg("cache:product:prod1")
        .query_async(&mut topo.master.conn().await)
        .await
        .expect("PTTL");
    let ttl = i64::try_from(near.ttl_s).expect("ttl_s");
    assert!(
        (pttl / 1000 - ttl).abs() <= 1,
        "near {ttl} s, Redis {pttl} ms"
    );

    // Near hits never reach Redis: its keyspace counters stand still.
    let hits = || topo.master.info_number("stats", "keyspace_hits");
    let before = hits().await;
    for _ in 0..20 {
        assert_eq!(app.lookup("prod1").await.source, Source::Near);
    }
    assert_eq!(hits().await, before, "near hits must not touch Redis");

    // Counted apart, and in the hits.
    let counted = eventually(Duration::from_secs(3), || async {
        let stats: Stats = app.ok_as("/api/stats").await;
        stats.near_hits >= 21
            && stats.latency_us.near.count == stats.near_hits
            && stats.hits >= stats.near_hits
    })
    .await;
    assert!(counted, "{:?}", app.ok_as::<Stats>("/api/stats").await);
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
    let near: ProductMissing = warm_near(&app, "/api/products/ghost").await;
    assert_eq!(near.error, "product \"ghost\" not found");

    // Positive entries expire with Redis too: a 2 s TTL (+10%).
    app.get_json("/api/products/prod2").await;
    warm_near::<ProductLookup>(&app, "/api/products/prod2").await;
    tokio::time::sleep(Duration::from_millis(2_400)).await;
    let after = app.lookup("prod2").await;
    assert_eq!(
        after.source,
        Source::Database,
        "expired with Redis: {after:?}"
    );
}

/// The header names of an answer, but its date.
fn header_names(response: &reqwest::Response) -> std::collections::BTreeSet<String> {
    response
        .headers()
        .keys()
        .map(|name| name.to_string())
        .filter(|name| name != "date")
        .collect()
}

/// Near hits are answered in front of the router (the near lane): with the
/// headers the router's answer has (security and rate-limit headers), and an
/// answer large enough to compress is left to the router, which compresses
/// it for a client that asks.
#[tokio::test]
async fn near_hits_carry_the_routers_headers_and_large_ones_are_compressed() {
    let topo = Topology::start().await;
    let app = app(
        &topo,
        &["--rate-limit-rps", "1000", "--rate-limit-burst", "1000"],
    )
    .await;
    let url = app.url("/api/products/prod1");
    let routed = app.http.get(&url).send().await.expect("an answer");
    let routed_headers = header_names(&routed);
    let routed: ProductLookup = routed.json().await.expect("a lookup");
    assert_ne!(routed.source, Source::Near);
    for name in [
        "ratelimit",
        "ratelimit-policy",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(
            routed_headers.contains(name),
            "{name} missing from {routed_headers:?}"
        );
    }
    warm_near::<ProductLookup>(&app, "/api/products/prod1").await;
    let near = app.http.get(&url).send().await.expect("an answer");
    assert_eq!(header_names(&near), routed_headers);
    let near: ProductLookup = near.json().await.expect("a lookup");
    assert_eq!(near.source, Source::Near);
    assert_eq!(near.data, routed.data);

    let big = app.enlarge_product("prod2", TOKEN).await;
    let warmed = warm_near::<ProductLookup>(&app, "/api/products/prod2").await;
    assert_eq!(warmed.data, big);
    let compressed = app
        .http
        .get(app.url("/api/products/prod2"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("an answer");
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(
        compressed
            .headers()
            .get("content-encoding")
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..]),
        "a near hit over 1 KiB is compressed for a client that asks"
    );
}

/// Writes `prod3` through `a` `writes` times, each time once `b` serves it
/// from its near cache, and returns how long after each acknowledged write
/// `b` first answered the new price (an upper bound of the invalidation
/// delay: it includes the poll that saw it). Checks on the way that the
/// writer reads its own write at once, that `b` answers the new price within
/// 1 s, and never the old one after that.
async fn invalidation_delays(a: &TestApp, b: &TestApp, writes: u32) -> Vec<Duration> {
    let mut product = a.db_product("prod3").await.data;
    let mut delays = Vec::new();
    for n in 0..writes {
        warm_near::<ProductLookup>(b, "/api/products/prod3").await;
        let price = Cents::new(100_000 + u64::from(n) * 100).expect("a price");
        product.price = price;
        let (status, _) = a
            .send(
                Method::PUT,
                "/api/db/product/prod3",
                Some(&json!(product)),
                Some(TOKEN),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let acked = Instant::now();
        loop {
            let seen = b.lookup("prod3").await;
            if seen.data.price == price {
                delays.push(acked.elapsed());
                break;
            }
            assert!(
                acked.elapsed() < Duration::from_secs(1),
                "B still answers the old price 1 s after the write: {seen:?}"
            );
        }
        assert_eq!(
            a.lookup("prod3").await.data.price,
            price,
            "the writer reads its own write"
        );
        for _ in 0..3 {
            assert_eq!(
                b.lookup("prod3").await.data.price,
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
    assert!(health.invalidations >= 200, "{health:?}");
}

#[tokio::test]
async fn searches_go_near_and_any_product_write_drops_them_everywhere() {
    let topo = Topology::start().await;
    let a = app(&topo, &[]).await;
    let b = app(&topo, &[]).await;
    let (query, path) = ("q=smartwatch", "/api/search?q=smartwatch");
    for server in [&a, &b] {
        let first = server.search(query).await;
        assert_ne!(first.source, Source::Near);
        let near: SearchResult = warm_near(server, path).await;
        assert_eq!(near.items, first.items);
        assert_eq!(near.query, first.query);
        assert!(near.ttl_s > 50, "{near:?}");
    }
    let mut changed = a.db_product("prod5").await.data;
    changed.price = Cents::new(12_345).expect("a price");
    let (status, _) = a
        .send(
            Method::PUT,
            "/api/db/product/prod5",
            Some(&json!(changed)),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The writer at once; the other server within the invalidation delay.
    let mine = a.search(query).await;
    assert_eq!(mine.items[0].price, changed.price, "{mine:?}");
    let seen = eventually(Duration::from_secs(1), || async {
        b.search(query).await.items[0].price == changed.price
    })
    .await;
    assert!(seen, "B kept the old search: {:?}", b.search(query).await);
    // A search entry deleted by hand leaves every near cache too.
    warm_near::<SearchResult>(&b, path).await;
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
        b.search(query).await.source == Source::Database
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
        warm_near::<ProductLookup>(server, "/api/products/prod4").await;
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
            server.lookup("prod4").await.data.name == "Edited by hand"
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
            server.lookup("prod4").await.data.name != "Edited by hand"
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
    warm_near::<ProductLookup>(&app, "/api/products/prod5").await;
    let flushes = near_health(&app).await.flushes;

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
        health.live && health.flushes >= flushes + 2
    })
    .await;
    assert!(back, "{:?}", near_health(&app).await);
    let again = tracking_clients(&mut conn).await;
    assert_eq!(again.len(), 1);
    assert_ne!(again[0], ids[0]);

    // Nothing from before the kill is served; the new connection tracks.
    let answer = app.lookup("prod5").await;
    assert_eq!(answer.source, Source::Cache, "{answer:?}");
    warm_near::<ProductLookup>(&app, "/api/products/prod5").await;
    let _: () = redis::cmd("DEL")
        .arg("cache:product:prod5")
        .query_async(&mut conn)
        .await
        .expect("DEL");
    let evicted = eventually(Duration::from_secs(1), || async {
        app.lookup("prod5").await.source == Source::Database
    })
    .await;
    assert!(evicted);
}

#[tokio::test]
async fn a_silent_master_turns_the_near_cache_off_until_it_answers() {
    let topo = Topology::start().await;
    let app = app(&topo, &["--redis-timeout-ms", "300"]).await;
    app.get_json("/api/products/prod6").await;
    warm_near::<ProductLookup>(&app, "/api/products/prod6").await;

    // The master hangs without closing anything: only the heartbeat can tell.
    let hang = topo.master.hang(3).await;
    let dark = eventually(Duration::from_secs(2), || async {
        !near_health(&app).await.live
    })
    .await;
    assert!(dark, "the near cache kept serving a silent master");
    let (status, body): (_, Value) = app.get_json("/api/products/prod6").await;
    assert!(
        !status.is_success() || decode::<ProductLookup>(&body).source != Source::Near,
        "{status} {body}"
    );
    hang.await.expect("hang over");

    let live = eventually(Duration::from_secs(3), || async {
        near_health(&app).await.live
    })
    .await;
    assert!(live, "{:?}", near_health(&app).await);
    assert_eq!(near_health(&app).await.entries, 0, "flushed");
    warm_near::<ProductLookup>(&app, "/api/products/prod6").await;
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
        let entries = health.entries;
        assert!(entries <= 300, "round {round}: {health:?}");
        if round >= 1 && entries >= 1 {
            break;
        }
    }
    assert!((1..=300).contains(&health.entries), "{health:?}");
    assert_eq!(health.max_entries, 300);

    let off = self::app(&topo, &["--near-cache-entries", "0"]).await;
    for _ in 0..5 {
        assert_ne!(off.lookup("prod1").await.source, Source::Near);
    }
    assert!(!near_health(&off).await.enabled);
}
