//! `ALLOWED_HOSTS`: the `Host` of every request and the `Origin` of every
//! WebSocket handshake must name this server. Without it, a page on another
//! site could read the live feed (WebSockets are not bound by the same-origin
//! policy), and a DNS-rebinding attack could reach a server on localhost
//! under a foreign name.

use crate::error::ApiError;
use axum::{
    extract::Request,
    http::header,
    response::{IntoResponse, Response},
};
use std::net::SocketAddr;

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
        self.allows_bytes(authority.as_bytes())
    }

    /// [`AllowedHosts::allows`] of a header's bytes, as they came (called
    /// on every request: no UTF-8 check, no allocation). Bytes beyond ASCII
    /// never equal an allowed name, which is ASCII.
    pub fn allows_bytes(&self, authority: &[u8]) -> bool {
        self.any
            || self
                .names
                .iter()
                .any(|n| names_exactly(n.as_bytes(), authority))
            || {
                let host = strip_port_bytes(authority.trim_ascii());
                self.names
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(host))
            }
    }

    /// Whether an `Origin` header (`scheme://host[:port]`) is a page of this
    /// server, reached as `host` (the request's `Host`): an allowed name, an
    /// `http` or `https` scheme, and the same host and port as the request
    /// itself (the port the scheme implies when none is written), so a page
    /// served by another program on the same machine (`http://localhost:9999`)
    /// is not this site.
    pub fn allows_origin(&self, origin: &str, host: &str) -> bool {
        if self.any {
            return true;
        }
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false;
        };
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "http" => "80",
            "https" => "443",
            _ => return false,
        };
        let (origin_host, origin_port) = split_port(authority.trim(), default_port);
        let (host, port) = split_port(host.trim(), default_port);
        self.allows(origin_host) && origin_host.eq_ignore_ascii_case(host) && origin_port == port
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

/// `host:port` → (`host`, `port`); without a port, `default_port`.
fn split_port<'a>(authority: &'a str, default_port: &'a str) -> (&'a str, &'a str) {
    let host = strip_port(authority);
    let port = authority[host.len()..]
        .strip_prefix(':')
        .filter(|p| !p.is_empty())
        .unwrap_or(default_port);
    (host, port)
}

/// `host:port` → `host`; `[::1]:80` → `[::1]`.
fn strip_port(authority: &str) -> &str {
    let host = strip_port_bytes(authority.as_bytes());
    // Cut at an ASCII byte (`]` or `:`), or not at all: a char boundary.
    authority.get(..host.len()).unwrap_or(authority)
}

/// Whether `authority` is `name` or `name:digits`, byte for byte: what
/// clients send (a name as configured, lowercase), told with one
/// comparison; anything else is looked at the long way. Never true where
/// the long way is false: `name` has no `:` after a `]` of its own, so the
/// port [`strip_port_bytes`] strips is the one after `name`.
fn names_exactly(name: &[u8], authority: &[u8]) -> bool {
    authority.strip_prefix(name).is_some_and(|rest| match rest {
        [] => true,
        [b':', port @ ..] => port.iter().all(u8::is_ascii_digit),
        _ => false,
    })
}

/// [`strip_port`] of bytes.
fn strip_port_bytes(authority: &[u8]) -> &[u8] {
    if let Some(end) = authority.iter().position(|&b| b == b']') {
        return &authority[..=end];
    }
    match authority.iter().rposition(|&b| b == b':') {
        Some(colon) if authority[colon + 1..].iter().all(u8::is_ascii_digit) => &authority[..colon],
        _ => authority,
    }
}

/// The refusal of a request whose `Host` is not allowed (400), or of a
/// WebSocket handshake from a page of another origin (403), if it is one.
pub fn refusal(allowed: &AllowedHosts, request: &Request) -> Option<Response> {
    let host_allowed = match request.headers().get(header::HOST) {
        Some(host) => allowed.allows_bytes(host.as_bytes()),
        // HTTP/2 carries the host in the request target instead.
        None => request
            .uri()
            .authority()
            .is_some_and(|a| allowed.allows_bytes(a.as_str().as_bytes())),
    };
    if !host_allowed {
        return Some(
            ApiError::BadRequest(
                "this server does not answer to that Host (see ALLOWED_HOSTS)".to_string(),
            )
            .into_response(),
        );
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let is_websocket = request
            .headers()
            .get(header::UPGRADE)
            .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
            .unwrap_or("");
        let allowed_origin = origin
            .to_str()
            .is_ok_and(|o| allowed.allows_origin(o, host));
        if is_websocket && !allowed_origin {
            return Some(
                ApiError::Forbidden(
                    "WebSocket connections are only accepted from this site's own pages"
                        .to_string(),
                )
                .into_response(),
            );
        }
    }
    None
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
        assert!(hosts.allows_origin("http://localhost:8090", "localhost:8090"));
        assert!(hosts.allows_origin("HTTP://LOCALHOST:8090", "localhost:8090"));
        assert!(!hosts.allows_origin("https://evil.example", "localhost:8090"));
        assert!(!hosts.allows_origin("null", "localhost:8090"));
        // Another program's page on this machine is another origin.
        assert!(!hosts.allows_origin("http://localhost:9999", "localhost:8090"));
        assert!(!hosts.allows_origin("http://127.0.0.1:8090", "localhost:8090"));
        assert!(!hosts.allows_origin("ftp://localhost:8090", "localhost:8090"));
        // Ports the scheme implies.
        assert!(hosts.allows_origin("http://localhost", "localhost:80"));
        assert!(hosts.allows_origin("https://localhost:443", "localhost"));
        assert!(!hosts.allows_origin("https://localhost", "localhost:80"));
    }

    #[test]
    fn header_bytes_beyond_ascii_are_refused() {
        let hosts = default_hosts();
        assert!(hosts.allows_bytes(b" localhost:8090 "));
        assert!(hosts.allows_bytes(b"[::1]"));
        for bad in [
            &b"localhost\xff"[..],
            b"localhost:80\x80",
            b"\xc3\xa9localhost",
            b"localhost:80:80",
        ] {
            assert!(!hosts.allows_bytes(bad), "{bad:?}");
        }
        assert!(names_exactly(b"localhost", b"localhost:8090"));
        assert!(!names_exactly(b"localhost", b"localhost.evil:8090"));
        assert!(!names_exactly(b"localhost", b"localhost:80x"));
        assert_eq!(strip_port("h\u{e9}te:80"), "h\u{e9}te");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
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
        assert!(any.allows("whatever") && any.allows_origin("https://x", "y"));
    }
}
