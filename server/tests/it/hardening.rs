//! What a hostile client tries, and what the server does about it: slow or
//! endless request heads, connection floods, foreign `Host` and `Origin`,
//! WebSocket slot hogging, oversized requests, deep paging; and the security
//! headers of pages. Each was a finding of a hostile review.

use crate::support::{decode, TestApp, Topology};
use app::types::ApiErrorBody;
use futures::StreamExt;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

/// Reads until the server closes the connection (or `within` passes);
/// returns whether it closed.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_cut_off() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--header-read-timeout-ms", "500"],
    )
    .await;
    let mut slow = TcpStream::connect(app.addr).await.expect("connect");
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("write");
    let started = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).await,
        "still open"
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
}

/// 100 sockets that send nothing (with `MAX_CONNECTIONS=100`) locked every
/// client out for ever: now each is closed after the header-read timeout,
/// and one address cannot hold more than its share meanwhile.
#[tokio::test]
async fn idle_sockets_are_closed_before_their_first_byte_and_one_address_cannot_take_every_slot() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &[
            "--max-connections",
            "100",
            "--max-connections-per-ip",
            "64",
            "--header-read-timeout-ms",
            "500",
        ],
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(TcpStream::connect(app.addr).await.expect("connect"));
    }
    // Beyond its 64, this address is refused at once...
    let started = Instant::now();
    assert!(
        closed_within(&mut idle[99], Duration::from_millis(300)).await,
        "the 100th idle socket of one address was kept"
    );
    assert!(started.elapsed() < Duration::from_millis(300));
    // ...while another address is still served.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client");
    let response = other
        .get(app.url("/api/health"))
        .send()
        .await
        .expect("another address is answered");
    assert_eq!(response.status(), StatusCode::OK);
    // Sockets that never send a byte are closed after the timeout.
    let started = Instant::now();
    assert!(
        closed_within(&mut idle[0], Duration::from_secs(3)).await,
        "an idle socket was still open after 3 s"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "closed late");
    drop(idle);
    let (status, _) = app.get_json("/api/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_answered_503() {
    let topo = Topology::start().await;
    // Redis may take 3 s; the request may not take more than 300 ms.
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--request-timeout-ms", "300", "--redis-timeout-ms", "3000"],
    )
    .await;
    let sleeper = topo.master.hang(1).await;
    let started = Instant::now();
    let (status, body) = app.get_json("/api/stats").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        decode::<ApiErrorBody>(&body)
            .error
            .contains("took longer than 300 ms"),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_millis(900));
    sleeper.await.expect("sleeper");
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--max-connections", "4"],
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(app.addr).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = TcpStream::connect(app.addr).await.expect("connect");
    assert!(
        closed_within(&mut extra, Duration::from_secs(1)).await,
        "fifth connection served"
    );
    // A slot comes back when a connection ends.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, _) = app.get_json("/api/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn only_allowed_hosts_and_origins_are_served() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    // DNS rebinding: a foreign name pointing at us.
    let response = app
        .http
        .get(app.url("/api/stats"))
        .header("Host", "evil.example")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert!(
        decode::<ApiErrorBody>(&body)
            .error
            .contains("ALLOWED_HOSTS"),
        "{body}"
    );
    let response = app
        .http
        .get(app.url("/api/stats"))
        .header("Host", format!("localhost:{}", app.addr.port()))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);

    // A page of another site cannot open the live feed; our own pages can.
    let ws = format!("ws://{}/ws", app.addr);
    let mut foreign = ws.as_str().into_client_request().expect("request");
    foreign
        .headers_mut()
        .insert("Origin", HeaderValue::from_static("https://evil.example"));
    match tokio_tungstenite::connect_async(foreign).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a foreign origin got {:?}", other.map(|(_, r)| r.status())),
    }
    // Another program's page on this machine (same host, another port).
    let mut neighbour = ws.as_str().into_client_request().expect("request");
    let origin = format!("http://127.0.0.1:{}", app.addr.port().wrapping_add(1));
    neighbour
        .headers_mut()
        .insert("Origin", HeaderValue::from_str(&origin).expect("header"));
    match tokio_tungstenite::connect_async(neighbour).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!(
            "another port's page got {:?}",
            other.map(|(_, r)| r.status())
        ),
    }
    let mut own = ws.as_str().into_client_request().expect("request");
    let origin = format!("http://127.0.0.1:{}", app.addr.port());
    own.headers_mut()
        .insert("Origin", HeaderValue::from_str(&origin).expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(own)
        .await
        .expect("own origin");
    assert!(socket.next().await.is_some_and(|m| m.is_ok()), "snapshot");
}

#[tokio::test]
async fn one_address_cannot_take_every_live_slot() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let url = format!("ws://{}/ws", app.addr);
    let mut sockets = Vec::new();
    for n in 0..20 {
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .unwrap_or_else(|e| panic!("client {n}: {e}"));
        sockets.push(socket);
    }
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
            let body = response.body().clone().unwrap_or_default();
            let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
            let _: ApiErrorBody = decode(&body);
        }
        other => panic!("client 21 got {:?}", other.map(|(_, r)| r.status())),
    }
    // Leaving gives the slot back.
    drop(sockets.pop());
    let again = async {
        for _ in 0..20 {
            if tokio_tungstenite::connect_async(url.as_str()).await.is_ok() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(again.await, "the slot never came back");
}

#[tokio::test]
async fn the_servers_refusals_are_json() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let json_error = |status: StatusCode, expected: StatusCode, body: &str| {
        assert_eq!(status, expected, "{body}");
        let parsed: serde_json::Value = serde_json::from_str(body).expect("JSON body");
        assert!(parsed["error"].is_string(), "{body}");
    };
    // /ws as a plain GET.
    let (status, body) = app.get_html("/ws").await;
    assert!(status.is_client_error(), "{status}");
    json_error(status, status, &body);
    // A 9 KiB request target.
    let (status, body) = app
        .get_html(&format!("/api/search?q={}", "a".repeat(9 * 1024)))
        .await;
    json_error(status, StatusCode::URI_TOO_LONG, &body);
    // 110 header lines: over HTTP/1.1 hyper refuses them before the server
    // sees them (431 without a body: its cap is the server's 100 lines)...
    let many_lines = |client: &reqwest::Client| {
        let mut request = client.get(app.url("/api/stats"));
        for n in 0..110 {
            request = request.header(format!("x-h{n}"), "1");
        }
        request
    };
    let response = many_lines(&app.http).send().await.expect("answer");
    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    // ...and over HTTP/2 (h2c) the server's own check answers, in JSON.
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("h2 client");
    let response = many_lines(&h2).send().await.expect("answer");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    let status = response.status();
    json_error(
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        &response.text().await.expect("body"),
    );
    // 17 KiB of headers in 17 lines, over HTTP/1.1: the server's JSON 431.
    let mut request = app.http.get(app.url("/api/stats"));
    for n in 0..17 {
        request = request.header(format!("x-h{n}"), "a".repeat(1024));
    }
    let response = request.send().await.expect("answer");
    let status = response.status();
    json_error(
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        &response.text().await.expect("body"),
    );
    // Paging deeper than 10,000.
    let (status, body) = app.get_html("/api/db/products?offset=10001").await;
    json_error(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(
        app.get_json("/api/db/products?offset=10000").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let response = app.http.get(app.url("/")).send().await.expect("page");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let csp = header("content-security-policy");
    let (nosniff, frame, referrer) = (
        header("x-content-type-options"),
        header("x-frame-options"),
        header("referrer-policy"),
    );
    let html = response.text().await.expect("html");
    assert_eq!(nosniff, "nosniff");
    assert_eq!(frame, "DENY");
    assert_eq!(referrer, "no-referrer");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // The policy names the nonce every inline script of the page carries.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    // API answers get nosniff too.
    let api = app
        .http
        .get(app.url("/api/stats"))
        .send()
        .await
        .expect("api");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--admin-token", "tok"],
    )
    .await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = app
            .http
            .post(app.url("/api/stats/reset"))
            .header("Authorization", format!("{scheme} tok"))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

/// A peer that answers pings (any live one) held its HTTP/2 connection, and
/// its slot, for ever once it stopped sending requests, and an HTTP/1
/// keep-alive one until the header-read timeout; both now close once no
/// request has been under way for the idle timeout.
#[tokio::test]
async fn connections_without_requests_close_after_the_idle_timeout() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &[
            "--idle-timeout-ms",
            "500",
            "--header-read-timeout-ms",
            "10000",
        ],
    )
    .await;
    // h2c with prior knowledge: the preface and an empty SETTINGS frame.
    let mut h2 = TcpStream::connect(app.addr).await.expect("connect");
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .expect("preface");
    let started = Instant::now();
    assert!(
        closed_within(&mut h2, Duration::from_secs(4)).await,
        "an idle HTTP/2 connection stays open"
    );
    assert!(started.elapsed() >= Duration::from_millis(400));

    let mut h1 = TcpStream::connect(app.addr).await.expect("connect");
    h1.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("request");
    let started = Instant::now();
    assert!(
        closed_within(&mut h1, Duration::from_secs(4)).await,
        "an idle keep-alive connection stays open"
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
}

/// Sends one `GET /api/health` on `stream` and reads its whole answer (the
/// health answer is small: one read of its head and body).
async fn health_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("request");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf))
            .await
            .expect("an answer within 3 s")
            .expect("read");
        assert!(n > 0, "closed before answering");
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_string)
                })
                .and_then(|l| l.trim().parse::<usize>().ok())
                .expect("content-length");
            if body.len() >= length {
                return head.lines().next().unwrap_or("").to_string();
            }
        }
    }
}

/// Each head has its own deadline: a connection that keeps asking, each
/// head well within the header-read timeout, is served for several times
/// that timeout; the next head that never ends is cut off after it.
#[tokio::test]
async fn every_head_on_a_keep_alive_connection_has_the_header_read_timeout() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &[
            "--header-read-timeout-ms",
            "400",
            "--idle-timeout-ms",
            "60000",
        ],
    )
    .await;
    let mut busy = TcpStream::connect(app.addr).await.expect("connect");
    let started = Instant::now();
    let mut answered = started;
    while started.elapsed() < Duration::from_millis(1_500) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(health_on(&mut busy).await, "HTTP/1.1 200 OK");
        answered = Instant::now();
    }
    busy.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("write");
    assert!(
        closed_within(&mut busy, Duration::from_secs(3)).await,
        "a head that never ends, after others, was not cut off"
    );
    // The head's deadline runs from the end of the answer before it.
    let took = answered.elapsed();
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_millis(1_500),
        "cut off {took:?} after the last answer"
    );
}

/// Shutdown closes an idle keep-alive connection at once instead of waiting
/// for its timeouts.
#[tokio::test]
async fn shutdown_closes_idle_keep_alive_connections() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &[
            "--header-read-timeout-ms",
            "30000",
            "--idle-timeout-ms",
            "60000",
        ],
    )
    .await;
    let mut kept = TcpStream::connect(app.addr).await.expect("connect");
    assert_eq!(health_on(&mut kept).await, "HTTP/1.1 200 OK");
    let started = Instant::now();
    app.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert!(
        closed_within(&mut kept, Duration::from_secs(1)).await,
        "the kept connection is still open after shutdown"
    );
}
