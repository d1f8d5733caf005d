//! PostgreSQL as the system of record: the schema and its word index, the
//! `NOTIFY` invalidation path (writes made outside the app), PostgreSQL down
//! and back, bulk loads with `COPY`, and the same answers as the Redis store.

use crate::support::{decode, pg_proxy::PgProxy, Stack, Store, TestApp};
use app::types::{
    ApiErrorBody, CategoryCount, Cents, HealthStatus, ProductLookup, ProductPage, ProductWritten,
    Source, StoreKind,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TOKEN: &str = "pg-test-token";
/// Bounds short enough that a test waits little for a PostgreSQL that is
/// down or frozen.
const SHORT_PG_TIMEOUTS: [&str; 4] = [
    "--pg-connect-timeout-ms",
    "300",
    "--pg-statement-timeout-ms",
    "500",
];

async fn app(stack: &Stack, extra: &[&str]) -> TestApp {
    let mut args = vec!["--admin-token", TOKEN];
    args.extend_from_slice(extra);
    stack.app(&args).await
}

fn pg(stack: &Stack) -> &crate::support::pg::PgProcess {
    stack.pg.as_ref().expect("a PostgreSQL stack")
}

#[tokio::test]
async fn the_catalog_is_served_from_postgres() {
    let stack = Stack::start(Store::Postgres).await;
    let app = app(&stack, &[]).await;
    let row = app.db_product("prod1").await;
    assert_eq!(row.source, StoreKind::Postgres);
    assert_eq!(row.data.name, "Smartphone Premium");
    assert_eq!(row.data.price, Cents::new(89_999).expect("a price"));
    let rows = pg(&stack).psql("SELECT count(*) FROM products");
    let all: ProductPage = app.ok_as("/api/db/products?limit=1").await;
    assert_eq!(all.total.to_string(), rows);
    // The schema is versioned: every migration applied.
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations folder")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count()
        .to_string();
    assert_eq!(
        pg(&stack).psql("SELECT count(*) FROM _sqlx_migrations WHERE success"),
        migrations
    );

    // Through the cache: database first, then the cache.
    let first = app.lookup("prod1").await;
    let second = app.lookup("prod1").await;
    assert_eq!(first.source, Source::Database);
    assert_eq!(second.source, Source::Cache);
    assert_eq!(first.data, row.data);

    let (status, health) = app.health().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health.status, HealthStatus::Ok);
    let store = health.store.expect("the store's health");
    assert_eq!(store.kind, StoreKind::Postgres);
    assert!(store.up && store.latency_us.is_some(), "{store:?}");

    // A second server on the same database neither migrates again nor
    // loads the catalog twice.
    let again = app_again(&stack).await;
    assert_eq!(
        again.get_json("/api/db/product/prod1").await.0,
        StatusCode::OK
    );
    assert_eq!(
        pg(&stack).psql("SELECT count(*) FROM _sqlx_migrations"),
        migrations
    );
}

/// Looks `id` up until the cache answers it (a server drops every cached
/// product once when it starts listening, which may undo a first fill).
async fn warm(app: &TestApp, id: &str) {
    let cached = until(app, id, Duration::from_secs(3), |answer| {
        answer.as_ref().is_ok_and(|a| a.source == Source::Cache)
    })
    .await;
    assert!(cached.is_some(), "{id} never came from the cache");
}

/// Searches `query` until the cache answers it.
async fn warm_search(app: &TestApp, query: &str) {
    let cached = crate::support::eventually(Duration::from_secs(3), || async {
        app.search(query).await.source == Source::Cache
    })
    .await;
    assert!(cached, "{query} never came from the cache");
}

async fn app_again(stack: &Stack) -> TestApp {
    stack.app(&[]).await
}

/// What `GET /api/products/{id}` answered: the lookup, or the error.
type Answer = Result<ProductLookup, (StatusCode, ApiErrorBody)>;

async fn answer(app: &TestApp, id: &str) -> Answer {
    let (status, body) = app.get_json(&format!("/api/products/{id}")).await;
    if status == StatusCode::OK {
        Ok(decode(&body))
    } else {
        Err((status, decode(&body)))
    }
}

/// The product `answer` gives, if any.
fn product(answer: &Answer) -> Option<&app::types::Product> {
    answer.as_ref().ok().map(|a| &a.data)
}

/// Polls `GET /api/products/{id}` until `check` holds on its answer;
/// returns how long it took, or `None` after `within`.
async fn until(
    app: &TestApp,
    id: &str,
    within: Duration,
    check: impl Fn(&Answer) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if check(&answer(app, id).await) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// `dollars` as the API's cents.
fn cents(dollars: f64) -> Cents {
    Cents::from_dollars(dollars, "price").expect("a price")
}

#[tokio::test]
async fn a_change_typed_in_psql_reaches_every_cache_within_a_second() {
    let stack = Stack::start(Store::Postgres).await;
    let a = app(&stack, &[]).await;
    let b = app_again(&stack).await;
    for server in [&a, &b] {
        warm(server, "prod1").await;
        warm_search(server, "q=smartphone").await;
    }
    let cached = a.lookup("prod1").await;
    assert_ne!(cached.source, Source::Database);
    assert!(cached.ttl_s > 30, "a long TTL left: {cached:?}");

    pg(&stack).psql("UPDATE products SET price = 777.77 WHERE id = 'prod1'");
    for server in [&a, &b] {
        let took = until(server, "prod1", Duration::from_secs(1), |answer| {
            product(answer).is_some_and(|p| p.price == cents(777.77))
        })
        .await;
        assert!(
            took.is_some(),
            "the cache still served the old price after 1 s"
        );
        let found = server.search("q=smartphone").await;
        let prices: Vec<Cents> = found
            .items
            .iter()
            .filter(|p| p.id == "prod1")
            .map(|p| p.price)
            .collect();
        assert_eq!(prices, [cents(777.77)], "searches see the change too");
    }

    // A delete, and a statement touching every row (one '*' notification).
    pg(&stack).psql("DELETE FROM products WHERE id = 'prod1'");
    let gone = until(&a, "prod1", Duration::from_secs(1), |answer| {
        matches!(answer, Err((StatusCode::NOT_FOUND, _)))
    })
    .await;
    assert!(
        gone.is_some(),
        "a deleted product was still served after 1 s"
    );
    warm(&a, "prod2").await;
    pg(&stack).psql("UPDATE products SET in_stock = NOT in_stock");
    let before = a.db_product("prod2").await.data;
    let flipped = until(&a, "prod2", Duration::from_secs(1), |answer| {
        product(answer).is_some_and(|p| p.in_stock == before.in_stock)
    })
    .await;
    assert!(flipped.is_some(), "a bulk update did not reach the cache");
}

#[tokio::test]
async fn a_silent_listening_connection_is_detected_and_no_stale_price_outlives_it() {
    let stack = Stack::start(Store::Postgres).await;
    let a = app(&stack, &[]).await;
    warm(&a, "prod1").await;
    // Freeze the backend of the server's LISTEN session only (as a firewall
    // dropping an idle connection would): PostgreSQL keeps taking writes.
    let listener = pg(&stack).psql(
        "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    );
    let pids: Vec<&str> = listener.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(pids.len(), 1, "one listening session: {listener:?}");
    let freeze = |signal: &str| {
        let status = std::process::Command::new("kill")
            .args([signal, pids[0]])
            .status()
            .expect("kill");
        assert!(status.success());
    };
    freeze("-STOP");
    pg(&stack).psql("UPDATE products SET price = 777.77 WHERE id = 'prod1'");
    // Detected within the heartbeat's silence bound (1 s) plus a beat, then
    // answered from PostgreSQL (the cache is dark, then emptied).
    let took = until(&a, "prod1", Duration::from_secs(3), |answer| {
        product(answer).is_some_and(|p| p.price == cents(777.77))
    })
    .await;
    freeze("-CONT");
    let took = took.expect("the old price was served for 3 s with the LISTEN session frozen");
    assert!(took < Duration::from_millis(2_000), "took {took:?}");
    // It listens again on a new session, and the cache serves again.
    warm(&a, "prod1").await;
    pg(&stack).psql("UPDATE products SET price = 555.55 WHERE id = 'prod1'");
    let again = until(&a, "prod1", Duration::from_secs(1), |answer| {
        product(answer).is_some_and(|p| p.price == cents(555.55))
    })
    .await;
    assert!(
        again.is_some(),
        "notifications do not come through the new session"
    );
}

#[tokio::test]
async fn admin_writes_commit_then_invalidate() {
    let stack = Stack::start(Store::Postgres).await;
    let app = app(&stack, &[]).await;
    warm(&app, "prod1").await;
    let mut changed = app.db_product("prod1").await.data;
    changed.price = cents(12.34);
    let (status, written) = app
        .send(
            Method::PUT,
            "/api/db/product/prod1",
            Some(&json!(changed)),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{written}");
    assert!(!decode::<ProductWritten>(&written).created);
    // Committed first: the row holds it; then invalidated: the very next
    // lookup reads it.
    assert_eq!(
        pg(&stack).psql("SELECT price FROM products WHERE id = 'prod1'"),
        "12.34"
    );
    let next = app.lookup("prod1").await;
    assert_eq!(next.source, Source::Database);
    assert_eq!(next.data, changed);
    // The generated word column follows a rename made through the API.
    changed.name = "Zanzibar Phone".to_string();
    app.send(
        Method::PUT,
        "/api/db/product/prod1",
        Some(&json!(changed)),
        Some(TOKEN),
    )
    .await;
    let found = app.search("q=zanzibar").await;
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, "prod1");
}

/// A write whose statement is held on the wire is given up (503 or 504);
/// a later write then commits; when the held statement reaches PostgreSQL,
/// it must not overwrite that later write. Held at the write's first
/// statement (the revision read: nothing was sent that writes, so the write
/// is refused), then at its second (the conditional write: unknown).
#[tokio::test]
async fn a_write_given_up_never_lands_over_a_later_write() {
    let stack = Stack::start(Store::Postgres).await;
    let proxy = PgProxy::start(pg(&stack).port).await;
    let url = proxy.url();
    let mut args = vec![
        "--product-store",
        "postgres",
        "--database-url",
        &url,
        "--admin-token",
        TOKEN,
    ];
    args.extend_from_slice(&SHORT_PG_TIMEOUTS);
    let app =
        TestApp::spawn_with(&stack.topo.master.url(), &[stack.topo.replica.url()], &args).await;
    let mut product = app.db_product("prod1").await.data;
    for (statement, later, expected) in [
        (0, "Later One", StatusCode::SERVICE_UNAVAILABLE),
        (1, "Later Two", StatusCode::GATEWAY_TIMEOUT),
    ] {
        proxy.hold("prod1", statement);
        product.name = "Given Up".to_string();
        let (status, body) = app
            .send(
                Method::PUT,
                "/api/db/product/prod1",
                Some(&json!(product)),
                Some(TOKEN),
            )
            .await;
        assert_eq!(status, expected, "held at statement {statement}: {body}");
        pg(&stack).psql(&format!(
            "UPDATE products SET name = '{later}' WHERE id = 'prod1'"
        ));
        proxy.release();
        let landed = crate::support::eventually(Duration::from_millis(1_500), || async {
            pg(&stack).psql("SELECT name FROM products WHERE id = 'prod1'") != later
        })
        .await;
        assert!(
            !landed,
            "held at statement {statement}, the write given up ({status} {body}) landed after the later one: {}",
            pg(&stack).psql("SELECT name FROM products WHERE id = 'prod1'")
        );
    }
}

#[tokio::test]
async fn postgres_down_then_back() {
    let mut stack = Stack::start(Store::Postgres).await;
    let app = app(&stack, &SHORT_PG_TIMEOUTS).await;
    warm(&app, "prod1").await;

    stack.pg.as_mut().expect("pg").stop();
    // Hits keep answering.
    let hit = app.lookup("prod1").await;
    assert_ne!(hit.source, Source::Database, "{hit:?}");
    // A miss is a clear 503 within the bound.
    let started = Instant::now();
    let (status, miss): (_, ApiErrorBody) = app.get_as("/api/products/prod2").await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{miss:?}");
    let sentence = miss.error;
    assert!(sentence.contains("PostgreSQL"), "{sentence}");
    assert!(
        !sentence.contains("postgres://"),
        "the URL leaked: {sentence}"
    );
    assert!(took < Duration::from_millis(1_500), "took {took:?}");
    let (status, health) = app.health().await;
    assert_eq!(status, StatusCode::OK, "the master answers");
    assert_eq!(health.status, HealthStatus::Degraded);
    let store = health.store.expect("the store's health");
    assert!(!store.up && store.error.is_some(), "{store:?}");

    // Back: recovered by itself within 5 s.
    stack.pg.as_mut().expect("pg").restart().await;
    let back = until(&app, "prod2", Duration::from_secs(5), |answer| {
        product(answer).is_some_and(|p| p.id == "prod2")
    })
    .await;
    assert!(
        back.is_some(),
        "no recovery within 5 s of PostgreSQL's return: {:?}",
        answer(&app, "prod2").await
    );
    let store = app.health().await.1.store.expect("the store's health");
    assert!(store.up, "{store:?}");
    // And the listener listens again: a change in psql still arrives.
    warm(&app, "prod3").await;
    pg(&stack).psql("UPDATE products SET price = 1.23 WHERE id = 'prod3'");
    let seen = until(&app, "prod3", Duration::from_secs(3), |answer| {
        product(answer).is_some_and(|p| p.price == cents(1.23))
    })
    .await;
    assert!(seen.is_some(), "notifications stopped after the restart");
}

#[tokio::test]
async fn a_hung_postgres_gives_503_in_time() {
    let stack = Stack::start(Store::Postgres).await;
    let app = app(&stack, &SHORT_PG_TIMEOUTS).await;
    pg(&stack).pause();
    let started = Instant::now();
    let (status, body) = app.get_json("/api/products/prod5").await;
    let took = started.elapsed();
    pg(&stack).resume();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < Duration::from_millis(1_500), "took {took:?}");
    let back = until(&app, "prod5", Duration::from_secs(5), |answer| {
        product(answer).is_some_and(|p| p.id == "prod5")
    })
    .await;
    assert!(back.is_some());
}

#[tokio::test]
async fn cache_and_database_agree_after_random_writes() {
    let stack = Stack::start(Store::Postgres).await;
    let app = app(&stack, &[]).await;
    let ids: Vec<String> = (0..12).map(|n| format!("rnd{n}")).collect();
    let categories = ["books", "garden", "toys"];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for step in 0..200 {
        let id = &ids[(next() % ids.len() as u64) as usize];
        match next() % 4 {
            0 => {
                app.send(
                    Method::DELETE,
                    &format!("/api/db/product/{id}"),
                    None,
                    Some(TOKEN),
                )
                .await;
            }
            1 | 2 => {
                let product = json!({
                    "id": id, "name": format!("Random {} thing", next() % 50),
                    "price": (next() % 100_000) as f64 / 100.0,
                    "category": categories[(next() % 3) as usize],
                    "in_stock": next() % 2 == 0, "features": [format!("Step {step}")]
                });
                let (status, body) = app
                    .send(
                        Method::PUT,
                        &format!("/api/db/product/{id}"),
                        Some(&product),
                        Some(TOKEN),
                    )
                    .await;
                assert!(status.is_success(), "{body}");
            }
            _ => {
                app.get_json(&format!("/api/products/{id}")).await;
                app.get_json("/api/search?q=random&category=books").await;
            }
        }
    }
    for id in &ids {
        let (db_status, db) = app.get_json(&format!("/api/db/product/{id}")).await;
        let row = (db_status == StatusCode::OK).then(|| decode::<app::types::DbProduct>(&db).data);
        for _ in 0..2 {
            let answer = answer(&app, id).await;
            assert_eq!(product(&answer), row.as_ref(), "{id}: {answer:?}");
            if row.is_none() {
                assert!(matches!(answer, Err((StatusCode::NOT_FOUND, _))), "{id}");
            }
        }
    }
    let search = app.search("q=random&limit=100").await;
    let rows = pg(&stack).psql("SELECT count(*) FROM products WHERE id LIKE 'rnd%'");
    assert_eq!(search.total.to_string(), rows);
}

#[tokio::test]
async fn generate_copies_synthetic_products_that_search_finds() {
    let stack = Stack::start(Store::Postgres).await;
    let app = app(&stack, &[]).await;
    stack.run_command(&["generate", "--count", "300"]).await;
    assert_eq!(
        pg(&stack).psql("SELECT count(*) FROM products WHERE id LIKE 'syn-%'"),
        "300"
    );
    assert_eq!(app.search("q=synthetic&limit=1").await.total, 300);
    assert_eq!(app.lookup("syn-0000042").await.data.id, "syn-0000042");
}

#[tokio::test]
async fn both_stores_give_the_same_answers() {
    let (redis, postgres) = tokio::join!(Stack::start(Store::Redis), Stack::start(Store::Postgres));
    let (a, b) = tokio::join!(redis.app(&[]), postgres.app(&[]));
    // Listings and searches alike: the ids in order, and the total.
    let page = |body: &Value| -> (Vec<String>, u64) {
        let page: ProductPage = decode(body);
        let ids = page.items.iter().map(|p| p.id.to_string()).collect();
        (ids, page.total)
    };
    for path in [
        "/api/search?q=smartphone",
        "/api/search?q=premium%20smartphone",
        "/api/search?q=5G",
        "/api/search?q=water%20resistant",
        "/api/search?q=hdr-display",
        "/api/search?q=prod1",
        "/api/search?q=coffee&category=kitchen",
        "/api/search?q=&category=books&max_price=30",
        "/api/search?q=pro&min_price=100&limit=5",
        "/api/search?q=nothing-matches-this",
        "/api/db/products?limit=100",
        "/api/db/products?order=price_desc&limit=7&offset=3",
        "/api/db/products?category=electronics&min_price=50&max_price=900",
        "/api/db/products?offset=10000",
        "/api/db/categories",
    ] {
        let ((sa, ra), (sb, rb)) = tokio::join!(a.get_json(path), b.get_json(path));
        assert_eq!(sa, sb, "{path}");
        if path.ends_with("categories") {
            let (ra, rb): (Vec<CategoryCount>, Vec<CategoryCount>) = (decode(&ra), decode(&rb));
            assert_eq!(ra, rb, "{path}");
        } else {
            assert_eq!(page(&ra), page(&rb), "{path}");
        }
    }
}
