//! Live metrics: one collector polls every Redis node on a fixed tick (and
//! tells the read target, `topology::ReadTarget`, which replica is healthy),
//! and a hub broadcasts ticks and lookup batches to WebSocket clients.

pub mod collector;
pub mod hub;
pub mod prometheus;

pub use hub::Hub;

use std::{sync::Arc, time::Duration};

/// How often lookup batches go out.
pub const LOOKUP_BATCH_EVERY: Duration = Duration::from_millis(250);

/// Sends lookup batches forever (spawn it).
pub async fn batch_lookups(hub: Arc<Hub>) {
    let mut tick = tokio::time::interval(LOOKUP_BATCH_EVERY);
    loop {
        tick.tick().await;
        hub.flush_lookups();
    }
}
