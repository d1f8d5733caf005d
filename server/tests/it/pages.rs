//! Server-side rendering and the API's fallbacks.

use crate::support::{decode, TestApp, Topology};
use app::types::ApiErrorBody;
use reqwest::StatusCode;

#[tokio::test]
async fn home_page_is_rendered_with_live_node_status() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;

    let (status, html) = app.get_html("/").await;
    assert_eq!(status, StatusCode::OK);

    assert!(html.contains("<title>cachescope</title>"), "title");
    assert!(
        html.contains("/pkg/cachescope.js"),
        "hydration script linked"
    );
    assert!(
        html.contains(&format!("data-addr=\"{}\"", topo.master.addr())),
        "master rendered"
    );
    assert!(
        html.contains(&format!("data-addr=\"{}\"", topo.replica.addr())),
        "replica rendered"
    );
    assert!(html.contains("All nodes up"), "verdict rendered");
}

#[tokio::test]
async fn home_page_says_when_the_master_is_down() {
    let mut topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    topo.master.kill();

    let html = app.get_html("/").await.1;
    assert!(
        html.contains("Redis master unreachable"),
        "outage explained"
    );
    assert!(html.contains("Master down"), "verdict rendered");
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let (status, body) = app.get_json("/api/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(decode::<ApiErrorBody>(&body).error, "no such API route");
}

#[tokio::test]
async fn unknown_page_is_a_404_page() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let (status, html) = app.get_html("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn products_page_is_rendered_from_the_database() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let html = app
        .get_html("/products?category=books&order=price_desc")
        .await
        .1;
    assert!(
        html.contains("data-name=\"books\""),
        "category chips rendered"
    );
    assert!(
        html.contains("Designing Data-Intensive Applications"),
        "a book is listed"
    );
    assert!(
        !html.contains("Smartphone Premium"),
        "other categories are not"
    );

    let detail = app.get_html("/products/prod1").await.1;
    assert!(detail.contains("Smartphone Premium") && detail.contains("redis_db"));
}
