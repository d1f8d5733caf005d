//! The HTTP server loop: hyper's connection builder driven by hand, because
//! `axum::serve` has no header-read timeout and no connection cap, and a
//! server exposed to the internet needs both (a client that never finishes
//! its headers would otherwise hold its connection, and its memory, for ever).
//!
//! Connections are bounded before their first byte: one that sends nothing
//! within the header-read timeout is closed (hyper's own timer starts only
//! once it has read enough to choose HTTP/1 or HTTP/2), one address holds at
//! most `max_per_ip` of them (trusted proxies aside), HTTP/2 connections
//! are pinged, so a peer that went away is closed too, and a connection with
//! no request under way for the idle timeout is shut down gracefully (an
//! HTTP/2 `GOAWAY`; HTTP/1 closes between requests), since a live peer
//! answers pings and would otherwise hold its slot for ever.
//!
//! Each connection gets the peer address as axum's `ConnectInfo` (rate
//! limits and WebSocket caps are per client), `TCP_NODELAY`, and is drained
//! gracefully on shutdown.

mod clock;
mod driver;
mod front;

pub use front::{FrontLane, Lane};

use clock::{Activity, HeadTimer, InFlight};

use axum::{extract::ConnectInfo, Router};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use std::{
    collections::HashMap,
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{mpsc, watch, Semaphore},
};

/// Bounds on what one client can hold.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// A client must send its first byte, and then its whole request head,
    /// within this.
    pub header_read_timeout: Duration,
    /// A connection with no request under way for this long is shut down.
    pub idle_timeout: Duration,
    /// Most open connections; further ones are closed at once.
    pub max_connections: usize,
    /// Most open connections from one address (0: no such bound); further
    /// ones are closed at once.
    pub max_per_ip: usize,
    /// Addresses the per-address bound does not apply to (trusted proxies:
    /// every client behind one shares its address).
    pub exempt: Arc<[IpAddr]>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            max_per_ip: 64,
            exempt: Arc::from(Vec::new()),
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

/// One connection, as hyper serves it.
type Served =
    Pin<Box<auto::UpgradeableConnection<'static, TokioIo<TcpStream>, front::Front, TokioExecutor>>>;

impl driver::Connection for Served {
    fn graceful_shutdown(&mut self) {
        self.as_mut().graceful_shutdown();
    }
}

/// Connections refused because the cap was reached (for `/metrics`).
pub static REFUSED_CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// How long open connections may take to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting and waits (at most [`DRAIN`]) for open connections to finish.
/// `lane`, if any, sees each request before the router ([`FrontLane`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    lane: Option<Arc<dyn FrontLane>>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress {
        max: limits.max_per_ip,
        open: Mutex::new(HashMap::new()),
    });
    // Shutdown is announced on `stopping`; each connection task holds a
    // clone of `open`, so the receiver ends once every task has finished.
    let (stopping_tx, stopping) = watch::channel(false);
    let (open, mut all_closed) = mpsc::channel::<()>(1);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper's own cap on header lines (100, `limits::MAX_HEADER_COUNT`) is
    // left as it is: a larger one costs two heap arrays per request. The
    // HTTP/1 timer is each connection's own (`clock::HeadTimer`).
    builder
        .http1()
        .header_read_timeout(limits.header_read_timeout);
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
        let activity = Activity::new();
        let service = front::Front {
            router: router.clone(),
            lane: lane.clone(),
            peer,
            activity: activity.clone(),
        };
        let (builder, mut stopping, open) = (builder.clone(), stopping.clone(), open.clone());
        let first_byte = limits.header_read_timeout;
        let idle = limits.idle_timeout;
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
            activity.touch();
            let mut builder = (*builder).clone();
            builder.http1().timer(HeadTimer(activity.clone()));
            let connection: Served = Box::pin(
                builder
                    .serve_connection_with_upgrades(TokioIo::new(tcp), service)
                    .into_owned(),
            );
            let stopping = async move {
                // A dropped sender is a shutdown too.
                let _ = stopping.changed().await;
            };
            match driver::Driven::new(connection, activity, idle, stopping).await {
                Some(Err(error)) => {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
                Some(Ok(())) => {}
                // Idle, and not closed within its grace.
                None => {}
            }
            drop((slot, address_slot, open));
        });
    }
    drop(listener);
    let _ = stopping_tx.send(true);
    drop(open);
    if tokio::time::timeout(DRAIN, all_closed.recv())
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
