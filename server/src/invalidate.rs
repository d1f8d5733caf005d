//! Dropping cache entries when the system of record changed behind the
//! cache's back: after an admin write to PostgreSQL, and on every
//! `NOTIFY product_changed` (writes made by anyone, psql included).

use crate::{
    keyspace::cache as keys,
    topology::{Node, StoreError},
};
use redis::Script;
use std::sync::LazyLock;

/// Keys looked at per `SCAN` step when dropping every product entry.
const SCAN_COUNT: usize = 1_000;

/// Drops product entries and bumps the search generation on the master.
#[derive(Clone)]
pub struct Invalidator {
    master: Node,
}

impl Invalidator {
    /// Invalidates through the master.
    pub fn new(master: Node) -> Self {
        Invalidator { master }
    }

    /// Drops the entries of `ids` and every search entry (one script).
    pub async fn products(&self, ids: &[&str]) -> Result<(), StoreError> {
        let mut invocation = INVALIDATE.key(keys::SEARCH_GENERATION);
        for id in ids {
            invocation.key(keys::product(id));
        }
        let _: i64 = self.master.script(&invocation).await?;
        Ok(())
    }

    /// Drops every product entry (`SCAN` by steps, never `KEYS`) and every
    /// search entry: for a bulk change, or after notifications may have been
    /// missed. Returns how many entries were dropped.
    pub async fn everything(&self) -> Result<u64, StoreError> {
        // Searches first: one step, and the stale ones go at once.
        self.products(&[]).await?;
        let pattern = format!("{}*", keys::PRODUCT_PREFIX);
        let mut cursor = 0u64;
        let mut dropped = 0u64;
        loop {
            let (next, found): (u64, Vec<String>) = self
                .master
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT),
                )
                .await?;
            if !found.is_empty() {
                dropped += found.len() as u64;
                let _: u64 = self.master.query(redis::cmd("UNLINK").arg(&found)).await?;
            }
            if next == 0 {
                return Ok(dropped);
            }
            cursor = next;
        }
    }
}

/// KEYS: `cache:search:gen`, then the product entries to drop. Drops them
/// and bumps the search generation, in one step: what a change in the
/// system of record calls for.
static INVALIDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return redis.call('INCR', KEYS[1])
"#,
    )
});
