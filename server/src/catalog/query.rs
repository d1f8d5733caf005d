//! Listing bounds in Redis terms. The listing itself ([`ListQuery`]: its
//! parameters, bounds and mistakes) is a shared type in `app::types`, so the
//! products page builds the same value the server parses.

use app::types::Cents;
pub use app::types::{ListQuery, DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET};

/// The `ZRANGE ... BYSCORE` bounds of a price range: `-inf`/`+inf` when unset.
/// Scores are dollars (the documented layout), written exactly from cents.
pub fn score_bounds(min_price: Option<Cents>, max_price: Option<Cents>) -> (String, String) {
    (
        min_price.map_or_else(|| "-inf".to_string(), |p| p.to_string()),
        max_price.map_or_else(|| "+inf".to_string(), |p| p.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_bounds_are_infinite() {
        assert_eq!(score_bounds(None, None), ("-inf".into(), "+inf".into()));
        assert_eq!(
            score_bounds(Cents::new(1_000), Cents::new(9_950)),
            ("10".into(), "99.5".into())
        );
    }
}
