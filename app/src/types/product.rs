//! Products: the record, the database routes' answers, and the rules a
//! product must follow (shared, so the server enforces them and a form can
//! check them before sending).

use super::{Cents, Invalid, ProductId};
use serde::{Deserialize, Serialize};
/// Longest product name, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest category name; categories match `[a-z0-9_-]{1,40}`.
pub const MAX_CATEGORY_LEN: usize = 40;
/// Most features a product may list.
pub const MAX_FEATURES: usize = 20;
/// Longest feature, in characters.
pub const MAX_FEATURE_LEN: usize = 80;
/// A product, stored as JSON in `db:product:<id>`. Its id and price are
/// checked as they are read (a bad one is refused with the same sentence as
/// [`ProductId::parse`] or [`Cents::from_dollars`]); [`Product::validate`]
/// checks the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Product {
    /// Unique id, `[A-Za-z0-9_-]{1,64}`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub id: ProductId,
    /// Display name.
    pub name: String,
    /// Price in dollars, a whole number of cents from 0 to 1,000,000,000
    /// (`899.99`); held as [`Cents`].
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub price: Cents,
    /// Category, `[a-z0-9_-]{1,40}`.
    pub category: String,
    /// Whether it can be bought now.
    pub in_stock: bool,
    /// Selling points, at most [`MAX_FEATURES`].
    #[serde(default)]
    pub features: Vec<String>,
}

/// Checks a category name against `[a-z0-9_-]{1,40}`.
pub fn validate_category(category: &str) -> Result<(), Invalid> {
    if category.is_empty() || category.len() > MAX_CATEGORY_LEN {
        return Err(Invalid::CategoryLength);
    }
    if !category
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(Invalid::CategoryCharacters);
    }
    Ok(())
}

impl Product {
    /// Checks the fields their types do not (id and price are checked when
    /// read); the first problem found is reported.
    pub fn validate(&self) -> Result<(), Invalid> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(Invalid::NameEmpty);
        }
        if self.name.chars().count() > MAX_NAME_LEN {
            return Err(Invalid::NameLength);
        }
        validate_category(&self.category)?;
        if self.features.len() > MAX_FEATURES {
            return Err(Invalid::TooManyFeatures);
        }
        for feature in &self.features {
            if feature.trim().is_empty() || feature.chars().count() > MAX_FEATURE_LEN {
                return Err(Invalid::FeatureLength);
            }
        }
        Ok(())
    }
}

/// The system of record a product was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// The product database kept in Redis (`db:*` keys).
    RedisDb,
    /// A PostgreSQL table.
    Postgres,
}

impl StoreKind {
    /// The wire name (`"redis_db"`).
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::RedisDb => "redis_db",
            StoreKind::Postgres => "postgres",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            StoreKind::RedisDb => "Redis",
            StoreKind::Postgres => "PostgreSQL",
        }
    }
}

/// `GET /api/db/product/{id}`: `{"data": {...}, "source": "redis_db"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DbProduct {
    /// The stored product.
    pub data: Product,
    /// The product database that answered.
    pub source: StoreKind,
}

/// `GET /api/db/products`: one page of products and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductPage {
    /// The products of this page, in the requested price order.
    pub items: Vec<Product>,
    /// How many products match the filters, all pages together.
    pub total: u64,
}

/// One entry of `GET /api/db/categories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryCount {
    /// The category name.
    pub name: String,
    /// How many products it holds.
    pub count: u64,
}

/// Answer of `PUT /api/db/product/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductWritten {
    /// The product as stored.
    pub data: Product,
    /// `true` when a new product was created, `false` when one was replaced.
    pub created: bool,
    /// Replicas that confirmed the write (`WAIT`) within `WRITE_WAIT_MS`.
    pub replicas_acked: u64,
    /// Replicas the master should have, down ones included (Sentinel's
    /// list, or the configured replica URLs).
    pub replicas: u64,
    /// The write survives any failover: every replica the master should
    /// have confirmed it, on one master with no failover begun meanwhile
    /// (PostgreSQL: the write is committed). `false`: applied, but a
    /// failover may still lose it.
    pub durable: bool,
}

/// Answer of `DELETE /api/db/product/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductDeleted {
    /// The id that was deleted.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub deleted: ProductId,
    /// Replicas that confirmed the delete (`WAIT`) within `WRITE_WAIT_MS`.
    pub replicas_acked: u64,
    /// Replicas the master should have, down ones included.
    pub replicas: u64,
    /// The delete survives any failover (see [`ProductWritten::durable`]).
    pub durable: bool,
}

/// Price order of a product listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriceOrder {
    /// Cheapest first (the default).
    #[default]
    PriceAsc,
    /// Dearest first.
    PriceDesc,
}

impl PriceOrder {
    /// The query-string value.
    pub fn as_str(self) -> &'static str {
        match self {
            PriceOrder::PriceAsc => "price_asc",
            PriceOrder::PriceDesc => "price_desc",
        }
    }

    /// Parses the query-string value.
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        match value {
            "price_asc" => Ok(PriceOrder::PriceAsc),
            "price_desc" => Ok(PriceOrder::PriceDesc),
            _ => Err(Invalid::Order),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_prod1() -> Product {
        Product {
            id: ProductId::parse("prod1").unwrap(),
            name: "Smartphone Premium".into(),
            price: Cents::new(89_999).unwrap(),
            category: "electronics".into(),
            in_stock: true,
            features: vec!["5G".into(), "HDR Display".into(), "Water Resistant".into()],
        }
    }

    #[test]
    fn the_seed_product_is_valid() {
        assert_eq!(seed_prod1().validate(), Ok(()));
    }

    #[test]
    fn bad_fields_are_refused() {
        let bad = |f: fn(&mut Product)| {
            let mut p = seed_prod1();
            f(&mut p);
            p.validate().is_err()
        };
        assert!(bad(|p| p.name = "   ".into()));
        assert!(bad(|p| p.name = "n".repeat(201)));
        assert!(bad(|p| p.category = "Electronics".into()));
        assert!(bad(|p| p.category = "a:b".into()));
        assert!(bad(|p| p.features = vec!["x".into(); 21]));
        assert!(bad(|p| p.features = vec![String::new()]));
        assert!(!bad(|p| p.price = Cents::default()));
    }

    #[test]
    fn ids_and_prices_are_checked_as_they_are_read() {
        let body = |id: &str, price: &str| {
            format!(r#"{{"id":{id},"name":"n","price":{price},"category":"c","in_stock":true}}"#)
        };
        let read = |id: &str, price: &str| serde_json::from_str::<Product>(&body(id, price));
        let product = read("\"A-z_09\"", "899.99").expect("valid");
        assert_eq!(product.price.get(), 89_999);
        assert!(
            serde_json::to_string(&product)
                .unwrap()
                .contains(r#""price":899.99"#),
            "the seed's price is answered as it was given"
        );
        for id in [
            "\"\"",
            "\"bad id\"",
            "\"é\"",
            &format!("\"{}\"", "a".repeat(65)),
        ] {
            assert!(read(id, "1").is_err(), "{id}");
        }
        assert!(read("\"p\"", "\"12\"").is_err());
        for price in ["-1", "1e10", "12.345"] {
            let error = read("\"p\"", price).expect_err(price).to_string();
            assert!(error.contains("price"), "{price}: {error}");
        }
    }

    #[test]
    fn the_database_is_named_on_the_wire() {
        let json = serde_json::to_string(&StoreKind::RedisDb).expect("serializes");
        assert_eq!(json, format!("\"{}\"", StoreKind::RedisDb.as_str()));
    }

    #[test]
    fn order_round_trips() {
        for order in [PriceOrder::PriceAsc, PriceOrder::PriceDesc] {
            assert_eq!(PriceOrder::parse(order.as_str()), Ok(order));
        }
        assert!(PriceOrder::parse("name").is_err());
    }
}
