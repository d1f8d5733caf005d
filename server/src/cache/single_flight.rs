//! Stampede protection: concurrent misses on one key share one database read.
//! The first caller runs the read; the others wait for its result.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};
use tokio::sync::OnceCell;

/// In-flight reads by key.
pub struct SingleFlight<T> {
    inflight: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
}

impl<T: Clone> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight {
            inflight: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> SingleFlight<T> {
    /// Runs `read` unless a read for `key` is already under way, in which
    /// case its result is shared. If the running caller is cancelled, a waiter
    /// takes over. Returns the value and whether this call ran the read.
    pub async fn run<F, Fut>(&self, key: &str, read: F) -> (T, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let cell = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            inflight
                .entry(key.to_string())
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let mut ran = false;
        let value = cell
            .get_or_init(|| {
                ran = true;
                read()
            })
            .await
            .clone();
        if ran {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            if inflight.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                inflight.remove(key);
            }
        }
        (value, ran)
    }

    /// Whether no read is under way.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.inflight.lock().map(|m| m.is_empty()).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
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
}
