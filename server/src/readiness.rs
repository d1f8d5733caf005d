//! Whether the server is ready to answer lookups: not before the built-in
//! catalog is loaded. Until then a product the database does not hold yet
//! may be one the load is about to write, so a lookup that finds nothing
//! answers 503 (and caches nothing) rather than calling it missing, and
//! `/api/health` answers 503.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once, when the catalog is loaded (at once when seeding is off).
#[derive(Debug, Default)]
pub struct Readiness(AtomicBool);

impl Readiness {
    /// Ready from the start (`SEED_CATALOG=false`), or not yet.
    pub fn new(ready: bool) -> Self {
        Readiness(AtomicBool::new(ready))
    }

    /// Whether the catalog is loaded.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// The catalog is loaded.
    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }
}
