//! The UI's language: chosen per request on the server (cookie, else
//! `Accept-Language`), written on `<html lang>`, and switched by `/locale`.

use crate::support::{decode, TestApp, Topology};
use app::types::ApiErrorBody;
use reqwest::{header, redirect::Policy, StatusCode};

/// A page as a browser with these headers gets it: status, `Vary`, body.
async fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String, String) {
    let mut request = reqwest::Client::new().get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("server answers");
    let status = response.status();
    let vary = response
        .headers()
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    (status, vary, response.text().await.expect("html"))
}

#[tokio::test]
async fn pages_are_rendered_in_the_language_the_request_asks_for() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;

    let (status, vary, html) = page(
        &app,
        "/",
        &[("accept-language", "fr-CH, fr;q=0.9, en;q=0.8")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<html lang="fr""#),
        "French page marked as such"
    );
    assert!(
        html.contains("Recherches récentes"),
        "search page in French"
    );
    assert!(
        html.contains("Tous les nœuds en ligne"),
        "verdict in French"
    );
    assert!(
        !html.contains("Recent searches"),
        "no English left on the page"
    );
    assert!(
        vary.contains("Accept-Language") && vary.contains("Cookie"),
        "{vary}"
    );

    // English by default, and for languages the UI does not have.
    for headers in [&[][..], &[("accept-language", "de-DE, ja;q=0.5")][..]] {
        let (_, _, html) = page(&app, "/", headers).await;
        assert!(html.contains(r#"<html lang="en""#));
        assert!(html.contains("Recent searches"));
    }

    // The cookie wins over the browser's preference, on every page.
    for path in ["/dashboard", "/products", "/keys", "/no-such-page"] {
        let (_, _, html) = page(
            &app,
            path,
            &[("cookie", "lang=fr"), ("accept-language", "en")],
        )
        .await;
        assert!(html.contains(r#"<html lang="fr""#), "{path}");
        assert!(
            html.contains("Tableau de bord"),
            "{path}: French navigation"
        );
    }
    let (_, _, html) = page(
        &app,
        "/dashboard",
        &[("cookie", "lang=en"), ("accept-language", "fr")],
    )
    .await;
    assert!(html.contains("Live dashboard"));
}

#[tokio::test]
async fn the_switch_keeps_the_choice_and_returns_to_the_page() {
    let topo = Topology::start().await;
    let app = TestApp::for_topology(&topo).await;
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let switch = |query: &str| client.get(app.url(&format!("/locale?{query}"))).send();

    let answer = switch("set=fr&back=%2Fkeys%3Fmatch%3Ddb%3A%2A")
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[header::LOCATION], "/keys?match=db:*");
    let cookie = answer.headers()[header::SET_COOKIE]
        .to_str()
        .expect("ascii");
    assert!(
        cookie.starts_with("lang=fr;") && cookie.contains("Path=/"),
        "{cookie}"
    );

    // Never to another site.
    for back in [
        "%2F%2Fevil.example%2F",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let answer = switch(&format!("set=en&back={back}"))
            .await
            .expect("answer");
        assert_eq!(answer.headers()[header::LOCATION], "/", "{back}");
    }
    let answer = switch("set=en").await.expect("answer");
    assert_eq!(answer.headers()[header::LOCATION], "/");

    // A language the UI does not have is refused with the API's error shape.
    let answer = switch("set=de&back=%2F").await.expect("answer");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = answer.json().await.expect("json");
    assert!(
        decode::<ApiErrorBody>(&body).error.contains("set"),
        "{body}"
    );
}
