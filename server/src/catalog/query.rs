//! The listing query (`category`, `min_price`, `max_price`, `order`, `offset`,
//! `limit`), parsed and bounded from raw query parameters with a clear
//! sentence for each mistake.

use app::types::{validate_category, validate_price, Invalid, PriceOrder};
use std::collections::HashMap;

/// Largest page.
pub const MAX_LIMIT: u64 = 100;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u64 = 20;
/// Deepest offset accepted. `ZRANGE ... LIMIT offset` walks the sorted set
/// up to the offset, so a deep offset costs Redis time on every request;
/// 10,000 is 100 pages of the largest size.
pub const MAX_OFFSET: u64 = 10_000;

/// A validated listing query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Only this category, when set.
    pub category: Option<String>,
    /// Lowest price, inclusive.
    pub min_price: Option<f64>,
    /// Highest price, inclusive.
    pub max_price: Option<f64>,
    /// Price order.
    pub order: PriceOrder,
    /// How many matching products to skip.
    pub offset: u64,
    /// Page size, 1..=100.
    pub limit: u64,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            category: None,
            min_price: None,
            max_price: None,
            order: PriceOrder::PriceAsc,
            offset: 0,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl ListQuery {
    /// Parses the query parameters; empty values count as absent.
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, Invalid> {
        let get = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut query = ListQuery::default();
        if let Some(category) = get("category") {
            validate_category(category)?;
            query.category = Some(category.to_string());
        }
        let min_price = get("min_price")
            .map(|v| price(v, "min_price"))
            .transpose()?;
        let max_price = get("max_price")
            .map(|v| price(v, "max_price"))
            .transpose()?;
        if let (Some(min), Some(max)) = (min_price, max_price) {
            if min > max {
                return Err(format!("min_price ({min}) is above max_price ({max})"));
            }
        }
        query.min_price = min_price.map(|p| cents(p, f64::ceil));
        query.max_price = max_price.map(|p| cents(p, f64::floor));
        if let Some(order) = get("order") {
            query.order = PriceOrder::parse(order)?;
        }
        if let Some(offset) = get("offset") {
            query.offset = whole(offset, "offset", 0, MAX_OFFSET)?;
        }
        if let Some(limit) = get("limit") {
            query.limit = whole(limit, "limit", 1, MAX_LIMIT)?;
        }
        Ok(query)
    }

    /// The `ZRANGE ... BYSCORE` bounds: `-inf`/`+inf` when unset.
    pub fn score_bounds(&self) -> (String, String) {
        (
            self.min_price
                .map_or_else(|| "-inf".to_string(), |p| p.to_string()),
            self.max_price
                .map_or_else(|| "+inf".to_string(), |p| p.to_string()),
        )
    }
}

fn price(value: &str, name: &str) -> Result<f64, Invalid> {
    let parsed: f64 = value
        .parse()
        .map_err(|_| format!("{name} must be a number, not {:?}", truncate(value)))?;
    validate_price(parsed, name)?;
    Ok(parsed)
}

/// A price bound in whole cents (prices are in cents), rounded inwards:
/// `min_price=0.000001` and `min_price=0.01` are the same search, so they
/// share one cache entry instead of each holding its own (an attacker could
/// otherwise mint unlimited distinct cache keys from one range). The
/// tolerance keeps `899.99` (89998.99999… cents in binary) at 899.99.
fn cents(price: f64, round: fn(f64) -> f64) -> f64 {
    let scaled = price * 100.0;
    let nearest = scaled.round();
    let whole = if (scaled - nearest).abs() < 1e-6 {
        nearest
    } else {
        round(scaled)
    };
    whole / 100.0
}

fn whole(value: &str, name: &str, min: u64, max: u64) -> Result<u64, Invalid> {
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{name} must be a whole number from {min} to {max}")),
    }
}

/// Echoes at most 40 characters of a bad value back.
fn truncate(value: &str) -> String {
    value.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ListQuery, Invalid> {
        let params = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ListQuery::parse(&params)
    }

    #[test]
    fn price_bounds_are_whole_cents_rounded_inwards() {
        let q = parse(&[("min_price", "0.000001"), ("max_price", "899.999")]).expect("valid");
        assert_eq!((q.min_price, q.max_price), (Some(0.01), Some(899.99)));
        let q = parse(&[("min_price", "899.99"), ("max_price", "899.99")]).expect("valid");
        assert_eq!((q.min_price, q.max_price), (Some(899.99), Some(899.99)));
        let q = parse(&[("min_price", "10"), ("max_price", "1e9")]).expect("valid");
        assert_eq!((q.min_price, q.max_price), (Some(10.0), Some(1e9)));
    }

    #[test]
    fn deep_offsets_are_refused() {
        assert_eq!(parse(&[("offset", "10000")]).map(|q| q.offset), Ok(10_000));
        assert!(parse(&[("offset", "10001")]).is_err());
    }

    #[test]
    fn defaults_and_full_queries() {
        assert_eq!(parse(&[]), Ok(ListQuery::default()));
        let q = parse(&[
            ("category", "books"),
            ("min_price", "10"),
            ("max_price", "99.5"),
            ("order", "price_desc"),
            ("offset", "20"),
            ("limit", "100"),
        ])
        .expect("valid");
        assert_eq!(q.category.as_deref(), Some("books"));
        assert_eq!(q.score_bounds(), ("10".to_string(), "99.5".to_string()));
        assert_eq!(q.order, PriceOrder::PriceDesc);
        assert_eq!((q.offset, q.limit), (20, 100));
    }

    #[test]
    fn mistakes_are_explained() {
        let err = |pairs: &[(&str, &str)]| parse(pairs).expect_err("must be refused");
        assert!(err(&[("min_price", "abc")]).contains("min_price must be a number"));
        assert!(err(&[("min_price", "-1")]).contains("from 0"));
        assert!(err(&[("max_price", "NaN")]).contains("max_price"));
        assert!(err(&[("max_price", "inf")]).contains("max_price"));
        assert!(err(&[("min_price", "10"), ("max_price", "5")]).contains("above"));
        assert!(err(&[("limit", "0")]).contains("limit"));
        assert!(err(&[("limit", "101")]).contains("limit"));
        assert!(err(&[("offset", "-3")]).contains("offset"));
        assert!(err(&[("order", "name")]).contains("order"));
        assert!(err(&[("category", "Bad Cat")]).contains("category"));
    }
}
