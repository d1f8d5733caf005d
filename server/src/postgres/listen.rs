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

use crate::cache::Invalidator;
use app::types::ProductId;
use sqlx::postgres::{PgListener, PgPool};
use std::{
    collections::BTreeSet,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};
use tokio::sync::{mpsc, oneshot};

/// The channel the table's triggers notify.
pub const CHANNEL: &str = "product_changed";
/// The payload that means "many rows changed: drop every product".
const EVERYTHING: &str = "*";
/// Pause before listening again after a failure.
const RETRY: Duration = Duration::from_millis(500);
/// Notifications waiting for the applier; beyond this the applier drops
/// everything instead of keeping up id by id.
const BACKLOG: usize = 10_000;

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
/// `ready` is told once the first subscription is made and the cache
/// dropped (or that drop queued, when Redis refused it), so a server can
/// start serving only after it.
pub async fn run(pool: PgPool, invalidator: Invalidator, ready: oneshot::Sender<()>) {
    let (changes, received) = mpsc::channel(BACKLOG);
    let overflow = AtomicBool::new(false);
    // One task: stopping it stops both halves.
    tokio::join!(
        listen(pool, changes, &overflow, &invalidator, ready),
        apply(received, invalidator.clone(), &overflow)
    );
}

async fn listen(
    pool: PgPool,
    changes: mpsc::Sender<Change>,
    overflow: &AtomicBool,
    invalidator: &Invalidator,
    ready: oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    loop {
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
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let change = match notification.payload() {
                        EVERYTHING => Change::Everything,
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
            }
        }
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
