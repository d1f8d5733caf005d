//! Filling the PostgreSQL store: the built-in catalog (once per catalog
//! version, never overwriting a product, like the Redis store) and synthetic
//! products for load tests, streamed with `COPY` into a staging table and
//! upserted from there in batches.

use super::{write, PgError, PgStore, INSERT_KEEP, UPSERT};
use crate::catalog::seed::{builtin, synthetic, LoadReport, MAX_GENERATED};
use app::types::Product;
use std::fmt::Write;

/// Any number, the same for every cachescope: serializes catalog loads of
/// servers starting together.
const LOAD_LOCK: i64 = 0x6361_6368_6573;
/// Synthetic products per `COPY` and upsert (one transaction each).
const BATCH: u64 = 50_000;

/// What a catalog load did (the Redis store's report).
pub type PgLoadReport = LoadReport;

impl PgStore {
    /// Loads the built-in catalog: once per catalog version unless `force`,
    /// and without `force` never over an existing product.
    pub async fn load_builtin(&self, force: bool) -> Result<LoadReport, PgError> {
        let (version, products) = builtin().map_err(|e| PgError::Query {
            reason: format!("the built-in catalog does not parse: {e}"),
        })?;
        let version = version.to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOAD_LOCK)
            .execute(&mut *tx)
            .await?;
        let loaded: Option<String> =
            sqlx::query_scalar("SELECT value FROM cachescope_meta WHERE key = 'catalog_version'")
                .fetch_optional(&mut *tx)
                .await?;
        if !force && loaded.as_deref() == Some(version.as_str()) {
            return Ok(LoadReport {
                already_loaded: true,
                ..LoadReport::default()
            });
        }
        let mut report = LoadReport::default();
        for product in &products {
            // Forced: every product is written as shipped; otherwise only
            // those that do not exist (a row comes back when one is made).
            let written = if force {
                write(UPSERT, product)
                    .fetch_one(&mut *tx)
                    .await
                    .map(|_| true)?
            } else {
                write(INSERT_KEEP, product)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some()
            };
            if written {
                report.written += 1;
            } else {
                report.kept += 1;
            }
        }
        sqlx::query(
            "INSERT INTO cachescope_meta (key, value) VALUES ('catalog_version', $1) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        )
        .bind(&version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Writes `count` synthetic products (`syn-0000001`…), replacing any with
    /// the same id: `COPY` into a staging table, then one upsert, per batch.
    pub async fn generate(&self, count: u64) -> Result<u64, PgError> {
        let count = count.min(MAX_GENERATED);
        let mut start = 1;
        let mut text = String::new();
        while start <= count {
            let end = (start + BATCH - 1).min(count);
            text.clear();
            for n in start..=end {
                let product = synthetic(n).map_err(|e| PgError::Query {
                    reason: e.to_string(),
                })?;
                copy_row(&mut text, &product);
            }
            let mut tx = self.pool.begin().await?;
            // Bulk statements run longer than a request may.
            sqlx::query("SET LOCAL statement_timeout = 0")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "CREATE TEMP TABLE staging (id text, name text, price numeric(12, 2), \
                 category text, in_stock boolean, features text[]) ON COMMIT DROP",
            )
            .execute(&mut *tx)
            .await?;
            let mut copy = tx
                .copy_in_raw(
                    "COPY staging (id, name, price, category, in_stock, features) FROM STDIN",
                )
                .await?;
            copy.send(text.as_bytes()).await?;
            copy.finish().await?;
            sqlx::query(
                "INSERT INTO products (id, name, price, category, in_stock, features) \
                 SELECT id, name, price, category, in_stock, features FROM staging \
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price, \
                   category = EXCLUDED.category, in_stock = EXCLUDED.in_stock, \
                   features = EXCLUDED.features",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            start = end + 1;
        }
        Ok(count)
    }
}

/// One product as a line of `COPY … FROM STDIN` text format.
fn copy_row(out: &mut String, product: &Product) {
    let features = array_literal(&product.features);
    let _ = writeln!(
        out,
        "{}\t{}\t{}\t{}\t{}\t{}",
        copy_text(product.id.as_str()),
        copy_text(&product.name),
        product.price,
        copy_text(&product.category),
        if product.in_stock { "t" } else { "f" },
        copy_text(&features),
    );
}

/// A value escaped for `COPY` text format.
fn copy_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// A `text[]` literal: every element quoted, `"` and `\` escaped.
fn array_literal(items: &[String]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::types::{Cents, ProductId};

    #[test]
    fn copy_rows_escape_what_copy_and_arrays_treat_specially() {
        let product = Product {
            id: ProductId::parse("p-1").unwrap(),
            name: "Tab\there \\ back".into(),
            price: Cents::new(89_999).unwrap(),
            category: "home".into(),
            in_stock: false,
            features: vec!["say \"hi\", {x}".into(), "a\\b".into()],
        };
        let mut line = String::new();
        copy_row(&mut line, &product);
        assert_eq!(
            line,
            "p-1\tTab\\there \\\\ back\t899.99\thome\tf\t{\"say \\\\\"hi\\\\\", {x}\",\"a\\\\\\\\b\"}\n"
        );
    }
}
