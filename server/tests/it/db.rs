//! The product database routes against real Redis: the documented
//! shapes, listings from the indexes, every input error, admin writes, index
//! consistency under random writes, persistence and replication.

use crate::support::{
    catalog::assert_consistent, decode, eventually, RedisProcess, Stack, Store, TestApp, Topology,
};
use app::types::{
    ApiErrorBody, CategoryCount, Cents, HealthReport, Product, ProductDeleted, ProductPage,
    ProductWritten, WriteOutcome,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const TOKEN: &str = "test-admin-token";

async fn app_with_token(topo: &Topology) -> TestApp {
    TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--admin-token", TOKEN],
    )
    .await
}

fn product(id: &str, price: f64, category: &str) -> Value {
    json!({
        "id": id, "name": format!("Test {id}"), "price": price,
        "category": category, "in_stock": true, "features": ["One", "Two"]
    })
}

async fn seed_product_has_the_seed_shape(stack: Stack) {
    let topo = &stack.topo;
    let app = stack.app(&[]).await;

    let (status, body) = app.get_json("/api/db/product/prod1").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "data": {
                "id": "prod1", "name": "Smartphone Premium", "price": 899.99,
                "category": "electronics", "in_stock": true,
                "features": ["5G", "HDR Display", "Water Resistant"]
            },
            "source": stack.source()
        })
    );
    if stack.store == Store::Postgres {
        return;
    }
    // Stored as documented: a JSON string with no TTL.
    let mut conn = topo.master.conn().await;
    let ttl: i64 = redis::cmd("TTL")
        .arg("db:product:prod1")
        .query_async(&mut conn)
        .await
        .expect("TTL");
    assert_eq!(ttl, -1);
    let kind: String = redis::cmd("TYPE")
        .arg("db:product:prod1")
        .query_async(&mut conn)
        .await
        .expect("TYPE");
    assert_eq!(kind, "string");
    assert_consistent(&mut conn).await;
}

async fn missing_and_malformed_ids(stack: Stack) {
    let app = stack.app(&[]).await;

    let (status, body) = app.get_json("/api/db/product/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        decode::<ApiErrorBody>(&body).error,
        "product \"nope\" not found"
    );

    for bad in ["bad%20id", "semi;colon", "%C3%A9t%C3%A9", &"x".repeat(65)] {
        let (status, body) = app.get_json(&format!("/api/db/product/{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        let error: ApiErrorBody = decode(&body);
        assert!(error.error.contains("product id"), "{bad}: {body}");
    }
}

async fn listing_filters_sorts_and_pages_from_the_indexes(stack: Stack) {
    let app = stack.app(&[]).await;
    let prices =
        |page: &ProductPage| -> Vec<Cents> { page.items.iter().map(|p| p.price).collect() };
    let listing = |query: &'static str| {
        let app = &app;
        async move {
            app.ok_as::<ProductPage>(&format!("/api/db/products{query}"))
                .await
        }
    };

    let all = listing("?limit=100").await;
    assert!(all.total >= 40);
    let ascending = prices(&all);
    assert_eq!(ascending.len() as u64, all.total);
    assert!(
        ascending.windows(2).all(|w| w[0] <= w[1]),
        "ascending by default"
    );

    let page = listing("").await;
    assert_eq!(page.items.len(), 20, "default limit");
    assert_eq!(page.total, all.total);

    let books = listing("?category=books&order=price_desc").await;
    let book_prices = prices(&books);
    assert_eq!(books.total, book_prices.len() as u64);
    assert!(book_prices.len() >= 3);
    assert!(book_prices.windows(2).all(|w| w[0] >= w[1]), "descending");
    assert!(books.items.iter().all(|p| p.category == "books"));

    let mid = listing("?min_price=100&max_price=200&limit=100").await;
    let range = Cents::new(10_000).expect("a price")..=Cents::new(20_000).expect("a price");
    let mid_prices = prices(&mid);
    assert!(!mid_prices.is_empty());
    assert!(mid_prices.iter().all(|p| range.contains(p)));
    let expected = ascending.iter().filter(|p| range.contains(*p)).count();
    assert_eq!(mid.total, expected as u64);

    // Pages tile the listing without gaps or overlaps.
    let first = listing("?category=electronics&limit=4").await;
    let second = listing("?category=electronics&limit=4&offset=4").await;
    let both = listing("?category=electronics&limit=8").await;
    assert_eq!([first.items, second.items].concat(), both.items);

    let empty = listing("?category=nosuchcategory").await;
    assert_eq!(
        empty,
        ProductPage {
            items: Vec::new(),
            total: 0
        }
    );
}

async fn listing_rejects_bad_queries_with_clear_errors(stack: Stack) {
    let app = stack.app(&[]).await;
    let cases = [
        ("min_price=abc", "min_price must be a number"),
        ("min_price=-1", "min_price must be a number from 0"),
        ("max_price=NaN", "max_price"),
        ("max_price=inf", "max_price"),
        ("min_price=50&max_price=10", "above max_price"),
        ("limit=0", "limit must be a whole number from 1 to 100"),
        ("limit=101", "limit must be a whole number from 1 to 100"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("order=name", "order must be price_asc or price_desc"),
        ("category=Not%20A%20Category", "category"),
    ];
    for (query, expected) in cases {
        let (status, body) = app.get_json(&format!("/api/db/products?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let error = decode::<ApiErrorBody>(&body).error;
        assert!(error.contains(expected), "{query}: {error}");
    }
}

async fn categories_count_their_products(stack: Stack) {
    let app = stack.app(&[]).await;
    let list: Vec<CategoryCount> = app.ok_as("/api/db/categories").await;
    assert!(list.len() >= 5);
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name");
    let sum: u64 = list.iter().map(|c| c.count).sum();
    let all: ProductPage = app.ok_as("/api/db/products").await;
    assert_eq!(sum, all.total);
    let books: ProductPage = app.ok_as("/api/db/products?category=books").await;
    let count = list.iter().find(|c| c.name == "books").map(|c| c.count);
    assert_eq!(count, Some(books.total));
}

async fn writes_need_the_admin_token(stack: Stack) {
    let read_only = stack.app(&[]).await;
    let body = product("new1", 10.0, "books");

    let (status, err) = read_only
        .send(
            Method::PUT,
            "/api/db/product/new1",
            Some(&body),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(decode::<ApiErrorBody>(&err).error.contains("ADMIN_TOKEN"));
    let (status, _) = read_only
        .send(Method::DELETE, "/api/db/product/prod1", None, Some(TOKEN))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let app = stack.app(&["--admin-token", TOKEN]).await;
    let (status, _) = app
        .send(Method::PUT, "/api/db/product/new1", Some(&body), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .send(
            Method::PUT,
            "/api/db/product/new1",
            Some(&body),
            Some("wrong"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .send(Method::DELETE, "/api/db/product/prod1", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_json("/api/db/product/new1").await.0,
        StatusCode::NOT_FOUND,
        "nothing written"
    );
    assert_eq!(
        app.get_json("/api/db/product/prod1").await.0,
        StatusCode::OK,
        "nothing deleted"
    );

    let (status, written) = app
        .send(
            Method::PUT,
            "/api/db/product/new1",
            Some(&body),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let created: ProductWritten = decode(&written);
    assert_eq!(created.data, decode::<Product>(&body));
    assert!(created.created);
    // How many replicas confirmed it is timing; writes_say_how_many_... checks it.
    assert!(created.replicas_acked <= created.replicas, "{written}");
    let (status, written) = app
        .send(
            Method::PUT,
            "/api/db/product/new1",
            Some(&body),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!decode::<ProductWritten>(&written).created);
}

async fn bad_bodies_are_400_with_a_reason(stack: Stack) {
    let app = stack.app(&["--admin-token", TOKEN]).await;
    let put = |body: Value| {
        let app = &app;
        async move {
            app.send(Method::PUT, "/api/db/product/p1", Some(&body), Some(TOKEN))
                .await
        }
    };
    let mut too_many = product("p1", 1.0, "books");
    too_many["features"] = json!(vec!["f"; 21]);
    let cases = [
        (product("other", 1.0, "books"), "differs from the path"),
        (
            json!({"id": "p1", "name": "", "price": 1.0, "category": "books", "in_stock": true}),
            "name must not be empty",
        ),
        (
            json!({"id": "p1", "name": "x".repeat(201), "price": 1.0, "category": "books", "in_stock": true}),
            "name has at most",
        ),
        (product("p1", -5.0, "books"), "price must be a number"),
        (
            json!({"id": "p1", "name": "n", "price": "12", "category": "books", "in_stock": true}),
            "invalid product JSON",
        ),
        (
            json!({"id": "p1", "name": "n", "price": 1.0, "category": "Books!", "in_stock": true}),
            "category",
        ),
        (
            json!({"id": "p1", "name": "n", "price": 1.0}),
            "invalid product JSON",
        ),
        (too_many, "at most 20 features"),
    ];
    for (body, expected) in cases {
        let (status, answer) = put(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let error = decode::<ApiErrorBody>(&answer).error;
        assert!(error.contains(expected), "{body}: {error}");
    }

    let raw = |body: String, content_type: &'static str| {
        let app = &app;
        async move {
            let response = app
                .http
                .put(app.url("/api/db/product/p1"))
                .bearer_auth(TOKEN)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("answers");
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, answer) = raw("{\"id\": \"p1\",".to_string(), "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(decode::<ApiErrorBody>(&answer)
        .error
        .contains("malformed JSON"));
    let (status, answer) = raw(product("p1", 1.0, "books").to_string(), "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let _: ApiErrorBody = decode(&answer);
    let huge = format!("{{\"id\":\"p1\",\"name\":\"{}\"}}", "x".repeat(100_000));
    let (status, answer) = raw(huge, "application/json").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let _: ApiErrorBody = decode(&answer);
    assert_eq!(
        app.get_json("/api/db/product/p1").await.0,
        StatusCode::NOT_FOUND,
        "nothing written"
    );
}

#[tokio::test]
async fn writes_move_the_product_in_every_index() {
    let topo = Topology::start().await;
    let app = app_with_token(&topo).await;
    let mut conn = topo.master.conn().await;
    let put = |body: Value| {
        let app = &app;
        async move {
            app.send(
                Method::PUT,
                "/api/db/product/mover",
                Some(&body),
                Some(TOKEN),
            )
            .await
            .0
        }
    };

    assert_eq!(
        put(product("mover", 10.0, "books")).await,
        StatusCode::CREATED
    );
    assert_eq!(put(product("mover", 20.0, "toys")).await, StatusCode::OK);
    let products = assert_consistent(&mut conn).await;
    assert_eq!(products["mover"]["category"], "toys");
    let in_books: bool = redis::cmd("SISMEMBER")
        .arg("db:category:books")
        .arg("mover")
        .query_async(&mut conn)
        .await
        .expect("SISMEMBER");
    assert!(!in_books, "left its old category");
    let score: f64 = redis::cmd("ZSCORE")
        .arg("db:products:by_price")
        .arg("mover")
        .query_async(&mut conn)
        .await
        .expect("ZSCORE");
    assert_eq!(score, 20.0);

    // A category that loses its last product disappears from the listing.
    assert_eq!(put(product("mover", 20.0, "lonely")).await, StatusCode::OK);
    assert!(app.category_names().await.contains(&"lonely".to_string()));
    let (status, body) = app
        .send(Method::DELETE, "/api/db/product/mover", None, Some(TOKEN))
        .await;
    assert_eq!(status, StatusCode::OK);
    let deleted: ProductDeleted = decode(&body);
    assert_eq!(deleted.deleted.as_str(), "mover");
    assert!(deleted.replicas_acked <= deleted.replicas, "{body}");
    assert!(!app.category_names().await.contains(&"lonely".to_string()));
    let (status, _) = app
        .send(Method::DELETE, "/api/db/product/mover", None, Some(TOKEN))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_consistent(&mut conn).await;
}

/// Property: after any sequence of creates, updates and deletes, every index
/// agrees with the records, and the records match a simple model. Random
/// sequences from fixed seeds (a failure names its seed).
#[tokio::test]
async fn indexes_stay_consistent_under_random_writes() {
    let topo = Topology::start().await;
    let app = app_with_token(&topo).await;
    let mut conn = topo.master.conn().await;
    let categories = ["books", "toys", "garden", "music"];
    for seed in [1u64, 7, 42] {
        let mut rng = seed;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut model = std::collections::BTreeMap::new();
        for step in 0..150 {
            let id = format!("rnd{}", next(12));
            if next(4) == 0 {
                let (status, _) = app
                    .send(
                        Method::DELETE,
                        &format!("/api/db/product/{id}"),
                        None,
                        Some(TOKEN),
                    )
                    .await;
                let expected = if model.remove(&id).is_some() {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(status, expected, "seed {seed} step {step}: delete {id}");
            } else {
                let price = next(100_000) as f64 / 100.0;
                let category = categories[next(4) as usize];
                let body = product(&id, price, category);
                let (status, _) = app
                    .send(
                        Method::PUT,
                        &format!("/api/db/product/{id}"),
                        Some(&body),
                        Some(TOKEN),
                    )
                    .await;
                let expected = if model.insert(id.clone(), body).is_some() {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                assert_eq!(status, expected, "seed {seed} step {step}: put {id}");
            }
        }
        let stored = assert_consistent(&mut conn).await;
        for (id, body) in &model {
            assert_eq!(&stored[id], body, "seed {seed}: {id}");
        }
        let random_ids = stored.keys().filter(|id| id.starts_with("rnd")).count();
        assert_eq!(random_ids, model.len(), "seed {seed}: no stray products");
        for id in model.keys() {
            app.send(
                Method::DELETE,
                &format!("/api/db/product/{id}"),
                None,
                Some(TOKEN),
            )
            .await;
        }
    }
}

async fn catalog_load_is_idempotent_and_keeps_user_edits(stack: Stack) {
    let topo = &stack.topo;
    let app = stack.app(&["--admin-token", TOKEN]).await;
    let mut edited = product("prod3", 1.0, "electronics");
    edited["name"] = json!("Edited by a user");
    app.send(
        Method::PUT,
        "/api/db/product/prod3",
        Some(&edited),
        Some(TOKEN),
    )
    .await;
    app.send(Method::DELETE, "/api/db/product/prod2", None, Some(TOKEN))
        .await;
    drop(app);

    // A restarted server loads the catalog again: edits and deletions stay.
    let again = stack.app(&["--admin-token", TOKEN]).await;
    assert_eq!(
        again.db_product("prod3").await.data.name,
        "Edited by a user"
    );
    assert_eq!(
        again.get_json("/api/db/product/prod2").await.0,
        StatusCode::NOT_FOUND
    );

    // The explicit re-seed (the `seed --force` command) restores the
    // catalog as shipped.
    stack.run_command(&["seed", "--force"]).await;
    assert_eq!(again.db_product("prod3").await.data.name, "Ultrabook 14\"");
    assert_eq!(
        again.get_json("/api/db/product/prod2").await.0,
        StatusCode::OK
    );
    if stack.store == Store::Redis {
        assert_consistent(&mut topo.master.conn().await).await;
    }
}

#[tokio::test]
async fn generator_writes_consistent_synthetic_products() {
    let master = RedisProcess::master().await;
    let db = product_db(&master.url(), Duration::from_secs(5));
    assert_eq!(db.generate(2_500).await.expect("generate"), 2_500);
    let mut conn = master.conn().await;
    let products = assert_consistent(&mut conn).await;
    assert_eq!(products.len(), 2_500);
    assert_eq!(products["syn-0002500"]["id"], "syn-0002500");
    let page = db.list(&Default::default()).await.expect("list");
    assert_eq!(page.total, 2_500);
}

#[tokio::test]
async fn products_survive_a_master_restart_with_aof() {
    let mut master = RedisProcess::master_with_aof().await;
    let app = TestApp::spawn_with(&master.url(), &[], &["--admin-token", TOKEN]).await;
    let body = product("durable1", 42.0, "garden");
    assert_eq!(
        app.send(
            Method::PUT,
            "/api/db/product/durable1",
            Some(&body),
            Some(TOKEN)
        )
        .await
        .0,
        StatusCode::CREATED
    );

    master.kill();
    master.restart().await;

    let back = eventually(Duration::from_secs(5), || async {
        app.get_json("/api/db/product/durable1").await.0 == StatusCode::OK
    })
    .await;
    assert!(back, "product lost across the restart");
    assert_eq!(
        app.db_product("durable1").await.data,
        decode::<Product>(&body)
    );
    assert_eq!(
        app.get_json("/api/db/product/prod1").await.0,
        StatusCode::OK,
        "catalog survived too"
    );
    assert_consistent(&mut master.conn().await).await;
}

#[tokio::test]
async fn products_written_on_the_master_read_back_on_the_replica() {
    let topo = Topology::start().await;
    let app = app_with_token(&topo).await;
    let body = product("replicated1", 5.0, "books");
    app.send(
        Method::PUT,
        "/api/db/product/replicated1",
        Some(&body),
        Some(TOKEN),
    )
    .await;
    let same = |v: &str| serde_json::from_str::<Value>(v).ok().as_ref() == Some(&body);
    assert!(
        topo.replica.sees("db:product:replicated1", same).await,
        "the replica never got the product"
    );
    let mut replica = topo.replica.conn().await;
    assert_consistent(&mut replica).await;
}

/// The product database on one master, as the maintenance commands open it.
fn product_db(url: &str, timeout: Duration) -> cachescope::catalog::ProductDb {
    let connect = cachescope::topology::Connect::new(timeout, Duration::from_millis(250));
    let topology = cachescope::topology::Topology::new(url, [], &connect).expect("topology");
    cachescope::catalog::ProductDb::new(&topology, Duration::from_millis(250))
}

#[tokio::test]
async fn writes_say_how_many_replicas_confirmed_them() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &[
            "--admin-token",
            TOKEN,
            "--metrics-tick-ms",
            "100",
            // Generous, so a busy test machine never misses the healthy ack.
            "--write-wait-ms",
            "1500",
        ],
    )
    .await;
    let put = |id: &'static str| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let (status, body) = app
                .send(
                    Method::PUT,
                    &format!("/api/db/product/{id}"),
                    Some(&product(id, 1.0, "durable")),
                    Some(TOKEN),
                )
                .await;
            (status, body, started.elapsed())
        }
    };
    // Once the collector has seen the replica linked, writes wait for it.
    let linked = crate::support::eventually(Duration::from_secs(5), || async {
        let (status, body, _) = put("d-0").await;
        status.is_success() && decode::<ProductWritten>(&body).replicas == 1
    })
    .await;
    assert!(linked, "the server never counted the replica");
    let (status, body, _) = put("d-1").await;
    assert_eq!(status, StatusCode::CREATED);
    let written: ProductWritten = decode(&body);
    assert_eq!(
        (written.replicas_acked, written.replicas, written.durable),
        (1, 1, true),
        "{body}"
    );

    // A replica that cannot answer: the write still succeeds on the master,
    // after WRITE_WAIT_MS, and says that no replica confirmed it.
    let sleeper = topo.replica.hang(2).await;
    let (status, body, took) = put("d-2").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let written: ProductWritten = decode(&body);
    assert_eq!(
        (written.replicas_acked, written.replicas, written.durable),
        (0, 1, false),
        "{body}"
    );
    assert!(
        took >= Duration::from_millis(1_500),
        "WAIT returned after {took:?}"
    );
    assert!(took < Duration::from_millis(2_500), "WAIT took {took:?}");
    sleeper.await.expect("sleeper");

    // Deletes say the same, once the collector has seen the replica back.
    let back = crate::support::eventually(Duration::from_secs(5), || async {
        let (status, body, _) = put("d-3").await;
        status.is_success() && decode::<ProductWritten>(&body).replicas_acked == 1
    })
    .await;
    assert!(back, "the replica was never counted again");
    let (status, body) = app
        .send(Method::DELETE, "/api/db/product/d-1", None, Some(TOKEN))
        .await;
    assert_eq!(status, StatusCode::OK);
    let deleted: ProductDeleted = decode(&body);
    assert_eq!(deleted.deleted.as_str(), "d-1");
    assert_eq!(
        (deleted.replicas_acked, deleted.replicas, deleted.durable),
        (1, 1, true),
        "{body}"
    );

    // A replica that is down still counts: the write is applied, said to be
    // confirmed by 0 of 1, and not durable (never "0 of 0").
    let mut topo = topo;
    topo.replica.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body, _) = put("d-4").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let written: ProductWritten = decode(&body);
    assert_eq!(
        (written.replicas_acked, written.replicas, written.durable),
        (0, 1, false),
        "{body}"
    );
}

/// A write sent to a master that then hangs is answered "unknown" (504),
/// not "refused": it is applied once the master wakes up.
#[tokio::test]
async fn a_write_to_a_hung_master_is_unknown_not_refused() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--admin-token", TOKEN, "--write-wait-ms", "100"],
    )
    .await;
    // The writer connection is open (the write below is sent, not dialled).
    let (status, _) = app
        .send(
            Method::PUT,
            "/api/db/product/hung-0",
            Some(&product("hung-0", 1.0, "durable")),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // A master that answers reads but holds writes (CLIENT PAUSE WRITE): the
    // write's plan is read, its script is sent, and no answer comes.
    let mut admin = topo.master.conn().await;
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(2000)
        .arg("WRITE")
        .query_async(&mut admin)
        .await
        .expect("client pause");
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/db/product/hung-1",
            Some(&product("hung-1", 1.0, "durable")),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    let failed: ApiErrorBody = decode(&body);
    assert_eq!(failed.outcome, Some(WriteOutcome::Unknown), "{body}");
    assert!(failed.error.contains("may have been applied"), "{body}");
    // Unknown means either: here the server gave up on that connection, and
    // Redis drops a paused command with its client, so it was not applied;
    // whichever it is, the product reads whole once the pause ends.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, body) = app.get_json("/api/db/product/hung-1").await;
    assert!(
        status == StatusCode::OK || status == StatusCode::NOT_FOUND,
        "{status} {body}"
    );
    // A master that answers nothing: the write cannot even be planned, is
    // never sent, and says so (refused, not unknown), and is never applied.
    let sleeper = topo.master.hang(2).await;
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/db/product/hung-2",
            Some(&product("hung-2", 1.0, "durable")),
            Some(TOKEN),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_ne!(
        decode::<ApiErrorBody>(&body).outcome,
        Some(WriteOutcome::Unknown),
        "{body}"
    );
    sleeper.await.expect("sleeper");
    let answered = crate::support::eventually(Duration::from_secs(5), || async {
        app.get_json("/api/db/product/hung-2").await.0 != StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert!(answered, "the master answers again");
    assert_eq!(
        app.get_json("/api/db/product/hung-2").await.0,
        StatusCode::NOT_FOUND,
        "a write never sent was applied"
    );
}

/// Until the built-in catalog is loaded the server is not ready, and a
/// product it does not find yet is not called missing.
#[tokio::test]
async fn a_server_that_cannot_load_the_catalog_yet_is_not_ready() {
    let topo = Topology::start().await;
    // The "master" given is the (empty, read-only) replica: the load is
    // refused and retried in the background.
    let app = TestApp::spawn_with(&topo.replica.url(), &[], &[]).await;
    let (status, body) = app.get_json("/api/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(!decode::<HealthReport>(&body).ready, "{body}");
    let (status, body) = app.get_json("/api/products/prod1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        decode::<ApiErrorBody>(&body).error.contains("starting"),
        "{body}"
    );
}

crate::both_stores!(
    seed_product_has_the_seed_shape,
    missing_and_malformed_ids,
    listing_filters_sorts_and_pages_from_the_indexes,
    listing_rejects_bad_queries_with_clear_errors,
    categories_count_their_products,
    writes_need_the_admin_token,
    bad_bodies_are_400_with_a_reason,
    catalog_load_is_idempotent_and_keeps_user_edits,
);
