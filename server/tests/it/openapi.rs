//! The served OpenAPI document is the one the route list collects, with the
//! shared types as schemas and the security schemes; its viewer works
//! offline.

use crate::support::{TestApp, Topology};
use reqwest::StatusCode;

#[tokio::test]
async fn the_document_lists_every_api_route_and_the_viewer_is_local() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    // The served document is the one the route list collects (whose every
    // path and schema is pinned by the snapshot in `openapi.rs`).
    let expected = serde_json::to_value(cachescope::routes::openapi::document()).expect("json");
    assert_eq!(doc, expected);
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/db/product/{id}", &["get", "put", "delete"][..]),
        ("/api/keys", &["get", "delete"]),
        ("/api/session", &["get", "post", "delete"]),
    ] {
        for method in methods {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for name in [
        "Product",
        "ProductLookup",
        "SearchResult",
        "Stats",
        "Replication",
        "ApiErrorBody",
        "ProductWritten",
        "SessionInfo",
        "SignIn",
        "KeyValue",
    ] {
        assert!(schemas.contains_key(name), "no schema {name}");
    }
    for scheme in ["admin", "viewer"] {
        assert_eq!(
            doc["components"]["securitySchemes"][scheme]["scheme"],
            "bearer"
        );
    }
    assert!(
        paths["/api/keys/value"]["get"]["security"][0]["viewer"].is_array(),
        "viewer routes say so"
    );
    // Swagger UI from the binary itself: the page and its script are ours.
    let (status, html) = app.get_html("/api/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("swagger-ui-bundle.js"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "loads from elsewhere"
    );
    let (status, js) = app.get_html("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.len() > 100_000);
}
