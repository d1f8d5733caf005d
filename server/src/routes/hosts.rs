//! `ALLOWED_HOSTS`: the `Host` of every request and the `Origin` of every
//! WebSocket handshake must name this server. Without it, a page on another
//! site could read the live feed (WebSockets are not bound by the same-origin
//! policy), and a DNS-rebinding attack could reach a server on localhost
//! under a foreign name.

use crate::error::ApiError;
use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{net::SocketAddr, sync::Arc};

/// The host names (without port) this server answers to; `*` is any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    any: bool,
    names: Vec<String>,
}

impl AllowedHosts {
    /// From the `ALLOWED_HOSTS` list, or, when it is empty, the listen
    /// address, `localhost`, `127.0.0.1` and `::1`.
    pub fn new(configured: &[String], listen: SocketAddr) -> Self {
        let configured: Vec<String> = configured
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        if configured.iter().any(|h| h == "*") {
            return AllowedHosts {
                any: true,
                names: Vec::new(),
            };
        }
        let names = if configured.is_empty() {
            let mut names = vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
                "[::1]".to_string(),
            ];
            let ip = match listen {
                SocketAddr::V4(v4) => v4.ip().to_string(),
                SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
            };
            if !names.contains(&ip) && !listen.ip().is_unspecified() {
                names.push(ip);
            }
            names
        } else {
            configured
                .into_iter()
                .map(|h| strip_port(&h).to_string())
                .collect()
        };
        AllowedHosts { any: false, names }
    }

    /// Whether `authority` (`host[:port]`) names this server.
    pub fn allows(&self, authority: &str) -> bool {
        // Called on every request: compared without allocating.
        self.any || {
            let host = strip_port(authority.trim());
            self.names.iter().any(|n| n.eq_ignore_ascii_case(host))
        }
    }

    /// Whether an `Origin` header (`scheme://host[:port]`) is this server.
    pub fn allows_origin(&self, origin: &str) -> bool {
        match origin.split_once("://") {
            Some(("http" | "https", authority)) => self.allows(authority),
            _ => self.any,
        }
    }

    /// The names, for logs.
    pub fn describe(&self) -> String {
        if self.any {
            "*".to_string()
        } else {
            self.names.join(",")
        }
    }
}

/// `host:port` → `host`; `[::1]:80` → `[::1]`.
fn strip_port(authority: &str) -> &str {
    if let Some(end) = authority.find(']') {
        return &authority[..=end];
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Refuses requests whose `Host` is not allowed (400), and WebSocket
/// handshakes from a page of another origin (403).
pub async fn check(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host_allowed = match request.headers().get(header::HOST) {
        Some(host) => host.to_str().is_ok_and(|h| allowed.allows(h)),
        // HTTP/2 carries the host in the request target instead.
        None => request
            .uri()
            .authority()
            .is_some_and(|a| allowed.allows(a.as_str())),
    };
    if !host_allowed {
        return ApiError::BadRequest(
            "this server does not answer to that Host (see ALLOWED_HOSTS)".to_string(),
        )
        .into_response();
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let is_websocket = request
            .headers()
            .get(header::UPGRADE)
            .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
        let allowed_origin = origin.to_str().is_ok_and(|o| allowed.allows_origin(o));
        if is_websocket && !allowed_origin {
            return ApiError::Forbidden(
                "WebSocket connections are only accepted from this site's own pages".to_string(),
            )
            .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_hosts() -> AllowedHosts {
        AllowedHosts::new(&[], "127.0.0.1:8090".parse().expect("addr"))
    }

    #[test]
    fn the_default_is_this_machine() {
        let hosts = default_hosts();
        for ok in [
            "localhost:8090",
            "127.0.0.1:8090",
            "LOCALHOST",
            "[::1]:8090",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:8090",
            "127.0.0.1.evil.example",
            "",
            "localhost.evil",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        assert!(hosts.allows_origin("http://localhost:8090"));
        assert!(!hosts.allows_origin("https://evil.example"));
        assert!(!hosts.allows_origin("null"));
    }

    #[test]
    fn a_configured_list_replaces_the_default() {
        let hosts = AllowedHosts::new(
            &["cache.example.com".into(), "10.0.0.5:8090".into()],
            "0.0.0.0:8090".parse().expect("addr"),
        );
        assert!(hosts.allows("cache.example.com"));
        assert!(hosts.allows("10.0.0.5"));
        assert!(!hosts.allows("localhost"));
        let any = AllowedHosts::new(&["*".into()], "0.0.0.0:8090".parse().expect("addr"));
        assert!(any.allows("whatever") && any.allows_origin("https://x"));
    }
}
