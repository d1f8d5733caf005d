//! Redis over TLS (`rediss://`): a `redis-server` with `--tls-port` and a
//! certificate signed by a CA made for the test, reached with
//! `REDIS_CA_CERT`; a wrong CA is refused; the password in the URL is never
//! echoed.

use crate::support::{eventually, free_port, TestApp};
use reqwest::StatusCode;
use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

const PASSWORD: &str = "s3cr3t-pass";

/// `openssl` with arguments, in `dir`; panics with its output on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`<name>.pem`, `<name>.key`) in `dir`.
fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A server certificate for 127.0.0.1 signed by `ca`.
fn make_server_cert(dir: &Path, ca: &str) {
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
}

#[tokio::test]
async fn rediss_works_with_the_configured_ca_and_never_shows_the_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_ca(dir.path(), "ca");
    make_ca(dir.path(), "other-ca");
    make_server_cert(dir.path(), "ca");
    let port = free_port();
    let path = |f: &str| dir.path().join(f).display().to_string();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args([
            "--tls-cert-file",
            &path("server.pem"),
            "--tls-key-file",
            &path("server.key"),
        ])
        .args([
            "--tls-ca-cert-file",
            &path("ca.pem"),
            "--tls-auth-clients",
            "no",
        ])
        .args([
            "--requirepass",
            PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--dir", &path(""), "--logfile", &path("redis.log")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server with TLS (Debian's build has it)");
    let listening = eventually(Duration::from_secs(5), || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    })
    .await;
    assert!(listening, "redis-server with TLS listens");

    let url = format!("rediss://:{PASSWORD}@127.0.0.1:{port}");
    let good = TestApp::spawn_with(&url, &[], &["--redis-ca-cert", &path("ca.pem")]).await;
    let up = eventually(Duration::from_secs(5), || async {
        good.get_json("/api/health").await.0 == StatusCode::OK
    })
    .await;
    assert!(
        up,
        "no TLS connection: {}",
        good.get_json("/api/health").await.1
    );
    assert_eq!(good.lookup("prod1").await.data.id, "prod1");

    // Another CA: the server's certificate is refused, and nothing anywhere
    // shows the password.
    let bad = TestApp::spawn_with(
        &url,
        &[],
        &[
            "--redis-ca-cert",
            &path("other-ca.pem"),
            "--seed-catalog",
            "false",
        ],
    )
    .await;
    let (status, health) = bad.get_json("/api/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    let (_, lookup) = bad.get_json("/api/products/prod1").await;
    for text in [health.to_string(), lookup.to_string()] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
    let _ = redis.kill();
    let _ = redis.wait();
}
