//! Access control, as a hostile client tries it against a Redis that also
//! holds other applications' data: the key browser shows nothing to the
//! public, viewers only their prefixes, nobody sessions or rate-limit keys;
//! values are cut in Redis with their true sizes; sessions live in Redis
//! (across instances and restarts, with CSRF on cookie writes, rotation and
//! sign-out ending them); the public live feed carries no one's searches.

use crate::support::{TestApp, Topology};
use futures::StreamExt;
use redis::AsyncCommands;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
};

const VIEWER: &str = "viewer-token-1";
const ADMIN: &str = "admin-token-1";
const SECRET: &str = "SECRET-session-value";

async fn app(topo: &Topology, extra: &[&str]) -> TestApp {
    let mut args = vec!["--viewer-token", VIEWER, "--admin-token", ADMIN];
    args.extend_from_slice(extra);
    TestApp::spawn_with(&topo.master.url(), &[topo.replica.url()], &args).await
}

/// Another application's data beside ours.
async fn foreign_keys(topo: &Topology) {
    let mut redis = topo.master.conn().await;
    let _: () = redis.set("session:abc", SECRET).await.expect("set");
    let _: () = redis
        .hset("user:1", "password", "hunter2")
        .await
        .expect("hset");
    let _: () = redis
        .set("ratelimit:api:203.0.113.9", "1")
        .await
        .expect("set");
}

/// GETs `path` with optional headers: status and body text.
async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = app.http.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("server answers");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

/// Every key a full scan shows `headers`' caller, and the hidden count.
async fn scan_all(app: &TestApp, headers: &[(&str, &str)]) -> (Vec<String>, u64) {
    let (mut cursor, mut keys, mut hidden) = (0u64, Vec::new(), 0u64);
    loop {
        let (status, text) = get(
            app,
            &format!("/api/keys?cursor={cursor}&count=1000"),
            headers,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let page: Value = serde_json::from_str(&text).expect("json");
        for key in page["keys"].as_array().expect("keys") {
            keys.push(key["key"].as_str().expect("name").to_string());
        }
        hidden += page["hidden"].as_u64().expect("hidden");
        cursor = page["cursor"].as_u64().expect("cursor");
        if cursor == 0 {
            return (keys, hidden);
        }
    }
}

#[tokio::test]
async fn the_public_reads_no_key_viewers_only_their_prefixes_and_nobody_sessions() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    foreign_keys(&topo).await;

    for path in [
        "/api/keys/value?key=session:abc",
        "/api/keys/value?key=user:1",
        "/api/keys?match=ratelimit:*",
        "/api/keys",
    ] {
        let (status, text) = get(&app, path, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {text}");
        assert!(!text.contains(SECRET) && !text.contains("203.0.113.9"));
    }
    let (_, page) = get(&app, "/keys?key=session:abc", &[]).await;
    assert!(!page.contains(SECRET), "the server-rendered page shows it");
    let (_, page) = get(&app, "/keys?key=user:1", &[]).await;
    assert!(
        !page.contains("hunter2"),
        "the server-rendered page shows it"
    );

    let (name, value) = bearer(VIEWER);
    let viewer = [(name, value.as_str())];
    let (status, text) = get(&app, "/api/keys/value?key=db:product:prod1", &viewer).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    for key in ["user:1", "session:abc", "ratelimit:api:203.0.113.9"] {
        let (status, text) = get(&app, &format!("/api/keys/value?key={key}"), &viewer).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{key}: {text}");
        assert!(!text.contains(SECRET) && !text.contains("hunter2"));
    }
    let (keys, hidden) = scan_all(&app, &viewer).await;
    assert!(!keys.is_empty());
    assert!(
        keys.iter()
            .all(|k| k.starts_with("db:") || k.starts_with("cache:")),
        "{keys:?}"
    );
    assert!(hidden >= 3, "the foreign keys are counted as hidden");
    // A viewer's step looks at no more than 100 keys, whatever it asks.
    let (_, text) = get(&app, "/api/keys?count=1000", &viewer).await;
    let page: Value = serde_json::from_str(&text).expect("json");
    let seen =
        page["keys"].as_array().map_or(0, Vec::len) as u64 + page["hidden"].as_u64().unwrap_or(0);
    assert!(seen <= 200, "a step of count=1000 looked at {seen} keys");

    let (name, value) = bearer(ADMIN);
    let admin = [(name, value.as_str())];
    let (status, text) = get(&app, "/api/keys/value?key=user:1", &admin).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.contains("hunter2"),
        "admins see other applications' keys"
    );
    for key in ["session:abc", "ratelimit:api:203.0.113.9"] {
        let (status, _) = get(&app, &format!("/api/keys/value?key={key}"), &admin).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{key} is shown to nobody");
    }
    let (keys, _) = scan_all(&app, &admin).await;
    assert!(keys.iter().any(|k| k == "user:1"));
    assert!(!keys
        .iter()
        .any(|k| k.starts_with("session:") || k.starts_with("ratelimit:")));

    let (status, _) = get(&app, "/api/keys", &[("authorization", "Bearer wrong")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Dashboard details and everyone's searches are for viewers too.
    for path in ["/api/replication", "/api/history", "/metrics"] {
        assert_eq!(
            get(&app, path, &[]).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        // (503 before the first tick: not a refusal.)
        let status = get(&app, path, &viewer).await.0;
        assert!(
            status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
            "{path}"
        );
    }
    // Health is public, the network layout is not.
    let (_, public_health) = get(&app, "/api/health", &[]).await;
    assert!(
        !public_health.contains(&topo.master.addr()),
        "{public_health}"
    );
    assert!(
        public_health.contains("\"role\":\"master\""),
        "{public_health}"
    );
    let (_, viewer_health) = get(&app, "/api/health", &viewer).await;
    assert!(
        viewer_health.contains(&topo.master.addr()),
        "{viewer_health}"
    );
    // What is public stays public.
    for path in ["/api/products/prod1", "/api/stats", "/api/health", "/"] {
        assert!(get(&app, path, &[]).await.0.is_success(), "{path}");
    }
}

/// With no viewer token, a server listening beyond loopback shows no key to
/// anyone without the admin token (the finding: any key's value, to anyone).
#[tokio::test]
async fn viewer_pages_are_closed_beyond_loopback_without_a_viewer_token() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--addr", "0.0.0.0:0", "--allowed-hosts", "127.0.0.1"],
    )
    .await;
    foreign_keys(&topo).await;
    let (status, text) = get(&app, "/api/keys/value?key=session:abc", &[]).await;
    assert!(!text.contains(SECRET), "{text}");
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("VIEWER_TOKEN"), "{text}");
    let (status, text) = get(&app, "/api/keys?match=ratelimit:*", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!text.contains("203.0.113.9"));
    let (_, page) = get(&app, "/keys?key=session:abc", &[]).await;
    assert!(!page.contains(SECRET));
    assert!(
        page.contains("VIEWER_TOKEN"),
        "the page says why it is closed"
    );
    let (_, session) = get(&app, "/api/session", &[]).await;
    let session: Value = serde_json::from_str(&session).expect("json");
    assert_eq!(session["role"], "public");
    assert_eq!(session["viewer_access"], "closed");
}

#[tokio::test]
async fn values_are_cut_in_redis_with_their_true_sizes() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--key-browser-prefixes", "big:"],
    )
    .await;
    let mut redis = topo.master.conn().await;
    let element = "x".repeat(1 << 20);
    for _ in 0..50 {
        let _: () = redis.rpush("big:list", &element).await.expect("rpush");
    }
    let _: () = redis
        .hset("big:hash", "f".repeat(3000), &element)
        .await
        .expect("hset");
    let _: () = redis.set("big:string", &element).await.expect("set");
    let _: () = redis
        .sadd("big:set", vec!["é".repeat(600), "small".to_string()])
        .await
        .expect("sadd");

    let sent_before = net_output_bytes(&topo).await;
    let (status, text) = get(&app, "/api/keys/value?key=big:list", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.len() < 80 * 1024, "a {} byte answer", text.len());
    let list: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(list["length"], 50);
    assert_eq!(list["truncated"], true);
    let items = list["items"].as_array().expect("items");
    assert!(
        !items.is_empty() && items.len() <= 64,
        "{} shown",
        items.len()
    );
    for item in items {
        assert_eq!(item["bytes"], 1 << 20, "the true size");
        assert_eq!(item["cut"], true);
        assert!(item["value"].as_str().expect("value").len() <= 1024);
    }
    let sent = net_output_bytes(&topo).await - sent_before;
    assert!(
        sent < 1 << 20,
        "Redis sent {sent} bytes for one bounded view"
    );

    let (_, text) = get(&app, "/api/keys/value?key=big:hash", &[]).await;
    let hash: Value = serde_json::from_str(&text).expect("json");
    let item = &hash["items"][0];
    assert_eq!(
        (item["bytes"].as_u64(), item["field_bytes"].as_u64()),
        (Some(1 << 20), Some(3000))
    );
    assert!(item["field"].as_str().expect("field").len() <= 1024);

    let (_, text) = get(&app, "/api/keys/value?key=big:string", &[]).await;
    let string: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(string["length"], 1 << 20);
    assert_eq!(string["truncated"], true);
    assert_eq!(string["text"].as_str().map(str::len), Some(65_536));

    // A cut never ends in half a character: 1,200 bytes of "é" cut to 1,024.
    let (_, text) = get(&app, "/api/keys/value?key=big:set", &[]).await;
    let set: Value = serde_json::from_str(&text).expect("json");
    let long = set["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["bytes"] == 1200)
        .expect("the long member");
    assert_eq!(long["value"].as_str().map(str::len), Some(1024));
    assert!(!long["value"].as_str().unwrap_or("").contains('\u{fffd}'));

    let (_, page) = get(&app, "/keys?key=big:list", &[]).await;
    assert!(
        page.contains("data-testid=\"value-cut\""),
        "the page says the value is cut"
    );
    assert!(page.len() < 400 * 1024, "a {} byte page", page.len());
}

async fn net_output_bytes(topo: &Topology) -> i64 {
    // What clients were sent: the replication stream to the replica (the
    // 50 MB written above) is not a client's answer.
    topo.master
        .info_number("stats", "total_net_output_bytes")
        .await
        - topo
            .master
            .info_number("stats", "total_net_repl_output_bytes")
            .await
}

/// The session cookie of a sign-in answer (`name=value`), and the whole
/// `Set-Cookie` line.
async fn sign_in(app: &TestApp, token: &str) -> (String, String) {
    let response = app
        .http
        .post(app.url("/api/session"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let line = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_string();
    let pair = line.split(';').next().unwrap_or_default().to_string();
    (pair, line)
}

async fn session_of(app: &TestApp, cookie: &str) -> Value {
    let (status, text) = get(app, "/api/session", &[("cookie", cookie)]).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("json")
}

#[tokio::test]
async fn sessions_live_in_redis_across_instances_and_end_at_sign_out_or_rotation() {
    let topo = Topology::start().await;
    let first = app(&topo, &[]).await;
    let second = app(&topo, &[]).await;

    let response = first
        .http
        .post(first.url("/api/session"))
        .json(&json!({ "token": "wrong" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    let (cookie, line) = sign_in(&first, VIEWER).await;
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    assert!(
        line.contains("Path=/") && !line.contains("Secure"),
        "{line}"
    );
    let id = cookie
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    assert_eq!(id.len(), 64);

    // Kept in Redis under the id's digest, with the idle TTL.
    let mut redis = topo.master.conn().await;
    let keys: Vec<String> = redis::cmd("SCAN")
        .arg(0)
        .arg("MATCH")
        .arg("session:*")
        .arg("COUNT")
        .arg(1000)
        .query_async::<(u64, Vec<String>)>(&mut redis)
        .await
        .expect("scan")
        .1;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(!keys[0].contains(&id), "Redis holds the id itself");
    let ttl: i64 = redis.pttl(&keys[0]).await.expect("pttl");
    assert!(ttl > 0 && ttl <= 8 * 3600 * 1000, "{ttl}");

    // Another instance knows it, and it opens viewer routes there.
    let seen = session_of(&second, &cookie).await;
    assert_eq!(seen["role"], "viewer");
    assert_eq!(seen["credential"], "session");
    assert!(seen["csrf_token"].as_str().is_some_and(|t| t.len() == 64));
    let (status, _) = get(&second, "/api/keys?match=db:*", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    // A viewer session cannot write.
    let (status, _) = write(&second, &cookie, seen["csrf_token"].as_str()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A restart keeps it.
    drop(first);
    let third = app(&topo, &[]).await;
    assert_eq!(session_of(&third, &cookie).await["role"], "viewer");

    // Admin sessions write with the CSRF header only.
    let (admin, _) = sign_in(&third, ADMIN).await;
    let info = session_of(&third, &admin).await;
    assert_eq!(info["role"], "admin");
    let csrf = info["csrf_token"].as_str().expect("csrf").to_string();
    assert_eq!(write(&third, &admin, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        write(&third, &admin, Some("0".repeat(64).as_str())).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = write(&third, &admin, Some(&csrf)).await;
    assert!(status.is_success(), "{status} {body}");

    // Signing out needs the CSRF header, deletes the key, clears the cookie.
    let out = |csrf: Option<String>| {
        let mut request = third
            .http
            .delete(third.url("/api/session"))
            .header("cookie", admin.clone());
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.send()
    };
    assert_eq!(
        out(None).await.expect("answer").status(),
        StatusCode::FORBIDDEN
    );
    let response = out(Some(csrf)).await.expect("answer");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(session_of(&third, &admin).await["role"], "public");

    // A new viewer token ends the sessions the old one opened.
    let rotated = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--viewer-token", "viewer-token-2", "--admin-token", ADMIN],
    )
    .await;
    assert_eq!(session_of(&rotated, &cookie).await["role"], "public");
    assert_eq!(session_of(&second, &cookie).await["role"], "viewer");
}

/// A product write with a session cookie and an optional CSRF header.
async fn write(app: &TestApp, cookie: &str, csrf: Option<&str>) -> (StatusCode, String) {
    let body = json!({
        "id": "sess1", "name": "Session test", "price": 1.5,
        "category": "books", "features": [], "in_stock": true
    });
    let mut request = app
        .http
        .request(Method::PUT, app.url("/api/db/product/sess1"))
        .header("cookie", cookie)
        .json(&body);
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    let response = request.send().await.expect("answer");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The first message of a WebSocket (the snapshot), and whether a `lookup`
/// batch follows within `within`.
async fn snapshot_and_lookups(
    app: &TestApp,
    auth: Option<&str>,
    within: Duration,
) -> (Value, bool) {
    let mut request = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .expect("request");
    if let Some(token) = auth {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
    }
    let (mut socket, _) = connect_async(request).await.expect("ws connects");
    let mut snapshot = Value::Null;
    let mut lookups = false;
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        // Lookups meanwhile, from another client.
        let _ = get(app, "/api/products/prod2", &[]).await;
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(left.min(Duration::from_millis(300)), socket.next()).await
        else {
            continue;
        };
        let message: Value = serde_json::from_str(text.as_str()).expect("json");
        match message["type"].as_str() {
            Some("snapshot") => snapshot = message,
            Some("lookup") => lookups = true,
            Some("metrics") if auth.is_none() => {
                assert_eq!(message["nodes"], json!([]), "a public tick names no node");
            }
            _ => {}
        }
    }
    (snapshot, lookups)
}

#[tokio::test]
async fn the_public_feed_carries_no_ones_searches_and_no_node_details() {
    let topo = Topology::start().await;
    let app = app(&topo, &["--metrics-tick-ms", "200"]).await;
    for _ in 0..3 {
        let _ = get(&app, "/api/products/prod1", &[]).await;
    }
    // The history is written to Redis after the answer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (public, public_lookups) = snapshot_and_lookups(&app, None, Duration::from_secs(2)).await;
    assert_eq!(public["role"], "public");
    assert_eq!(
        public["history"],
        json!([]),
        "the snapshot carries everyone's searches"
    );
    assert!(!public.to_string().contains("127.0.0.1"), "{public}");
    assert!(!public_lookups, "lookup batches reach the public");

    let (full, lookups) = snapshot_and_lookups(&app, Some(VIEWER), Duration::from_secs(2)).await;
    assert_eq!(full["role"], "viewer");
    assert!(full["history"].as_array().is_some_and(|h| !h.is_empty()));
    assert!(lookups, "viewers see the live lookups");
}

/// A dashboard signed in by cookie does not outlive its session: signing out
/// (here from another client) closes its live feed.
#[tokio::test]
async fn a_live_feed_opened_with_a_session_closes_when_the_session_ends() {
    let topo = Topology::start().await;
    let app = app(&topo, &[]).await;
    let (cookie, _) = sign_in(&app, VIEWER).await;
    let csrf = session_of(&app, &cookie).await["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let mut request = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(&cookie).expect("header"));
    let (mut socket, _) = connect_async(request).await.expect("ws connects");
    let first = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a snapshot")
        .expect("open")
        .expect("frame");
    let Message::Text(text) = first else {
        panic!("not text: {first:?}");
    };
    let snapshot: Value = serde_json::from_str(text.as_str()).expect("json");
    assert_eq!(snapshot["role"], "viewer");

    let response = app
        .http
        .delete(app.url("/api/session"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Ticks keep coming while the feed is open: read them until it closes,
    // or until the deadline.
    let deadline = Instant::now() + Duration::from_secs(11);
    let closed = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => break false,
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break true,
            Ok(Some(Ok(_))) => continue,
        }
    };
    assert!(closed, "the feed outlived its session");
}
