//! Stampede protection: concurrent misses on one key share one database read.
//! The first caller runs the read; the others wait for its result.
//!
//! A write fences its key ([`SingleFlight::fence`]): a caller that arrives
//! after the fence never joins a read that began before it (that read may
//! have seen the database before the write), so a server's reads include
//! its own acknowledged writes.

use std::{
    collections::HashMap,
    future::Future,
    hash::{BuildHasher, RandomState},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};
use tokio::sync::OnceCell;

/// Write fences are counted per stripe of keys (a write fences the other
/// keys of its stripe too: they only start a read of their own).
const STRIPES: usize = 1024;

/// One flight: the fence count of its key's stripe when it began, and its
/// result.
type Flight<T> = (u64, Arc<OnceCell<T>>);

/// In-flight reads by key.
pub struct SingleFlight<T> {
    inflight: Mutex<HashMap<String, Flight<T>>>,
    fences: Box<[AtomicU64]>,
    /// Reads finished, per stripe: a caller that saw no change since it
    /// looked in the cache knows no flight of this server filled the key
    /// meanwhile (see [`SingleFlight::landings`]).
    landed: Box<[AtomicU64]>,
    hasher: RandomState,
}

impl<T: Clone> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight {
            inflight: Mutex::new(HashMap::new()),
            fences: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            landed: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            hasher: RandomState::new(),
        }
    }
}

/// Forgets a key's flight when its caller leaves, however it leaves
/// (finished, failed, or cancelled because the client went away), if the
/// read is done or nobody else waits for it. Without this, a cancelled
/// leader with no waiter would leave its entry behind for ever, and distinct
/// keys would grow the map without bound.
struct Leave<'a, T> {
    flights: &'a SingleFlight<T>,
    key: &'a str,
    cell: Arc<OnceCell<T>>,
}

impl<T> Drop for Leave<'_, T> {
    fn drop(&mut self) {
        let mut inflight = self
            .flights
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let ours = inflight
            .get(self.key)
            .is_some_and(|(_, c)| Arc::ptr_eq(c, &self.cell));
        // Two holders: the map and this caller.
        if ours && (self.cell.initialized() || Arc::strong_count(&self.cell) <= 2) {
            inflight.remove(self.key);
        }
    }
}

impl<T: Clone> SingleFlight<T> {
    fn index(&self, key: &str) -> usize {
        self.hasher.hash_one(key) as usize % STRIPES
    }

    fn stripe(&self, key: &str) -> &AtomicU64 {
        &self.fences[self.index(key)]
    }

    /// How many reads of `key`'s stripe have finished. Taken before looking
    /// in the cache: if it is unchanged when the caller's own read starts, no
    /// read of this server finished in between, so the cache cannot hold a
    /// fill of ours that the look missed (a read counts once `read` has
    /// returned, after whatever it stored).
    pub fn landings(&self, key: &str) -> u64 {
        self.landed[self.index(key)].load(Ordering::SeqCst)
    }

    /// Called once a write of `key` is done and before it is answered:
    /// callers from now on start a read of their own rather than join one
    /// that began before the write.
    pub fn fence(&self, key: &str) {
        self.stripe(key).fetch_add(1, Ordering::SeqCst);
    }

    /// Runs `read` unless a read for `key` is already under way (and began
    /// after the last fence of its key), in which case its result is
    /// shared. If the running caller is cancelled, a waiter takes over.
    /// Returns the value and whether this call ran the read.
    pub async fn run<F, Fut>(&self, key: &str, read: F) -> (T, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let cell = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            // Read under the map's lock: a fence after this point is after
            // this caller arrived, and may keep the flight.
            let fence = self.stripe(key).load(Ordering::SeqCst);
            match inflight.get(key) {
                Some((began, cell)) if *began == fence => cell.clone(),
                // None yet, or one from before a write: a flight of our own
                // (the older one finishes for those who joined it).
                _ => {
                    let cell = Arc::new(OnceCell::new());
                    inflight.insert(key.to_string(), (fence, cell.clone()));
                    cell
                }
            }
        };
        let leave = Leave {
            flights: self,
            key,
            cell,
        };
        let mut ran = false;
        let value = leave
            .cell
            .get_or_init(|| {
                ran = true;
                let landed = &self.landed[self.index(key)];
                async move {
                    let value = read().await;
                    landed.fetch_add(1, Ordering::SeqCst);
                    value
                }
            })
            .await
            .clone();
        drop(leave);
        (value, ran)
    }

    /// How many reads are under way.
    pub fn len(&self) -> usize {
        self.inflight.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no read is under way.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_share_one_read() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (flights, reads) = (flights.clone(), reads.clone());
                tokio::spawn(async move {
                    flights
                        .run("k", || async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            7
                        })
                        .await
                })
            })
            .collect();
        let mut leaders = 0;
        for task in tasks {
            let (value, ran) = task.await.expect("task");
            assert_eq!(value, 7);
            leaders += usize::from(ran);
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(leaders, 1);
        assert!(flights.is_empty(), "finished reads are forgotten");
    }

    #[tokio::test]
    async fn landings_count_finished_reads_of_a_key() {
        let flights = SingleFlight::<u32>::default();
        let before = flights.landings("k");
        assert_eq!(flights.landings("k"), before, "nothing ran");
        flights.run("k", || async { 1 }).await;
        assert_eq!(flights.landings("k"), before + 1);
    }

    #[tokio::test]
    async fn a_caller_after_a_fence_never_joins_an_older_read() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let before = {
            let flights = flights.clone();
            tokio::spawn(async move {
                flights
                    .run("k", || async {
                        let _ = hold.await;
                        1
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        // The write of "k" is done: a read that starts now must see it.
        flights.fence("k");
        let after = flights.run("k", || async { 2 }).await;
        assert_eq!(after, (2, true), "joined the read from before the write");
        let _ = release.send(());
        assert_eq!(before.await.expect("task"), (1, true));
        assert!(flights.is_empty());
    }

    #[tokio::test]
    async fn cancelled_leaders_leave_nothing_behind() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        for n in 0..100 {
            let flights = flights.clone();
            let leader = tokio::spawn(async move {
                flights
                    .run(&format!("key-{n}"), std::future::pending::<u32>)
                    .await
            });
            tokio::time::sleep(Duration::from_millis(1)).await;
            leader.abort();
            let _ = leader.await;
        }
        assert!(flights.is_empty(), "{} flights left behind", flights.len());
    }

    #[tokio::test]
    async fn a_waiter_takes_over_from_a_cancelled_leader() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        let leader = {
            let flights = flights.clone();
            tokio::spawn(async move { flights.run("k", std::future::pending::<u32>).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        let waiter = {
            let flights = flights.clone();
            tokio::spawn(async move { flights.run("k", || async { 9 }).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        leader.abort();
        assert_eq!(waiter.await.expect("waiter"), (9, true));
        assert!(flights.is_empty());
    }
}
