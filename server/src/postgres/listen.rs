//! `LISTEN product_changed`: every server drops the cache entries of products
//! changed in PostgreSQL by anyone (the admin API of any instance, or an
//! `UPDATE` typed in psql), within a round trip of the commit.
//!
//! Two tasks: the listener receives notifications and passes them on; the
//! applier invalidates in Redis, retrying while Redis is down, so a slow or
//! dead Redis never makes the listener miss notifications. When the listening
//! connection is lost, notifications sent meanwhile are lost with it: on every
//! (re)subscription the whole product cache is dropped, so nothing stale
//! survives the gap.
//!
//! A listening connection can also go silent without being closed (its
//! backend frozen, a firewall or NAT dropping an idle connection's packets):
//! every [`HEARTBEAT_EVERY`] the server sends a `NOTIFY` of its own through
//! the pool, which must come back through the listening connection. When
//! one sent more than [`SILENCE`] ago has not come back, the channel is
//! silent: the cache of this server goes dark (lookups read PostgreSQL and
//! fill nothing, see [`Channel::dark`]) and the server listens again on a
//! new connection, drops every cached product, and uses the cache again
//! once a heartbeat came back through it. Changes made while it was silent
//! are therefore never served stale for longer than [`SILENCE`] plus one
//! heartbeat.

use crate::invalidate::Invalidator;
use app::types::ProductId;
use sqlx::postgres::{PgListener, PgPool};
use std::{
    collections::BTreeSet,
    hash::{BuildHasher, RandomState},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, oneshot, Notify};

/// The channel the table's triggers notify.
pub const CHANNEL: &str = "product_changed";
/// The payload that means "many rows changed: drop every product".
const EVERYTHING: &str = "*";
/// Pause before listening again after a failure.
const RETRY: Duration = Duration::from_millis(500);
/// Notifications waiting for the applier; beyond this the applier drops
/// everything instead of keeping up id by id.
const BACKLOG: usize = 10_000;
/// How often a heartbeat `NOTIFY` is sent through the pool.
pub const HEARTBEAT_EVERY: Duration = Duration::from_millis(250);
/// A heartbeat sent this long ago that has not come back through the
/// listening connection makes it silent.
pub const SILENCE: Duration = Duration::from_millis(1_000);
/// Heartbeat payloads start with this (never a product id: ids have no `~`).
const HEARTBEAT_PREFIX: &str = "~hb:";

/// Whether the listening connection is known to carry notifications now.
/// Shared with the cache, which goes dark while it does not.
#[derive(Debug, Default)]
pub struct Channel {
    /// A heartbeat of ours came back through the current listening
    /// connection.
    heard: AtomicBool,
    /// The last heartbeat PostgreSQL was asked to send was taken: it takes
    /// statements, so it may take writes this server would not hear of.
    answers: AtomicBool,
    /// Asks for a heartbeat now (the listening connection was lost: is
    /// PostgreSQL down, or only this connection?).
    probe: Notify,
    /// Bumped when the listening connection is lost: a heartbeat that began
    /// before says nothing of PostgreSQL since.
    losses: AtomicU64,
    /// Times the channel was found silent or lost.
    pub silences: AtomicU64,
}

impl Channel {
    /// Whether the cache must not be used: PostgreSQL takes statements (so
    /// it may take writes) but no heartbeat came back through a listening
    /// connection. While PostgreSQL answers nothing at all it takes no
    /// writes either, and the cache keeps answering.
    pub fn dark(&self) -> bool {
        !self.heard.load(Ordering::Acquire) && self.answers.load(Ordering::Acquire)
    }
}

/// What the applier must drop.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    /// These products.
    Product(String),
    /// Every product (a bulk change, or notifications possibly missed).
    Everything,
}

/// Listens for ever and keeps the cache coherent with PostgreSQL. Owned by
/// the application's task set, which stops it.
/// `ready` is told once the first subscription is made, the cache dropped
/// (or that drop queued, when Redis refused it) and a heartbeat came back
/// through it, so a server can start serving only after it.
pub async fn run(
    pool: PgPool,
    invalidator: Invalidator,
    channel: Arc<Channel>,
    ready: oneshot::Sender<()>,
) {
    let (changes, received) = mpsc::channel(BACKLOG);
    let overflow = AtomicBool::new(false);
    let (sent, heartbeats) = mpsc::channel(16);
    let nonce = format!(
        "{HEARTBEAT_PREFIX}{:016x}",
        RandomState::new().hash_one(Instant::now())
    );
    // One task: stopping it stops every part.
    tokio::join!(
        listen(
            pool.clone(),
            changes,
            &overflow,
            &invalidator,
            ready,
            &channel,
            &nonce,
            heartbeats
        ),
        apply(received, invalidator.clone(), &overflow),
        heartbeat(pool, &channel, &nonce, sent)
    );
}

/// Sends a heartbeat `NOTIFY` every [`HEARTBEAT_EVERY`] through the pool
/// (bounded by the pool's own timeouts), and tells the listener when each
/// one that PostgreSQL took was sent.
async fn heartbeat(pool: PgPool, channel: &Channel, nonce: &str, sent: mpsc::Sender<Instant>) {
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = channel.probe.notified() => {}
        }
        let at = Instant::now();
        let losses = channel.losses.load(Ordering::Acquire);
        let notify = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(nonce)
            .execute(&pool);
        let taken = matches!(tokio::time::timeout(SILENCE, notify).await, Ok(Ok(_)));
        if channel.losses.load(Ordering::Acquire) == losses {
            channel.answers.store(taken, Ordering::Release);
        }
        if taken && sent.send(at).await.is_err() {
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn listen(
    pool: PgPool,
    changes: mpsc::Sender<Change>,
    overflow: &AtomicBool,
    invalidator: &Invalidator,
    ready: oneshot::Sender<()>,
    channel: &Channel,
    nonce: &str,
    mut heartbeats: mpsc::Receiver<Instant>,
) {
    let mut ready = Some(ready);
    loop {
        channel.heard.store(false, Ordering::Release);
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::debug!(%error, "cannot listen for product changes yet");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::debug!(%error, "cannot listen for product changes yet");
            tokio::time::sleep(RETRY).await;
            continue;
        }
        tracing::info!("listening for product changes in PostgreSQL");
        // Whatever changed while nobody listened is unknown.
        if let Err(error) = invalidator.everything().await {
            tracing::warn!(%error, "cannot drop the cached products yet; retrying");
            if send(&changes, Change::Everything, overflow).is_err() {
                return;
            }
        }
        // The oldest heartbeat PostgreSQL took that has not come back.
        let mut unheard: Option<Instant> = None;
        let mut check = tokio::time::interval(HEARTBEAT_EVERY);
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => {
                        let change = match notification.payload() {
                            EVERYTHING => Change::Everything,
                            payload if payload.starts_with(HEARTBEAT_PREFIX) => {
                                // Notifications arrive in commit order: ours
                                // proves every earlier one came through.
                                if payload == nonce {
                                    unheard = None;
                                    if !channel.heard.swap(true, Ordering::AcqRel) {
                                        tracing::debug!("PostgreSQL notifications come through");
                                    }
                                    if let Some(ready) = ready.take() {
                                        let _ = ready.send(());
                                    }
                                }
                                continue;
                            }
                            id => match ProductId::parse(id) {
                                Ok(id) => Change::Product(id.as_str().to_string()),
                                Err(_) => continue,
                            },
                        };
                        if send(&changes, change, overflow).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {
                        tracing::warn!("the PostgreSQL listening connection was lost; listening again");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "listening for product changes failed; listening again");
                        break;
                    }
                },
                Some(at) = heartbeats.recv() => {
                    unheard.get_or_insert(at);
                }
                _ = check.tick() => {
                    if unheard.is_some_and(|at| at.elapsed() > SILENCE) {
                        tracing::warn!(
                            "the PostgreSQL listening connection is silent (a heartbeat sent {} ms ago never came back); the cache is dark until it listens again",
                            SILENCE.as_millis()
                        );
                        break;
                    }
                }
            }
        }
        // Until a heartbeat says whether PostgreSQL itself answers, this is
        // no reason to stop serving (it may be down, and then takes no
        // writes): the probe decides within a round trip when it is up.
        channel.losses.fetch_add(1, Ordering::AcqRel);
        channel.answers.store(false, Ordering::Release);
        channel.heard.store(false, Ordering::Release);
        channel.probe.notify_one();
        channel.silences.fetch_add(1, Ordering::Relaxed);
        // Dark meanwhile (when PostgreSQL answers); the next subscription
        // drops every cached product before the cache is used again.
        tokio::time::sleep(RETRY).await;
    }
}

/// Queues a change; when the queue is full, `overflow` asks the applier to
/// drop everything instead (it catches up in one step). Fails once the
/// applier is gone.
fn send(changes: &mpsc::Sender<Change>, change: Change, overflow: &AtomicBool) -> Result<(), ()> {
    match changes.try_send(change) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Full(_)) => {
            overflow.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
    }
}

/// Applies changes in batches (what arrived together), retrying every
/// second while Redis refuses.
async fn apply(
    mut received: mpsc::Receiver<Change>,
    invalidator: Invalidator,
    overflow: &AtomicBool,
) {
    let mut everything = false;
    let mut ids = BTreeSet::new();
    loop {
        if ids.is_empty() && !everything {
            match received.recv().await {
                Some(change) => take(change, &mut ids, &mut everything),
                None => return,
            }
        }
        while let Ok(change) = received.try_recv() {
            take(change, &mut ids, &mut everything);
        }
        if overflow.swap(false, Ordering::Relaxed) {
            everything = true;
        }
        let result = if everything {
            invalidator.everything().await.map(|_| ())
        } else {
            let batch: Vec<&str> = ids.iter().map(String::as_str).collect();
            invalidator.products(&batch).await
        };
        match result {
            Ok(()) => {
                everything = false;
                ids.clear();
            }
            Err(error) => {
                tracing::warn!(%error, "cannot invalidate the cache yet; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn take(change: Change, ids: &mut BTreeSet<String>, everything: &mut bool) {
    match change {
        Change::Product(id) => {
            ids.insert(id);
        }
        Change::Everything => *everything = true,
    }
}
