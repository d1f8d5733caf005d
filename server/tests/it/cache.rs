//! Cache-aside lookups against real Redis: hit/miss sequence and TTLs,
//! canonical search keys, stampede protection (counted on the Redis side with
//! MONITOR), negative caching, invalidation, shared stats and history.

use crate::support::{catalog::scan, eventually, Stack, Store, TestApp, Topology};
use app::types::{
    ApiErrorBody, Cents, HistoryEntry, LookupQuery, ProductLookup, ProductMissing, SearchResult,
    Source, Stats,
};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

const TOKEN: &str = "cache-test-token";

/// The app with the admin token, in front of a stack's store.
async fn on(stack: &Stack, extra: &[&str]) -> TestApp {
    let mut args = vec!["--admin-token", TOKEN];
    args.extend_from_slice(extra);
    stack.app(&args).await
}

/// Answered without the database: by Redis or by a near cache.
fn is_hit(source: Source) -> bool {
    matches!(source, Source::Cache | Source::Near)
}

async fn app(topo: &Topology, extra: &[&str]) -> TestApp {
    let mut args = vec!["--admin-token", TOKEN];
    args.extend_from_slice(extra);
    TestApp::spawn_with(&topo.master.url(), &[topo.replica.url()], &args).await
}

/// Counts the commands a block of work sends to Redis, as Redis sees them.
struct Monitor {
    lines: tokio::task::JoinHandle<Vec<String>>,
    url: String,
}

impl Monitor {
    async fn start(url: &str) -> Self {
        let client = redis::Client::open(url).expect("url");
        let monitor = client.get_async_monitor().await.expect("MONITOR");
        let (on, is_on) = tokio::sync::oneshot::channel();
        let lines = tokio::spawn(async move {
            let mut stream = monitor.into_on_message::<String>();
            let mut lines = Vec::new();
            let mut on = Some(on);
            while let Some(line) = stream.next().await {
                if line.contains("monitor-start-marker") {
                    if let Some(on) = on.take() {
                        let _ = on.send(());
                    }
                    continue;
                }
                if line.contains("monitor-end-marker") {
                    break;
                }
                lines.push(line);
            }
            lines
        });
        // On once it shows a command sent after it: ours, repeated until seen.
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("conn");
        let mut is_on = is_on;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut seen = false;
        while !seen && std::time::Instant::now() < deadline {
            let _: String = redis::cmd("ECHO")
                .arg("monitor-start-marker")
                .query_async(&mut conn)
                .await
                .expect("ECHO");
            seen = tokio::time::timeout(Duration::from_millis(50), &mut is_on)
                .await
                .is_ok();
        }
        assert!(seen, "MONITOR never showed a command");
        drop(conn);
        Monitor {
            lines,
            url: url.to_string(),
        }
    }

    /// Stops and returns the commands sent from clients (not from scripts).
    async fn stop(self) -> Vec<String> {
        let mut conn = redis::Client::open(self.url.as_str())
            .expect("url")
            .get_multiplexed_async_connection()
            .await
            .expect("conn");
        let _: String = redis::cmd("ECHO")
            .arg("monitor-end-marker")
            .query_async(&mut conn)
            .await
            .expect("ECHO");
        let lines = tokio::time::timeout(Duration::from_secs(10), self.lines)
            .await
            .expect("monitor ends")
            .expect("monitor task");
        lines.into_iter().filter(|l| !l.contains(" lua]")).collect()
    }
}

fn db_reads(lines: &[String], id: &str) -> usize {
    let needle = format!("\"GET\" \"db:product:{id}\"");
    lines.iter().filter(|l| l.contains(&needle)).count()
}

/// A miss looks in Redis once (with PostgreSQL, the write generation in the
/// same pipeline), reads the store, and fills: no second look when no other
/// read of this server filled the key meanwhile.
async fn a_miss_looks_in_redis_once_then_fills(stack: Stack) {
    let app = on(&stack, &[]).await;
    // Another miss first: the fill script is loaded in Redis after that.
    assert_eq!(app.lookup("prod8").await.source, Source::Database);
    let monitor = Monitor::start(&stack.topo.master.url()).await;
    assert_eq!(app.lookup("prod9").await.source, Source::Database);
    let lines = monitor.stop().await;
    let sent = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(
        sent(r#""GET" "cache:product:prod9""#),
        1,
        "one look: {lines:#?}"
    );
    let fills = lines
        .iter()
        .filter(|l| l.contains("\"EVALSHA\"") && l.contains("\"cache:product:prod9\""))
        .count();
    assert_eq!(fills, 1, "one fill: {lines:#?}");
    if stack.store == Store::Postgres {
        assert_eq!(sent(r#""GET" "cache:search:gen""#), 1, "{lines:#?}");
    }
}

async fn miss_then_hit_with_ttl_bounds(stack: Stack) {
    let topo = &stack.topo;
    let app = on(&stack, &[]).await;

    let (status, first): (_, ProductLookup) = app.get_as("/api/products/prod1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.source, Source::Database);
    assert_eq!(first.data.name, "Smartphone Premium");
    let ttl = first.ttl_s;
    assert!(
        (60..=66).contains(&ttl),
        "60 s + up to 10% jitter, got {ttl}"
    );
    assert!(first.elapsed_us > 0);

    let (_, second): (_, ProductLookup) = app.get_as("/api/products/prod1").await;
    assert_eq!(second.source, Source::Cache);
    assert_eq!(second.data, first.data);
    let ttl2 = second.ttl_s;
    assert!(ttl2 <= ttl && ttl2 >= ttl - 2, "{ttl2} after {ttl}");

    // The entry really lives in Redis with that TTL.
    let mut conn = topo.master.conn().await;
    let pttl: i64 = redis::cmd("PTTL")
        .arg("cache:product:prod1")
        .query_async(&mut conn)
        .await
        .expect("PTTL");
    assert!((55_000..=66_000).contains(&pttl), "{pttl}");
}

async fn entries_expire_after_their_ttl(stack: Stack) {
    let app = on(&stack, &["--cache-ttl-secs", "1"]).await;
    assert_eq!(app.lookup("prod2").await.source, Source::Database);
    assert_eq!(app.lookup("prod2").await.source, Source::Cache);
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    assert_eq!(app.lookup("prod2").await.source, Source::Database);
}

async fn equivalent_searches_share_one_entry(stack: Stack) {
    let topo = &stack.topo;
    let app = on(&stack, &[]).await;

    let (status, first): (_, SearchResult) = app
        .get_as("/api/search?q=Smartphone%20%20Premium&category=electronics")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.source, Source::Database);
    assert_eq!(first.total, 1);
    assert_eq!(first.items[0].id, "prod1");
    assert_eq!(
        first.query.canonical(),
        "q=premium smartphone|category=electronics|min=|max=|limit=20"
    );

    let (_, second): (_, SearchResult) = app
        .get_as("/api/search?category=electronics&q=premium+SMARTPHONE+")
        .await;
    assert_eq!(second.source, Source::Cache);
    assert_eq!(second.items, first.items);
    assert_eq!(second.query, first.query);

    let mut conn = topo.master.conn().await;
    let entries: Vec<String> = scan(&mut conn, "cache:search:*")
        .await
        .into_iter()
        .filter(|k| k != "cache:search:gen")
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");

    // Words, category and price range combine; results are cheapest first.
    let books = app.search("q=paperback&max_price=100").await;
    assert!(books.total >= 1);
    let all = app.search("q=&limit=100").await;
    assert!(all.items.windows(2).all(|w| w[0].price <= w[1].price));
    let (status, body): (_, ApiErrorBody) = app.get_as("/api/search?min_price=5&max_price=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.error.contains("above"), "{body:?}");
}

#[tokio::test]
async fn two_hundred_concurrent_misses_read_the_database_once() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    let monitor = Monitor::start(&topo.master.url()).await;

    let requests = (0..200).map(|_| app.lookup("prod7"));
    let answers = futures::future::join_all(requests).await;

    let lines = monitor.stop().await;
    assert!(answers.iter().all(|a| a.data.id == "prod7"));
    let from_db = answers
        .iter()
        .filter(|a| a.source == Source::Database)
        .count();
    assert!(from_db >= 1);
    assert_eq!(db_reads(&lines, "prod7"), 1, "exactly one database read");
}

async fn missing_ids_are_cached_briefly(stack: Stack) {
    let topo = &stack.topo;
    let app = on(&stack, &[]).await;
    let monitor = Monitor::start(&topo.master.url()).await;

    let (status, first): (_, ProductMissing) = app.get_as("/api/products/ghost").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(first.error, "product \"ghost\" not found");
    assert_eq!(first.source, Source::Database);
    for n in 0..5 {
        let (status, again): (_, ProductMissing) = app.get_as("/api/products/ghost").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Redis' negative entry first, then (once kept) the near cache's.
        if n == 0 {
            assert_eq!(again.source, Source::Cache);
        } else {
            assert!(is_hit(again.source), "{again:?}");
        }
        assert!(again.ttl_s <= 5, "{again:?}");
    }
    let lines = monitor.stop().await;
    if stack.store == Store::Redis {
        assert_eq!(db_reads(&lines, "ghost"), 1);
    }

    // Creating the product makes it visible at once.
    let body = json!({"id": "ghost", "name": "Now here", "price": 1.0, "category": "toys", "in_stock": true, "features": []});
    assert_eq!(
        app.send(
            Method::PUT,
            "/api/db/product/ghost",
            Some(&body),
            Some(TOKEN)
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (status, found) = app.get_json("/api/products/ghost").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["source"], "database");
}

async fn writes_invalidate_products_and_searches(stack: Stack) {
    let app = on(&stack, &[]).await;
    app.get_json("/api/products/prod5").await;
    assert_eq!(app.lookup("prod5").await.source, Source::Cache);
    app.get_json("/api/search?q=smartwatch").await;
    assert_eq!(app.search("q=smartwatch").await.source, Source::Cache);

    let mut changed = app.db_product("prod5").await.data;
    changed.name = "Smartwatch Sport 2".to_string();
    changed.price = Cents::new(24_900).expect("a price");
    assert_eq!(
        app.send(
            Method::PUT,
            "/api/db/product/prod5",
            Some(&json!(changed)),
            Some(TOKEN)
        )
        .await
        .0,
        StatusCode::OK
    );

    let after = app.lookup("prod5").await;
    assert_eq!(after.source, Source::Database);
    assert_eq!(after.data, changed);
    let search = app.search("q=smartwatch").await;
    assert_eq!(
        search.source,
        Source::Database,
        "earlier search results are unreachable"
    );
    assert_eq!(search.items[0].price, changed.price);

    assert_eq!(
        app.send(Method::DELETE, "/api/db/product/prod5", None, Some(TOKEN))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get_json("/api/products/prod5").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.search("q=smartwatch").await.total, 0);
}

#[tokio::test]
async fn stats_and_history_add_up_across_instances() {
    let topo = Topology::start().await;
    let a = app(&topo, &[]).await;
    let b = app(&topo, &[]).await;
    assert_eq!(
        a.send(Method::POST, "/api/stats/reset", None, Some(TOKEN))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        a.send(Method::POST, "/api/stats/reset", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );

    for id in ["prod10", "prod11", "prod12"] {
        assert_eq!(a.lookup(id).await.source, Source::Database);
    }
    for id in ["prod10", "prod11", "prod12", "prod10", "prod11"] {
        let hit = b.lookup(id).await;
        assert!(is_hit(hit.source), "{hit:?}");
    }

    // Hits are Redis' and the near caches' together.
    let expected = |s: &Stats| {
        s.hits == 5
            && s.misses == 3
            && s.lookups == 8
            && s.latency_us.cache.count + s.latency_us.near.count == 5
            && s.near_hits == s.latency_us.near.count
    };
    let shared = eventually(Duration::from_secs(5), || async {
        expected(&a.ok_as::<Stats>("/api/stats").await)
    })
    .await;
    assert!(
        shared,
        "stats never added up: {:?}",
        a.ok_as::<Stats>("/api/stats").await
    );
    let stats: Stats = b.ok_as("/api/stats").await;
    assert!(expected(&stats), "{stats:?}");
    assert_eq!(stats.hit_ratio, 0.625);
    assert_eq!(stats.latency_us.database.count, 3);
    let cache = &stats.latency_us.cache;
    assert!(
        cache.p50 <= cache.p95 && cache.p95 <= cache.p99,
        "{cache:?}"
    );

    let entries: Vec<HistoryEntry> = a.ok_as("/api/history").await;
    assert_eq!(entries.len(), 8);
    assert!(
        matches!(&entries[0].query, LookupQuery::Product(id) if *id == "prod11"),
        "newest first: {:?}",
        entries[0]
    );
    assert!(is_hit(entries[0].source), "{:?}", entries[0]);
    assert!(matches!(&entries[7].query, LookupQuery::Product(id) if *id == "prod10"));
    assert_eq!(entries[7].source, Source::Database);
    assert!(entries.windows(2).all(|w| w[0].at_us > w[1].at_us));
    assert!(entries.iter().all(|e| e.at == e.at_us / 1000));
}

#[tokio::test]
async fn history_keeps_the_order_lookups_finished_in_across_instances() {
    let topo = Topology::start().await;
    let a = app(&topo, &[]).await;
    let b = app(&topo, &[]).await;
    // One after the other, alternating servers: each server flushes its
    // own batch to the shared list, so only the finishing time can put
    // them back in this order.
    let mut asked = Vec::new();
    for n in 0..12 {
        let (server, id) = if n % 2 == 0 { (&a, n) } else { (&b, n) };
        let id = format!("prod{}", id + 1);
        assert_eq!(
            server.get_json(&format!("/api/products/{id}")).await.0,
            StatusCode::OK
        );
        asked.push(id);
    }
    let complete = eventually(Duration::from_secs(5), || async {
        a.get_json("/api/history").await.1.as_array().map(Vec::len) == Some(12)
    })
    .await;
    assert!(complete, "{}", a.get_json("/api/history").await.1);
    let history = a.get_json("/api/history").await.1;
    let order: Vec<&str> = history
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["query"].as_str())
        .collect();
    asked.reverse();
    assert_eq!(order, asked, "newest first, in the order they finished");
}

#[tokio::test]
async fn lookups_just_before_shutdown_reach_the_shared_stats() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    for _ in 0..3 {
        assert_eq!(app.get_json("/api/products/prod3").await.0, StatusCode::OK);
    }
    // Well inside the flusher's one-second period: only the shutdown flush
    // can have written these.
    app.stop().await;
    let mut conn = topo.master.conn().await;
    let counters: std::collections::HashMap<String, u64> = redis::cmd("HGETALL")
        .arg("stats:counters")
        .query_async(&mut conn)
        .await
        .expect("HGETALL");
    assert_eq!(counters.get("misses"), Some(&1), "{counters:?}");
    assert_eq!(counters.get("hits"), Some(&2), "{counters:?}");
}

#[tokio::test]
async fn history_is_capped() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    for n in 0..60 {
        app.get_json(&format!("/api/products/missing{n}")).await;
    }
    let full = eventually(Duration::from_secs(5), || async {
        app.get_json("/api/history")
            .await
            .1
            .as_array()
            .map(Vec::len)
            == Some(50)
    })
    .await;
    assert!(full);
    let mut conn = topo.master.conn().await;
    let stored = eventually(Duration::from_secs(5), || {
        let mut conn = conn.clone();
        async move {
            let len: u64 = redis::cmd("LLEN")
                .arg("stats:history")
                .query_async(&mut conn)
                .await
                .unwrap_or(0);
            len == 50
        }
    })
    .await;
    assert!(stored, "the Redis list is trimmed to 50");
    let _ = &mut conn;
}

#[tokio::test]
async fn a_failed_cache_write_never_fails_the_lookup() {
    let topo = Topology::start().await;
    // Load the catalog as the default user, then serve as an ACL user that
    // may read and write keys but not run scripts: every cache fill fails.
    app(&topo, &[]).await.stop().await;
    let mut conn = topo.master.conn().await;
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("noscripts")
        .arg("on")
        .arg(">s3cret")
        .arg("~*")
        .arg("&*")
        .arg("+@all")
        .arg("-@scripting")
        .query_async(&mut conn)
        .await
        .expect("ACL SETUSER");
    let url = format!("redis://noscripts:s3cret@127.0.0.1:{}", topo.master.port);
    let limited = TestApp::spawn_with(&url, &[], &["--seed-catalog", "false"]).await;
    for _ in 0..2 {
        let found = limited.lookup("prod1").await;
        assert_eq!(found.source, Source::Database);
        assert_eq!(found.data.id, "prod1");
        assert_eq!(found.ttl_s, 0, "nothing was cached");
    }
    let stats: Stats = limited.ok_as("/api/stats").await;
    assert_eq!(stats.fill_failures, 2, "{stats:?}");
    let cached: bool = redis::cmd("EXISTS")
        .arg("cache:product:prod1")
        .query_async(&mut conn)
        .await
        .expect("EXISTS");
    assert!(!cached);
}

async fn prices_that_differ_below_a_cent_share_one_cache_entry(stack: Stack) {
    let topo = &stack.topo;
    let app = on(&stack, &[]).await;
    let mut sources = Vec::new();
    for n in 1..=20 {
        let found = app.search(&format!("q=phone&min_price=0.{n:06}")).await;
        sources.push(found.source);
    }
    assert_eq!(sources[0], Source::Database);
    assert_eq!(sources[1], Source::Cache);
    assert!(sources[2..].iter().all(|s| is_hit(*s)), "{sources:?}");
    let keys = scan(&mut topo.master.conn().await, "cache:search:*:*").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    // Bounded keys: the longest query accepted makes a short key.
    let long = format!(
        "/api/search?q={}&category={}&min_price=999999999.99&max_price=1000000000&limit=100",
        (1..=8)
            .map(|n| format!("abcdefghijklmnopqrstuvw{n}"))
            .collect::<Vec<_>>()
            .join("+"),
        "c".repeat(40)
    );
    assert_eq!(app.get_json(&long).await.0, StatusCode::OK);
    let keys = scan(&mut topo.master.conn().await, "cache:search:*:*").await;
    assert!(keys.iter().all(|k| k.len() <= 512), "{keys:?}");
}

crate::both_stores!(
    a_miss_looks_in_redis_once_then_fills,
    miss_then_hit_with_ttl_bounds,
    entries_expire_after_their_ttl,
    equivalent_searches_share_one_entry,
    missing_ids_are_cached_briefly,
    writes_invalidate_products_and_searches,
    prices_that_differ_below_a_cent_share_one_cache_entry,
);
