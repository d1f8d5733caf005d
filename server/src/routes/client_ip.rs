//! Who the client is, for per-client limits: the peer address of the TCP
//! connection, or, when that peer is a trusted proxy (`TRUSTED_PROXIES`),
//! the address it reports in `X-Forwarded-For`. Without trusted proxies the
//! header is ignored: any client could write it.

use axum::{
    extract::ConnectInfo,
    http::{request::Parts, Extensions, HeaderMap},
};
use std::net::{IpAddr, SocketAddr};

/// The client's address, if known (requests made in-process have none).
pub fn client_ip(parts: &Parts, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    of(&parts.headers, &parts.extensions, trusted_proxies)
}

fn of(headers: &HeaderMap, extensions: &Extensions, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    Some(peer_client_ip(headers, peer, trusted_proxies))
}

/// [`client_ip`] of a request from the connection's `peer`, for a caller
/// that has the peer address itself (the product lane: its requests carry
/// no `ConnectInfo`).
pub fn peer_client_ip(headers: &HeaderMap, peer: IpAddr, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    // The right-most address that is not one of our proxies is the client
    // as the first trusted proxy saw it; addresses further left are claims.
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted_proxies.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{extract::ConnectInfo, http::Request};
    use std::net::SocketAddr;

    fn parts(peer: &str, xff: Option<&str>) -> Parts {
        let mut builder = Request::get("/");
        if let Some(xff) = xff {
            builder = builder.header("x-forwarded-for", xff);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        let addr: SocketAddr = format!("{peer}:1234").parse().expect("addr");
        parts.extensions.insert(ConnectInfo(addr));
        parts
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let client: IpAddr = "203.0.113.7".parse().expect("ip");
        // No trusted proxy: the header is a lie we ignore.
        assert_eq!(
            client_ip(&parts("10.0.0.1", Some("1.2.3.4")), &[]),
            Some(proxy)
        );
        // From the trusted proxy: the right-most untrusted address.
        assert_eq!(
            client_ip(&parts("10.0.0.1", Some("1.2.3.4, 203.0.113.7")), &[proxy]),
            Some(client)
        );
        // A client talking to us directly cannot pretend.
        assert_eq!(
            client_ip(&parts("203.0.113.7", Some("1.2.3.4")), &[proxy]),
            Some(client)
        );
    }
}
