//! The HTTP server loop: hyper's connection builder driven by hand, because
//! `axum::serve` has no header-read timeout and no connection cap, and a
//! server exposed to the internet needs both (a client that never finishes
//! its headers would otherwise hold its connection, and its memory, for ever).
//!
//! Connections are bounded before their first byte: one that sends nothing
//! within the header-read timeout is closed (hyper's own timer starts only
//! once it has read enough to choose HTTP/1 or HTTP/2), one address holds at
//! most `max_per_ip` of them (trusted proxies aside), and HTTP/2 connections
//! are pinged, so a peer that went away is closed too.
//!
//! Each connection gets the peer address as axum's `ConnectInfo` (rate
//! limits and WebSocket caps are per client), `TCP_NODELAY`, and is drained
//! gracefully on shutdown.

use axum::{extract::ConnectInfo, Router};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use std::{
    collections::HashMap,
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// Bounds on what one client can hold.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// A client must send its first byte, and then its whole request head,
    /// within this.
    pub header_read_timeout: Duration,
    /// Most open connections; further ones are closed at once.
    pub max_connections: usize,
    /// Most open connections from one address (0: no such bound); further
    /// ones are closed at once.
    pub max_per_ip: usize,
    /// Addresses the per-address bound does not apply to (trusted proxies:
    /// every client behind one shares its address).
    pub exempt: Arc<[IpAddr]>,
    /// Most header lines in a request head (hyper answers 431 beyond).
    pub max_headers: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_per_ip: 64,
            exempt: Arc::from(Vec::new()),
            max_headers: 128,
        }
    }
}

/// HTTP/2 connections are pinged this often when idle...
const H2_PING_EVERY: Duration = Duration::from_secs(20);
/// ...and closed when a ping is not answered within this.
const H2_PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Open connections per address.
struct PerAddress {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection of an address, given back when dropped.
struct AddressSlot {
    owner: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn take(self: &Arc<Self>, ip: IpAddr) -> Option<AddressSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            owner: self.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Connections refused because the cap was reached (for `/metrics`).
pub static REFUSED_CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// How long open connections may take to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting and waits (at most [`DRAIN`]) for open connections to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress {
        max: limits.max_per_ip,
        open: Mutex::new(HashMap::new()),
    });
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(limits.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(H2_PING_EVERY))
        .keep_alive_timeout(H2_PING_TIMEOUT);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            REFUSED_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            drop(tcp);
            continue;
        };
        let address_slot = if limits.max_per_ip == 0 || limits.exempt.contains(&peer.ip()) {
            None
        } else {
            match per_address.take(peer.ip()) {
                Some(taken) => Some(taken),
                None => {
                    REFUSED_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
                    drop(tcp);
                    continue;
                }
            }
        };
        // No Nagle: streamed pages go out in several small writes, and with
        // delayed ACKs on the other side each would wait ~40 ms.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let service = router
            .clone()
            .map_request(move |mut request: axum::extract::Request<_>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        let first_byte = limits.header_read_timeout;
        tokio::spawn(async move {
            // Nothing within the header-read timeout (or closed): the slots
            // go back without hyper ever seeing the connection.
            let mut byte = [0u8; 1];
            if !matches!(
                tokio::time::timeout(first_byte, tcp.peek(&mut byte)).await,
                Ok(Ok(1..))
            ) {
                return;
            }
            let connection = builder
                .serve_connection_with_upgrades(
                    TokioIo::new(tcp),
                    TowerToHyperService::new(service),
                )
                .into_owned();
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop((slot, address_slot));
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}; stopping anyway");
    }
    Ok(())
}

/// The peer address of a request served by [`serve`] (absent when a router
/// is called in-process, as pages do while they render).
pub fn peer(request: &axum::http::request::Parts) -> Option<SocketAddr> {
    request
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}
