//! The HTTP server loop: hyper's connection builder driven by hand, because
//! `axum::serve` has no header-read timeout and no connection cap, and a
//! server exposed to the internet needs both (a client that never finishes
//! its headers would otherwise hold its connection, and its memory, for ever).
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
    future::Future,
    io,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// Bounds on what one client can hold.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A client must send its whole request head within this.
    pub header_read_timeout: Duration,
    /// Most open connections; further ones are closed at once.
    pub max_connections: usize,
    /// Most header lines in a request head (hyper answers 431 beyond).
    pub max_headers: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_headers: 128,
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
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(limits.max_headers);
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
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(slot);
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
