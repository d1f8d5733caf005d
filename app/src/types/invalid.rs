//! Why an input is refused, as a type: the server writes it in English in
//! its `{"error"}` bodies (`Display`), the UI in the page's language
//! (`crate::i18n`), from the same value.

use std::fmt;

/// Why a product id, a product, a query or a key is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// A product id is empty or longer than [`super::MAX_ID_LEN`].
    IdLength,
    /// A product id holds something else than letters, digits, `_` and `-`.
    IdCharacters,
    /// A category is empty or longer than [`super::MAX_CATEGORY_LEN`].
    CategoryLength,
    /// A category holds something else than `[a-z0-9_-]`.
    CategoryCharacters,
    /// A price (`field` names it) is not a number from 0 to [`super::Cents::MAX`].
    PriceRange {
        /// `min_price`, `max_price` or `the price`.
        field: &'static str,
    },
    /// A price is not a whole number of cents (`12.345`).
    PriceCents {
        /// `the price`.
        field: &'static str,
    },
    /// A number field holds something else than a number.
    NotANumber {
        /// The parameter's name.
        field: &'static str,
        /// What was sent, cut to 40 characters.
        value: String,
    },
    /// A whole-number parameter is out of its range.
    WholeRange {
        /// The parameter's name.
        field: &'static str,
        /// Smallest accepted.
        min: u64,
        /// Largest accepted.
        max: u64,
    },
    /// The lower price bound is above the upper one.
    MinAboveMax {
        /// `min_price`.
        min: f64,
        /// `max_price`.
        max: f64,
    },
    /// A product's name is empty.
    NameEmpty,
    /// A product's name is longer than [`super::MAX_NAME_LEN`].
    NameLength,
    /// A product lists more than [`super::MAX_FEATURES`] features.
    TooManyFeatures,
    /// A feature is empty or longer than [`super::MAX_FEATURE_LEN`].
    FeatureLength,
    /// `order` is not `price_asc` or `price_desc`.
    Order,
    /// The search text is longer than [`super::MAX_QUERY_CHARS`].
    QueryLength,
    /// The search has more than [`super::MAX_QUERY_WORDS`] words.
    TooManyWords,
    /// A stored search is not in canonical form.
    NotCanonical(String),
    /// The key browser's pattern is longer than [`super::MAX_PATTERN_LEN`].
    PatternLength,
    /// The key browser's type filter is not a Redis type.
    KeyType,
    /// The key browser's cursor is not a number.
    Cursor,
    /// A key name is empty or longer than [`super::MAX_KEY_LEN`].
    KeyLength,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::{
            MAX_CATEGORY_LEN, MAX_FEATURES, MAX_FEATURE_LEN, MAX_ID_LEN, MAX_KEY_LEN, MAX_NAME_LEN,
            MAX_PATTERN_LEN, MAX_QUERY_CHARS, MAX_QUERY_WORDS,
        };
        match self {
            Invalid::IdLength => write!(f, "a product id has 1 to {MAX_ID_LEN} characters"),
            Invalid::IdCharacters => {
                f.write_str("a product id may only hold letters, digits, '_' and '-'")
            }
            Invalid::CategoryLength => {
                write!(f, "a category has 1 to {MAX_CATEGORY_LEN} characters")
            }
            Invalid::CategoryCharacters => {
                f.write_str("a category may only hold lower-case letters, digits, '_' and '-'")
            }
            Invalid::PriceRange { field } => {
                write!(
                    f,
                    "{field} must be a number from 0 to {}",
                    super::Cents::MAX
                )
            }
            Invalid::PriceCents { field } => {
                write!(
                    f,
                    "{field} must be a whole number of cents (at most two decimals)"
                )
            }
            Invalid::NotANumber { field, value } => {
                write!(f, "{field} must be a number, not {value:?}")
            }
            Invalid::WholeRange { field, min, max } => {
                write!(f, "{field} must be a whole number from {min} to {max}")
            }
            Invalid::MinAboveMax { min, max } => {
                write!(f, "min_price ({min}) is above max_price ({max})")
            }
            Invalid::NameEmpty => f.write_str("the name must not be empty"),
            Invalid::NameLength => write!(f, "the name has at most {MAX_NAME_LEN} characters"),
            Invalid::TooManyFeatures => {
                write!(f, "a product lists at most {MAX_FEATURES} features")
            }
            Invalid::FeatureLength => {
                write!(f, "each feature has 1 to {MAX_FEATURE_LEN} characters")
            }
            Invalid::Order => f.write_str("order must be price_asc or price_desc"),
            Invalid::QueryLength => write!(f, "q has at most {MAX_QUERY_CHARS} characters"),
            Invalid::TooManyWords => {
                write!(f, "a search combines at most {MAX_QUERY_WORDS} words")
            }
            Invalid::NotCanonical(text) => write!(f, "not a canonical search: {text:?}"),
            Invalid::PatternLength => write!(f, "match has at most {MAX_PATTERN_LEN} bytes"),
            Invalid::KeyType => f.write_str("type must be string, list, set, zset, hash or stream"),
            Invalid::Cursor => f.write_str("cursor must be the number the last page returned"),
            Invalid::KeyLength => write!(f, "a key has 1 to {MAX_KEY_LEN} bytes"),
        }
    }
}

impl std::error::Error for Invalid {}
