//! `GET /metrics`, read by the Prometheus project's own OpenMetrics parser
//! (Python `prometheus_client`, installed by scripts/lib/tools.sh): it must
//! parse, carry the app's series and the replication gauges under
//! redis_exporter's names, and count what happened.

use crate::support::{eventually, TestApp, Topology};
use reqwest::StatusCode;
use std::{
    collections::HashMap,
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

/// Parses OpenMetrics text with prometheus_client; returns every sample as
/// `name{labels}` → value (labels sorted, `k=v` joined by commas).
fn parse(text: &str) -> HashMap<String, f64> {
    let script = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        out[f"{s.name}{{{labels}}}"] = s.value
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("parser ran");
    assert!(
        out.status.success(),
        "the OpenMetrics parser refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("parser output")
}

#[tokio::test]
async fn metrics_parse_and_carry_the_app_and_replication_series() {
    let topo = Topology::start().await;
    let app = TestApp::spawn_with(
        &topo.master.url(),
        &[topo.replica.url()],
        &["--metrics-tick-ms", "100"],
    )
    .await;
    for path in [
        "/api/products/prod1",
        "/api/products/prod1",
        "/api/products/nope",
    ] {
        app.get_json(path).await;
    }
    // Wait until a tick has seen the replica's heartbeat.
    let ready = eventually(Duration::from_secs(5), || async {
        let (_, replication) = app.replication().await;
        replication
            .nodes
            .get(1)
            .is_some_and(|n| n.heartbeat_ms.is_some())
    })
    .await;
    assert!(ready);
    let response = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("application/openmetrics-text"));
    let samples = parse(&response.text().await.expect("text"));
    let get = |key: &str| {
        samples
            .get(key)
            .copied()
            .unwrap_or_else(|| panic!("no {key} in {:#?}", samples.keys().collect::<Vec<_>>()))
    };
    let (master, replica) = (topo.master.addr(), topo.replica.addr());
    // The app's own series, counted.
    assert_eq!(
        get("cachescope_lookups_total{outcome=found,source=database}"),
        1.0
    );
    assert_eq!(
        get("cachescope_lookups_total{outcome=found,source=cache}"),
        1.0
    );
    assert_eq!(
        get("cachescope_lookups_total{outcome=not_found,source=database}"),
        1.0
    );
    assert_eq!(
        get("cachescope_lookup_duration_seconds_count{source=cache}"),
        1.0
    );
    assert_eq!(get("cachescope_throttled_requests_total{}"), 0.0);
    assert_eq!(get("cachescope_cache_fill_failures_total{}"), 0.0);
    assert_eq!(get("cachescope_websocket_clients{}"), 0.0);
    // redis_exporter's names.
    assert_eq!(get(&format!("redis_up{{addr={master}}}")), 1.0);
    assert_eq!(get(&format!("redis_up{{addr={replica}}}")), 1.0);
    assert_eq!(
        get(&format!("redis_instance_info{{addr={replica},role=slave}}")),
        1.0
    );
    assert!(get(&format!("redis_master_repl_offset{{addr={master}}}")) > 0.0);
    assert_eq!(
        get(&format!("redis_connected_slaves{{addr={master}}}")),
        1.0
    );
    assert_eq!(get(&format!("redis_master_link_up{{addr={replica}}}")), 1.0);
    let (ip, port) = replica.split_once(':').expect("addr");
    let slave = format!("addr={master},slave_ip={ip},slave_port={port},slave_state=online");
    assert!(get(&format!("redis_connected_slave_offset_bytes{{{slave}}}")) > 0.0);
    assert!(get(&format!("redis_connected_slave_lag_seconds{{{slave}}}")) >= 0.0);
    assert!(
        get(&format!(
            "cachescope_replication_heartbeat_delay_ms{{addr={replica}}}"
        )) >= 0.0
    );
}
