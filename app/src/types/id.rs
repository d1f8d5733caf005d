//! Product ids: parsed once, where they enter (a path, a URL, a body), and
//! carried as a [`ProductId`] from then on, so no handler or page has to
//! remember to check one.

use super::Invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest product id; ids match `[A-Za-z0-9_-]{1,64}`.
pub const MAX_ID_LEN: usize = 64;

/// A product id known to match `[A-Za-z0-9_-]{1,64}`: safe in a Redis key,
/// a URL path and HTML without escaping. Deserializing one checks it, so an
/// extractor of `ProductId` refuses a bad id with the same sentence as
/// [`ProductId::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductId(String);

impl ProductId {
    /// Checks `id` and wraps it.
    pub fn parse(id: &str) -> Result<Self, Invalid> {
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return Err(Invalid::IdLength);
        }
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Invalid::IdCharacters);
        }
        Ok(ProductId(id.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ProductId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ProductId {
    type Err = Invalid;
    fn from_str(id: &str) -> Result<Self, Invalid> {
        ProductId::parse(id)
    }
}

impl PartialEq<str> for ProductId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ProductId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// An id reads as the text it is (it can only be built checked).
impl std::ops::Deref for ProductId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Serialize for ProductId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ProductId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        ProductId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_once_and_round_trip() {
        for good in ["prod1", "A-z_09", &"x".repeat(64)] {
            let id = ProductId::parse(good).expect("valid");
            assert_eq!(id.as_str(), good);
            let json = serde_json::to_string(&id).expect("serializes");
            assert_eq!(serde_json::from_str::<ProductId>(&json).ok(), Some(id));
        }
        for bad in ["", "bad id", "é", "a/b", "a:b", &"x".repeat(65)] {
            assert!(ProductId::parse(bad).is_err(), "{bad:?}");
            let json = serde_json::to_string(bad).expect("serializes");
            assert!(serde_json::from_str::<ProductId>(&json).is_err(), "{bad:?}");
        }
    }
}
