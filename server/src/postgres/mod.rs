//! PostgreSQL as the system of record (`PRODUCT_STORE=postgres`): the
//! `products` table (schema by versioned migrations in `server/migrations/`,
//! run at start), read and written with plain SQL through a pool. Every call
//! is bounded twice: by the server's `statement_timeout` and by a client-side
//! timeout, so a PostgreSQL that hangs (not only one that is down) gives an
//! error in time. The pool dials lazily and re-dials by itself: a server
//! started while PostgreSQL is down works as soon as it is back.

mod bulk;
mod error;
pub mod listen;

pub use bulk::PgLoadReport;
pub use error::PgError;

use app::types::{
    CategoryCount, Cents, ListQuery, PriceOrder, Product, ProductId, ProductPage, SearchParams,
};
use sqlx::{
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    ConnectOptions,
};
use std::{future::Future, str::FromStr, time::Duration, time::Instant};

/// Versioned schema changes, compiled into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A product row as selected everywhere (price in cents: exact).
type Row = (String, String, i64, String, bool, Vec<String>);
/// A row of a listing, with the count of every matching row.
type CountedRow = (String, String, i64, String, bool, Vec<String>, i64);

const SELECT_ONE: &str =
    "SELECT id, name, (price * 100)::int8, category, in_stock, features FROM products WHERE id = $1";

/// Listings: one statement per shape, so each keeps an index-friendly plan
/// (`price` or `(category, price)`). Bounds: $1 min, $2 max, $3 limit,
/// $4 offset, $5 category.
const LIST_ALL_ASC: &str =
    "SELECT id, name, (price * 100)::int8, category, in_stock, features, count(*) OVER () \
     FROM products WHERE price >= $1::int8 / 100.0 AND price <= $2::int8 / 100.0 \
     ORDER BY price, id LIMIT $3 OFFSET $4";
const LIST_ALL_DESC: &str =
    "SELECT id, name, (price * 100)::int8, category, in_stock, features, count(*) OVER () \
     FROM products WHERE price >= $1::int8 / 100.0 AND price <= $2::int8 / 100.0 \
     ORDER BY price DESC, id DESC LIMIT $3 OFFSET $4";
const LIST_CATEGORY_ASC: &str =
    "SELECT id, name, (price * 100)::int8, category, in_stock, features, count(*) OVER () \
     FROM products WHERE price >= $1::int8 / 100.0 AND price <= $2::int8 / 100.0 AND category = $5 \
     ORDER BY price, id LIMIT $3 OFFSET $4";
const LIST_CATEGORY_DESC: &str =
    "SELECT id, name, (price * 100)::int8, category, in_stock, features, count(*) OVER () \
     FROM products WHERE price >= $1::int8 / 100.0 AND price <= $2::int8 / 100.0 AND category = $5 \
     ORDER BY price DESC, id DESC LIMIT $3 OFFSET $4";
const COUNT_ALL: &str = "SELECT count(*) FROM products \
     WHERE price >= $1::int8 / 100.0 AND price <= $2::int8 / 100.0";
const COUNT_CATEGORY: &str = "SELECT count(*) FROM products \
     WHERE price >= $1::int8 / 100.0 AND price <= $2::int8 / 100.0 AND category = $3";

/// Word search through the GIN index on `words`: $1 words (all must match),
/// $2 min, $3 max, $4 limit, $5 category or NULL.
const SEARCH: &str =
    "SELECT id, name, (price * 100)::int8, category, in_stock, features, count(*) OVER () \
     FROM products WHERE words @> $1::text[] \
       AND price >= $2::int8 / 100.0 AND price <= $3::int8 / 100.0 \
       AND ($5::text IS NULL OR category = $5) \
     ORDER BY price, id LIMIT $4";

const CATEGORIES: &str =
    "SELECT category, count(*) FROM products GROUP BY category ORDER BY category";

/// Creates or replaces; `xmax = 0` tells an insert from an update.
const UPSERT: &str = "INSERT INTO products (id, name, price, category, in_stock, features) \
     VALUES ($1, $2, ($3::int8 / 100.0)::numeric(12, 2), $4, $5, $6) \
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price, \
       category = EXCLUDED.category, in_stock = EXCLUDED.in_stock, features = EXCLUDED.features \
     RETURNING (xmax = 0)";
/// Creates unless the id exists: a row (`true`) when created, none when kept.
const INSERT_KEEP: &str = "INSERT INTO products (id, name, price, category, in_stock, features) \
     VALUES ($1, $2, ($3::int8 / 100.0)::numeric(12, 2), $4, $5, $6) \
     ON CONFLICT (id) DO NOTHING RETURNING true";
/// The row's revision (see `migrations/0002_revisions.sql`).
const REVISION: &str = "SELECT revision FROM products WHERE id = $1";
/// Replaces a product if its row still has the revision $7 read before;
/// answers a row (`false`: not created) only when it did.
const UPDATE_AT: &str = "UPDATE products SET name = $2, \
       price = ($3::int8 / 100.0)::numeric(12, 2), category = $4, in_stock = $5, features = $6 \
     WHERE id = $1 AND revision = $7 RETURNING false";
/// Deletes a product if its row still has the revision $2 read before.
const DELETE_AT: &str = "DELETE FROM products WHERE id = $1 AND revision = $2";

/// Conditional writes tried while other writers keep changing the row, before
/// the write is refused.
const WRITE_TRIES: usize = 5;

/// Below every price and above every price, in cents.
const NO_MIN: i64 = -1;
const NO_MAX: i64 = i64::MAX;

/// The PostgreSQL product store: a pool and the bound on each call.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    timeout: Duration,
}

/// How to reach PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// `postgres://user:password@host:port/database` (never printed).
    pub url: String,
    /// Most connections in the pool.
    pub pool_size: u32,
    /// Bound on getting a connection.
    pub connect_timeout: Duration,
    /// Bound on each statement.
    pub statement_timeout: Duration,
}

impl PgStore {
    /// A store whose pool dials on first use (no connection is made here).
    pub fn connect(settings: &PgSettings) -> Result<Self, PgError> {
        let statement_ms = settings.statement_timeout.as_millis().to_string();
        let options = PgConnectOptions::from_str(&settings.url)
            .map_err(|e| PgError::BadUrl {
                reason: error::without_url(&e.to_string(), &settings.url),
            })?
            .application_name("cachescope")
            .options([("statement_timeout", statement_ms.as_str())])
            // Every statement is bounded and a failure is reported as an
            // error; sqlx's own per-statement logging would only add noise
            // (every bulk `generate` batch is "slow").
            .disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size)
            .min_connections(0)
            .acquire_timeout(settings.connect_timeout)
            .idle_timeout(Duration::from_secs(60))
            .connect_lazy_with(options);
        Ok(PgStore {
            pool,
            // The server's statement_timeout fires first; this catches a
            // server that does not answer at all.
            timeout: settings.statement_timeout + settings.connect_timeout,
        })
    }

    /// The pool (the invalidation listener holds one of its connections).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies the migrations not applied yet (a lock keeps two servers
    /// starting together from racing).
    pub async fn migrate(&self) -> Result<(), PgError> {
        tokio::time::timeout(Duration::from_secs(60), MIGRATOR.run(&self.pool))
            .await
            .map_err(|_| PgError::Timeout { ms: 60_000 })?
            .map_err(|e| PgError::Migrate {
                reason: e.to_string(),
            })
    }

    /// Runs one call under the client-side bound.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, PgError> {
        self.until(tokio::time::Instant::now() + self.timeout, call)
            .await
    }

    /// `SELECT 1`: whether PostgreSQL answers, and how fast.
    pub async fn ping(&self) -> Result<Duration, PgError> {
        let started = Instant::now();
        let _: i32 = self
            .bounded(sqlx::query_scalar("SELECT 1").fetch_one(&self.pool))
            .await?;
        Ok(started.elapsed())
    }

    /// One product; `None` when the id is unknown.
    pub async fn get(&self, id: &str) -> Result<Option<Product>, PgError> {
        let row: Option<Row> = self
            .bounded(
                sqlx::query_as(SELECT_ONE)
                    .bind(id)
                    .fetch_optional(&self.pool),
            )
            .await?;
        row.map(product).transpose()
    }

    /// One product as JSON (what the cache stores).
    pub async fn get_raw(&self, id: &str) -> Result<Option<String>, PgError> {
        match self.get(id).await? {
            Some(product) => {
                serde_json::to_string(&product)
                    .map(Some)
                    .map_err(|e| PgError::Query {
                        reason: e.to_string(),
                    })
            }
            None => Ok(None),
        }
    }

    /// One page of a listing and the number of matching products.
    pub async fn list(&self, query: &ListQuery) -> Result<ProductPage, PgError> {
        let (min, max) = bounds(query.min_price, query.max_price);
        let limit = query.limit as i64;
        let offset = query.offset as i64;
        let sql = match (&query.category, query.order) {
            (None, PriceOrder::PriceAsc) => LIST_ALL_ASC,
            (None, PriceOrder::PriceDesc) => LIST_ALL_DESC,
            (Some(_), PriceOrder::PriceAsc) => LIST_CATEGORY_ASC,
            (Some(_), PriceOrder::PriceDesc) => LIST_CATEGORY_DESC,
        };
        let mut select = sqlx::query_as::<_, CountedRow>(sql)
            .bind(min)
            .bind(max)
            .bind(limit)
            .bind(offset);
        if let Some(category) = &query.category {
            select = select.bind(category);
        }
        let rows = self.bounded(select.fetch_all(&self.pool)).await?;
        let total = match rows.first() {
            Some(row) => row.6 as u64,
            // An empty page past the end: count on its own.
            None if offset > 0 => {
                let count = match &query.category {
                    None => sqlx::query_scalar::<_, i64>(COUNT_ALL).bind(min).bind(max),
                    Some(category) => sqlx::query_scalar::<_, i64>(COUNT_CATEGORY)
                        .bind(min)
                        .bind(max)
                        .bind(category),
                };
                self.bounded(count.fetch_one(&self.pool)).await? as u64
            }
            None => 0,
        };
        Ok(ProductPage {
            items: rows
                .into_iter()
                .map(counted_product)
                .collect::<Result<_, _>>()?,
            total,
        })
    }

    /// A search: without words a listing; with words, every word must be in
    /// the row's `words` (the GIN index), cheapest first.
    pub async fn search(&self, query: &SearchParams) -> Result<ProductPage, PgError> {
        if query.words.is_empty() {
            return self.list(&query.as_listing()).await;
        }
        let (min, max) = bounds(query.min_price, query.max_price);
        let rows: Vec<CountedRow> = self
            .bounded(
                sqlx::query_as(SEARCH)
                    .bind(&query.words)
                    .bind(min)
                    .bind(max)
                    .bind(query.limit as i64)
                    .bind(query.category.as_deref())
                    .fetch_all(&self.pool),
            )
            .await?;
        let total = rows.first().map_or(0, |row| row.6 as u64);
        Ok(ProductPage {
            items: rows
                .into_iter()
                .map(counted_product)
                .collect::<Result<_, _>>()?,
            total,
        })
    }

    /// Every category with its number of products, by name.
    pub async fn categories(&self) -> Result<Vec<CategoryCount>, PgError> {
        let rows: Vec<(String, i64)> = self
            .bounded(sqlx::query_as(CATEGORIES).fetch_all(&self.pool))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(name, count)| CategoryCount {
                name,
                count: count as u64,
            })
            .collect())
    }

    /// Creates or replaces a (validated) product; `true` when created. The
    /// table's trigger announces the change at commit.
    ///
    /// Read the revision, then write on that condition (a create: only if
    /// the id is still absent), again while other writers move the row: a
    /// write statement that reaches PostgreSQL late, after this call gave
    /// up, never overwrites a write made after it. The whole call is bounded
    /// once; a failure before the write statement was sent is a refusal
    /// ([`PgError::BeforeWrite`]), never an unknown outcome.
    pub async fn put(&self, product: &Product) -> Result<bool, PgError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let id = product.id.as_str();
        for _ in 0..WRITE_TRIES {
            // A row only when the condition held: `false` updated, `true` created.
            let query = match self.revision(id, deadline).await? {
                Some(revision) => write(UPDATE_AT, product).bind(revision),
                None => write(INSERT_KEEP, product),
            };
            if let Some(created) = self
                .until(deadline, query.fetch_optional(&self.pool))
                .await?
            {
                return Ok(created);
            }
        }
        Err(PgError::Contended { tries: WRITE_TRIES })
    }

    /// Deletes a product; `true` when it existed. Conditional like
    /// [`PgStore::put`]: a late delete never removes a later write.
    pub async fn delete(&self, id: &str) -> Result<bool, PgError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        for _ in 0..WRITE_TRIES {
            let Some(revision) = self.revision(id, deadline).await? else {
                return Ok(false);
            };
            let delete = sqlx::query(DELETE_AT)
                .bind(id)
                .bind(revision)
                .execute(&self.pool);
            if self.until(deadline, delete).await?.rows_affected() == 1 {
                return Ok(true);
            }
        }
        Err(PgError::Contended { tries: WRITE_TRIES })
    }

    /// The revision of `id`'s row (`None`: absent), read before a
    /// conditional write; any failure here is [`PgError::BeforeWrite`].
    async fn revision(
        &self,
        id: &str,
        deadline: tokio::time::Instant,
    ) -> Result<Option<i64>, PgError> {
        let read = sqlx::query_scalar(REVISION)
            .bind(id)
            .fetch_optional(&self.pool);
        self.until(deadline, read)
            .await
            .map_err(|e| PgError::BeforeWrite(Box::new(e)))
    }

    /// Runs one call of a write until `deadline` (the write's one bound).
    async fn until<T>(
        &self,
        deadline: tokio::time::Instant,
        call: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, PgError> {
        match tokio::time::timeout_at(deadline, call).await {
            Ok(result) => result.map_err(PgError::from),
            Err(_) => Err(PgError::Timeout {
                ms: self.timeout.as_millis() as u64,
            }),
        }
    }
}

/// [`UPSERT`], [`INSERT_KEEP`] or [`UPDATE_AT`] (which binds the revision
/// after) with a product's six columns bound.
fn write<'q>(
    sql: &'static str,
    product: &'q Product,
) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, bool, sqlx::postgres::PgArguments> {
    sqlx::query_scalar(sql)
        .bind(product.id.as_str())
        .bind(&product.name)
        .bind(cents(product.price))
        .bind(&product.category)
        .bind(product.in_stock)
        .bind(&product.features)
}

/// Price bounds in cents with the open ends filled in.
fn bounds(min: Option<Cents>, max: Option<Cents>) -> (i64, i64) {
    (min.map_or(NO_MIN, cents), max.map_or(NO_MAX, cents))
}

/// A price as PostgreSQL's `int8` (every price fits: at most 1e11 cents).
fn cents(price: Cents) -> i64 {
    i64::try_from(price.get()).unwrap_or(i64::MAX)
}

/// A row as a product. The table's checks keep ids and prices valid; a
/// row that is not anyway is an error, never a made-up product.
fn product((id, name, price, category, in_stock, features): Row) -> Result<Product, PgError> {
    let broken = |reason: String| PgError::Query { reason };
    Ok(Product {
        id: ProductId::parse(&id).map_err(|e| broken(format!("row {id:?}: {e}")))?,
        name,
        price: u64::try_from(price)
            .ok()
            .and_then(Cents::new)
            .ok_or_else(|| broken(format!("row {id:?}: price of {price} cents")))?,
        category,
        in_stock,
        features,
    })
}

fn counted_product(
    (id, name, price, category, in_stock, features, _): CountedRow,
) -> Result<Product, PgError> {
    product((id, name, price, category, in_stock, features))
}
