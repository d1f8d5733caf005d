//! The system of record behind the cache: one interface, two
//! implementations. [`Store::Redis`] keeps products in Redis (`db:*` keys,
//! the default); [`Store::Postgres`] keeps them in a PostgreSQL table. The
//! cache, the admin routes, the pages and the maintenance commands only ever
//! talk to a [`Store`].

use crate::{
    catalog::{seed::LoadReport, CatalogError, Durability, ProductDb},
    postgres::{PgError, PgStore},
};
use app::types::{
    CategoryCount, ListQuery, Product, ProductId, ProductPage, SearchParams, StoreKind,
};
use std::time::Duration;

/// Why the system of record could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreFailure {
    /// The Redis product database failed.
    #[error(transparent)]
    Redis(#[from] CatalogError),
    /// PostgreSQL failed.
    #[error(transparent)]
    Postgres(#[from] PgError),
    /// A PostgreSQL write failed: refused, or its outcome unknown.
    #[error(transparent)]
    PostgresWrite(PgError),
}

/// The product store the server was configured with.
#[derive(Clone)]
pub enum Store {
    /// Products in Redis, on the master.
    Redis(ProductDb),
    /// Products in PostgreSQL (the cache hears of changes by the table's
    /// `NOTIFY`, and of this server's own writes from `Cache::put`).
    Postgres(PgStore),
}

impl Store {
    /// Which store this is (named on the wire and in the UI).
    pub fn kind(&self) -> StoreKind {
        match self {
            Store::Redis(_) => StoreKind::RedisDb,
            Store::Postgres(_) => StoreKind::Postgres,
        }
    }

    /// One product; `None` when the id is unknown.
    pub async fn get(&self, id: &ProductId) -> Result<Option<Product>, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.get(id.as_str()).await?,
            Store::Postgres(pg) => pg.get(id.as_str()).await?,
        })
    }

    /// One product's JSON, as the cache stores it.
    pub async fn get_raw(&self, id: &str) -> Result<Option<String>, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.get_raw(id).await?,
            Store::Postgres(pg) => pg.get_raw(id).await?,
        })
    }

    /// One page of a listing.
    pub async fn list(&self, query: &ListQuery) -> Result<ProductPage, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.list(query).await?,
            Store::Postgres(pg) => pg.list(query).await?,
        })
    }

    /// A search, cheapest first.
    pub async fn search(&self, query: &SearchParams) -> Result<ProductPage, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.search(query).await?,
            Store::Postgres(pg) => pg.search(query).await?,
        })
    }

    /// Every category with its number of products.
    pub async fn categories(&self) -> Result<Vec<CategoryCount>, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.categories().await?,
            Store::Postgres(pg) => pg.categories().await?,
        })
    }

    /// An admin write: creates or replaces. Returns whether the product was
    /// created, and how far the write got (Redis replicas that confirmed
    /// it; nothing to confirm for PostgreSQL). Called by `Cache::put` only,
    /// which owes the cache its invalidation.
    pub async fn put_and_wait(
        &self,
        product: &Product,
    ) -> Result<(bool, Durability), StoreFailure> {
        match self {
            Store::Redis(db) => Ok(db.put_and_wait(product).await?),
            Store::Postgres(pg) => {
                let created = pg.put(product).await.map_err(StoreFailure::PostgresWrite)?;
                Ok((created, committed()))
            }
        }
    }

    /// An admin delete, like [`Store::put_and_wait`].
    pub async fn delete_and_wait(
        &self,
        id: &ProductId,
    ) -> Result<(bool, Durability), StoreFailure> {
        match self {
            Store::Redis(db) => Ok(db.delete_and_wait(id.as_str()).await?),
            Store::Postgres(pg) => {
                let deleted = pg
                    .delete(id.as_str())
                    .await
                    .map_err(StoreFailure::PostgresWrite)?;
                Ok((deleted, committed()))
            }
        }
    }

    /// Loads the built-in catalog (see the stores' own docs).
    pub async fn load_builtin(&self, force: bool) -> Result<LoadReport, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.load_builtin(force).await?,
            Store::Postgres(pg) => pg.load_builtin(force).await?,
        })
    }

    /// Writes `count` synthetic products.
    pub async fn generate(&self, count: u64) -> Result<u64, StoreFailure> {
        Ok(match self {
            Store::Redis(db) => db.generate(count).await?,
            Store::Postgres(pg) => pg.generate(count).await?,
        })
    }

    /// PostgreSQL only: whether it answers and how fast (`None` for Redis,
    /// whose health is the master's).
    pub async fn ping(&self) -> Option<Result<Duration, PgError>> {
        match self {
            Store::Redis(_) => None,
            Store::Postgres(pg) => Some(pg.ping().await),
        }
    }
}

/// A PostgreSQL write is durable once committed (no Redis replica holds it).
fn committed() -> Durability {
    Durability {
        durable: true,
        ..Durability::default()
    }
}
