//! The key browser (`/api/keys`): one bounded `SCAN` step at a time, and one
//! key's value, bounded, so a person can look inside Redis without
//! `redis-cli` and without `KEYS`.

use super::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most keys one `SCAN` step may be asked to look at (`COUNT`), for admins.
pub const MAX_SCAN_COUNT: u64 = 1_000;
/// Most keys one step looks at for a viewer: each key found costs three
/// more commands (`TYPE`, `PTTL`, `MEMORY USAGE`), so a viewer's step costs
/// Redis at most ~400 commands.
pub const MAX_VIEWER_SCAN_COUNT: u64 = 100;
/// Keys looked at per step when no `count` is given.
pub const DEFAULT_SCAN_COUNT: u64 = 100;
/// Longest `match` pattern.
pub const MAX_PATTERN_LEN: usize = 256;
/// Longest key name accepted.
pub const MAX_KEY_LEN: usize = 1_024;
/// Elements of a list, set, sorted set or hash shown.
pub const MAX_ITEMS: usize = 100;
/// Bytes of one element (a member, a hash field or its value) shown; the
/// rest is cut in Redis, so a 1 MB element never crosses the network.
pub const MAX_ELEMENT_BYTES: usize = 1_024;
/// Bytes of a whole answer's text or elements: a string's first 64 KiB,
/// or as many (cut) elements as fit.
pub const MAX_ANSWER_BYTES: usize = 65_536;

/// A Redis type, as `TYPE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// `string`.
    String,
    /// `list`.
    List,
    /// `set`.
    Set,
    /// `zset` (sorted set).
    Zset,
    /// `hash`.
    Hash,
    /// `stream`.
    Stream,
    /// Any other (a module's type).
    Other,
}

impl KeyType {
    /// The `TYPE` reply's word.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::Zset => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
            KeyType::Other => "other",
        }
    }

    /// A type a person can filter by (`string` … `stream`); `None` for
    /// anything else.
    pub fn parse(word: &str) -> Option<Self> {
        Self::from_reply(word).filter(|kind| *kind != KeyType::Other)
    }

    /// From a `TYPE` reply; `None` for `none` (the key is gone).
    pub fn from_reply(reply: &str) -> Option<Self> {
        Some(match reply {
            "string" => KeyType::String,
            "list" => KeyType::List,
            "set" => KeyType::Set,
            "zset" => KeyType::Zset,
            "hash" => KeyType::Hash,
            "stream" => KeyType::Stream,
            "none" => return None,
            _ => KeyType::Other,
        })
    }
}

/// `GET /api/keys?match=&type=&cursor=&count=`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyQuery {
    /// A `SCAN MATCH` glob; `*` when none.
    pub pattern: String,
    /// Only keys of this type (`SCAN … TYPE`).
    pub kind: Option<KeyType>,
    /// Where the scan is; 0 starts it.
    pub cursor: u64,
    /// Keys looked at in this step (`COUNT`), 1..=1000 (viewers: 1..=100,
    /// see [`KeyQuery::bounded_for_viewer`]).
    pub count: u64,
}

impl KeyQuery {
    /// Parses the query parameters (empty values count as absent).
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, Invalid> {
        let get = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let pattern = get("match").unwrap_or("*").to_string();
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(Invalid::PatternLength);
        }
        let kind = match get("type") {
            None => None,
            Some(word) => Some(KeyType::parse(word).ok_or(Invalid::KeyType)?),
        };
        let cursor = match get("cursor") {
            None => 0,
            Some(c) => c.parse().map_err(|_| Invalid::Cursor)?,
        };
        let count = match get("count") {
            None => DEFAULT_SCAN_COUNT,
            Some(c) => match c.parse::<u64>() {
                Ok(n) if (1..=MAX_SCAN_COUNT).contains(&n) => n,
                _ => {
                    return Err(Invalid::WholeRange {
                        field: "count",
                        min: 1,
                        max: MAX_SCAN_COUNT,
                    })
                }
            },
        };
        Ok(KeyQuery {
            pattern,
            kind,
            cursor,
            count,
        })
    }

    /// A viewer's step looks at no more than [`MAX_VIEWER_SCAN_COUNT`] keys.
    pub fn bounded_for_viewer(mut self) -> Self {
        self.count = self.count.min(MAX_VIEWER_SCAN_COUNT);
        self
    }

    /// The query string of this step (what [`KeyQuery::parse`] reads).
    pub fn query_string(&self) -> String {
        let mut out = format!(
            "match={}&cursor={}&count={}",
            super::percent_encode(&self.pattern),
            self.cursor,
            self.count
        );
        if let Some(kind) = self.kind {
            out.push_str("&type=");
            out.push_str(kind.as_str());
        }
        out
    }
}

/// Checks a key name given to `/api/keys/value` or `DELETE /api/keys`.
pub fn validate_key(key: &str) -> Result<(), Invalid> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(Invalid::KeyLength);
    }
    Ok(())
}

/// One key found by a `SCAN` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyInfo {
    /// The key's name.
    pub key: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: KeyType,
    /// Time left, in ms; `null` when it never expires.
    pub ttl_ms: Option<u64>,
    /// `MEMORY USAGE`, in bytes.
    pub bytes: Option<u64>,
}

/// Answer of `GET /api/keys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyPage {
    /// Keys found in this step (a step may find none and still not be done).
    pub keys: Vec<KeyInfo>,
    /// Where the next step starts; 0 when the scan is complete.
    pub cursor: u64,
    /// Keys in the database in all (`DBSIZE`).
    pub total: u64,
    /// Keys this step found that the caller's role may not see (other
    /// applications' keys, sessions, rate-limit counters): counted, never
    /// named.
    #[serde(default)]
    pub hidden: u64,
}

/// One element of a list, set, sorted set or hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyItem {
    /// Hashes: the field.
    pub field: Option<String>,
    /// The element (hash: the value).
    pub value: String,
    /// Sorted sets: the score.
    pub score: Option<f64>,
    /// The element's true size in bytes (hash: the value's).
    #[serde(default)]
    pub bytes: u64,
    /// Hashes: the field's true size in bytes.
    #[serde(default)]
    pub field_bytes: Option<u64>,
    /// Whether `value` or `field` is cut to its first [`MAX_ELEMENT_BYTES`].
    #[serde(default)]
    pub cut: bool,
}

/// Answer of `GET /api/keys/value?key=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyValue {
    /// The key's name.
    pub key: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: KeyType,
    /// Time left, in ms; `null` when it never expires.
    pub ttl_ms: Option<u64>,
    /// `MEMORY USAGE`, in bytes.
    pub bytes: Option<u64>,
    /// `OBJECT ENCODING` (`embstr`, `listpack`, ...).
    pub encoding: Option<String>,
    /// Strings: bytes; others: elements.
    pub length: u64,
    /// Strings: the text (JSON pretty-printed when it is whole JSON), at
    /// most [`MAX_ANSWER_BYTES`].
    pub text: Option<String>,
    /// Strings: whether the text is JSON.
    pub json: bool,
    /// Other types: the first elements, at most [`MAX_ITEMS`], each cut to
    /// [`MAX_ELEMENT_BYTES`], together at most [`MAX_ANSWER_BYTES`].
    pub items: Vec<KeyItem>,
    /// Whether the answer shows less than the whole value (fewer elements,
    /// a cut element, or a string's first part).
    pub truncated: bool,
}

/// Answer of `DELETE /api/keys?key=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyDeleted {
    /// The key.
    pub key: String,
    /// Whether it existed.
    pub deleted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<KeyQuery, Invalid> {
        KeyQuery::parse(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn scans_are_bounded_and_round_trip() {
        let q = parse(&[
            ("match", "db:*"),
            ("type", "string"),
            ("cursor", "42"),
            ("count", "500"),
        ])
        .expect("valid");
        assert_eq!(q.kind, Some(KeyType::String));
        let again: HashMap<String, String> = q
            .query_string()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%2A", "*").replace("%3A", ":")))
            .collect();
        assert_eq!(KeyQuery::parse(&again), Ok(q));
        assert_eq!(
            parse(&[]).map(|q| (q.pattern, q.count)),
            Ok(("*".into(), 100))
        );
        assert!(parse(&[("count", "1001")]).is_err());
        assert!(parse(&[("count", "0")]).is_err());
        assert!(parse(&[("type", "other")]).is_err());
        assert_eq!(KeyType::parse(""), None);
        assert_eq!(KeyType::parse("zset"), Some(KeyType::Zset));
        assert!(parse(&[("cursor", "-1")]).is_err());
        assert!(parse(&[("match", &"x".repeat(257))]).is_err());
        assert!(validate_key("").is_err());
        assert!(validate_key(&"k".repeat(1025)).is_err());
    }
}
