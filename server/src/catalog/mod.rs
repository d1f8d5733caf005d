//! Redis as the product database: products as JSON strings with
//! no TTL, plus set and sorted-set indexes kept consistent by Lua scripts.
//! Listings are answered from the indexes, never by reading every product.

mod plan;
mod query;
mod scripts;
pub mod search;
pub mod seed;
pub mod words;

pub use query::{ListQuery, DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET};

use crate::{
    keyspace::db as keys,
    topology::{Node, StoreError, Topology},
};
use app::types::{CategoryCount, PriceOrder, Product, ProductPage};
use std::time::Duration;

/// Why a product-database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Redis did not answer or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A write was sent and no answer came (a timeout, a connection lost
    /// under it): it may or may not have been applied.
    #[error("the write's outcome is unknown: {0}")]
    OutcomeUnknown(StoreError),
    /// Sentinel is failing the master over: the write was not sent.
    #[error("a failover of the Redis master is under way; the write was not sent: retry in a few seconds")]
    FailoverInProgress,
    /// The product changed under every try of a write (each try reads it,
    /// then writes only if it is still what was read): nothing was written.
    #[error("the product kept changing while it was being written; nothing was written: retry")]
    Contended,
    /// A stored product is not valid JSON for our type (edited by hand?).
    #[error("the stored product {id:?} is not valid product JSON: {reason}")]
    Corrupt {
        /// The product id.
        id: String,
        /// The parser's complaint.
        reason: String,
    },
}

/// How far an admin write got before it was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durability {
    /// Replicas that confirmed the write within the `WAIT` bound.
    pub replicas_acked: u64,
    /// Replicas the master should have, down ones included (the fixed
    /// replica URLs, or the replicas Sentinel lists).
    pub replicas: u64,
    /// Every one of those replicas confirmed the write, and it was made and
    /// confirmed on one master with no failover begun meanwhile: whichever
    /// node Sentinel promotes has it.
    pub durable: bool,
    /// An offset every replica holding the write has reached (the slowest
    /// replica's acknowledged offset once all confirmed it, else the
    /// master's offset after it), for read-your-writes with replica reads.
    pub offset: Option<u64>,
}

/// The product database on the master node.
#[derive(Clone)]
pub struct ProductDb {
    master: Node,
    topology: Topology,
    write_wait: Duration,
}

impl ProductDb {
    /// Reads and bulk writes on the topology's master; admin writes on its
    /// writer connection, each followed by a `WAIT` of at most `write_wait`.
    pub fn new(topology: &Topology, write_wait: Duration) -> Self {
        ProductDb {
            master: topology.master().clone(),
            topology: topology.clone(),
            write_wait,
        }
    }

    /// Reads one product; `None` when the id is unknown.
    pub async fn get(&self, id: &str) -> Result<Option<Product>, CatalogError> {
        let json = self.get_raw(id).await?;
        json.map(|json| decode(id, &json)).transpose()
    }

    /// Reads one product's stored JSON as is (the cache stores and compares
    /// exactly this text).
    pub async fn get_raw(&self, id: &str) -> Result<Option<String>, CatalogError> {
        Ok(self
            .master
            .query(redis::cmd("GET").arg(keys::product(id)))
            .await?)
    }

    /// One page of products matching the query, in price order, with the
    /// total count: `ZCOUNT` + `ZRANGE ... BYSCORE LIMIT` in one round trip,
    /// then one `MGET` for the page.
    pub async fn list(&self, query: &ListQuery) -> Result<ProductPage, CatalogError> {
        let index = match &query.category {
            Some(category) => keys::category_by_price(category),
            None => keys::BY_PRICE.to_string(),
        };
        let (min, max) = query::score_bounds(query.min_price, query.max_price);
        let mut range = redis::cmd("ZRANGE");
        match query.order {
            PriceOrder::PriceAsc => range.arg(&index).arg(&min).arg(&max).arg("BYSCORE"),
            PriceOrder::PriceDesc => range
                .arg(&index)
                .arg(&max)
                .arg(&min)
                .arg("BYSCORE")
                .arg("REV"),
        };
        range.arg("LIMIT").arg(query.offset).arg(query.limit);
        let mut pipe = redis::pipe();
        pipe.cmd("ZCOUNT")
            .arg(&index)
            .arg(&min)
            .arg(&max)
            .add_command(range);
        let (total, ids): (u64, Vec<String>) = self.master.pipe(&pipe).await?;
        let items = self.get_many(&ids).await?;
        Ok(ProductPage { items, total })
    }

    /// Reads several products in one `MGET`, in the given order. An id whose
    /// record vanished since the index was read is skipped.
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<Product>, CatalogError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut mget = redis::cmd("MGET");
        for id in ids {
            mget.arg(keys::product(id));
        }
        let values: Vec<Option<String>> = self.master.query(&mget).await?;
        ids.iter()
            .zip(values)
            .filter_map(|(id, json)| json.map(|json| decode(id, &json)))
            .collect()
    }

    /// Every category with its product count, by name: `SMEMBERS` of the
    /// category-name index, then the `SCARD`s in one pipeline.
    pub async fn categories(&self) -> Result<Vec<CategoryCount>, CatalogError> {
        let mut names: Vec<String> = self
            .master
            .query(redis::cmd("SMEMBERS").arg(keys::CATEGORIES))
            .await?;
        names.sort();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for name in &names {
            pipe.cmd("SCARD").arg(keys::category(name));
        }
        let counts: Vec<u64> = self.master.pipe(&pipe).await?;
        Ok(names
            .into_iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| CategoryCount { name, count })
            .collect())
    }

    /// Creates or replaces a (validated) product and moves it in every index
    /// atomically. Returns `true` when it was created.
    pub async fn put(&self, product: &Product) -> Result<bool, CatalogError> {
        Ok(self.put_script(product, false).await? == 1)
    }

    /// Creates a product unless one with its id exists. Returns `true` when it
    /// was created.
    pub async fn insert_if_absent(&self, product: &Product) -> Result<bool, CatalogError> {
        Ok(self.put_script(product, true).await? == 1)
    }

    async fn put_script(&self, product: &Product, nx: bool) -> Result<i64, CatalogError> {
        for _ in 0..MAX_WRITE_TRIES {
            let plan = plan::put(product, nx, &self.before(product.id.as_str()).await?)?;
            let outcome = self
                .master
                .script(&invocation(&scripts::PUT, &plan))
                .await?;
            if outcome != scripts::CHANGED {
                return Ok(outcome);
            }
        }
        Err(CatalogError::Contended)
    }

    /// What the product `id` is now: the reading a write is planned from.
    async fn before(&self, id: &str) -> Result<plan::Before, CatalogError> {
        let mut pipe = redis::pipe();
        pipe.cmd("GET")
            .arg(keys::product(id))
            .cmd("SMEMBERS")
            .arg(keys::product_words(id));
        let (json, words): (Option<String>, Vec<String>) = self.master.pipe(&pipe).await?;
        Ok(plan::Before { json, words })
    }

    /// [`ProductDb::put`] for the admin API: the write, then `WAIT` for the
    /// replicas linked to the master, in one pipeline on the writer
    /// connection (`WAIT` counts that connection's writes). Returns whether
    /// the product was created, and how many replicas confirmed it.
    pub async fn put_and_wait(
        &self,
        product: &Product,
    ) -> Result<(bool, Durability), CatalogError> {
        for _ in 0..MAX_WRITE_TRIES {
            let plan = plan::put(product, false, &self.before(product.id.as_str()).await?)?;
            let (outcome, durability) = self.write_and_wait(&scripts::PUT_CODE, plan).await?;
            if outcome != scripts::CHANGED {
                return Ok((outcome == 1, durability));
            }
        }
        Err(CatalogError::Contended)
    }

    /// [`ProductDb::delete`] for the admin API, followed by `WAIT` like
    /// [`ProductDb::put_and_wait`].
    pub async fn delete_and_wait(&self, id: &str) -> Result<(bool, Durability), CatalogError> {
        for _ in 0..MAX_WRITE_TRIES {
            let plan = plan::delete(id, &self.before(id).await?);
            let (outcome, durability) = self.write_and_wait(&scripts::DELETE_CODE, plan).await?;
            if outcome != scripts::CHANGED {
                return Ok((outcome == 1, durability));
            }
        }
        Err(CatalogError::Contended)
    }

    async fn write_and_wait(
        &self,
        code: &str,
        plan: plan::Plan,
    ) -> Result<(i64, Durability), CatalogError> {
        // While Sentinel fails the master over, a replica may already
        // answer as master before the switch is announced: whatever the old
        // master takes meanwhile may be thrown away, so nothing is sent.
        if self.topology.writes_fenced() {
            return Err(CatalogError::FailoverInProgress);
        }
        let epoch = self.topology.write_epoch();
        let replicas = self.topology.expected_replicas();
        let writer = self.topology.writer();
        let master = writer.addr();
        let mut eval = redis::cmd("EVAL");
        eval.arg(code)
            .arg(plan.keys.len())
            .arg(plan.keys)
            .arg(plan.args);
        let mut pipe = redis::pipe();
        pipe.add_command(eval);
        // `WAIT n 0` would block for ever: a zero bound turns WAIT off, and
        // the answer then says that no replica confirmed the write.
        let waits = replicas > 0 && !self.write_wait.is_zero();
        if waits {
            pipe.cmd("WAIT")
                .arg(replicas)
                .arg(self.write_wait.as_millis() as u64);
        }
        pipe.cmd("ROLE");
        let answer = if waits {
            writer.pipe::<(i64, u64, redis::Value)>(&pipe).await
        } else {
            writer
                .pipe::<(i64, redis::Value)>(&pipe)
                .await
                .map(|(o, role)| (o, 0, role))
        };
        let (outcome, acked, role) = answer.map_err(|error| {
            if error.outcome_unknown() {
                CatalogError::OutcomeUnknown(error)
            } else {
                CatalogError::Store(error)
            }
        })?;
        let acked = acked.min(replicas);
        // The count of replicas is the topology's, not the live one: once
        // Sentinel promotes a replica it stops confirming the old master's
        // writes, so a write confirmed by every expected replica cannot be
        // on a master that is being replaced.
        let durable = waits
            && acked == replicas
            && self.topology.write_epoch() == epoch
            && writer.addr() == master;
        Ok((
            outcome,
            Durability {
                replicas_acked: acked,
                replicas,
                durable,
                offset: crate::topology::write_floor(&role, waits && acked == replicas),
            },
        ))
    }

    /// Deletes a product from the record and every index atomically. Returns
    /// `true` when it existed.
    pub async fn delete(&self, id: &str) -> Result<bool, CatalogError> {
        for _ in 0..MAX_WRITE_TRIES {
            let plan = plan::delete(id, &self.before(id).await?);
            let removed: i64 = self
                .master
                .script(&invocation(&scripts::DELETE, &plan))
                .await?;
            if removed != scripts::CHANGED {
                return Ok(removed == 1);
            }
        }
        Err(CatalogError::Contended)
    }
}

/// A script call with a plan's keys and arguments.
fn invocation<'a>(script: &'a redis::Script, plan: &plan::Plan) -> redis::ScriptInvocation<'a> {
    let mut invocation = script.prepare_invoke();
    for key in &plan.keys {
        invocation.key(key);
    }
    for arg in &plan.args {
        invocation.arg(arg);
    }
    invocation
}

/// Tries of a write whose product changes between its reading and its
/// script (another writer each time) before it gives up.
const MAX_WRITE_TRIES: usize = 5;

fn decode(id: &str, json: &str) -> Result<Product, CatalogError> {
    serde_json::from_str(json).map_err(|e| CatalogError::Corrupt {
        id: id.to_string(),
        reason: e.to_string(),
    })
}
