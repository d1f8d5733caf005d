//! What a person asks for, as types both sides share: a product listing
//! ([`ListQuery`]), a search ([`SearchParams`], with the canonical form the
//! cache is keyed by and a label for people), and one lookup of either kind
//! ([`LookupQuery`], what the history and the live feed carry). The browser
//! builds the same values from its form that the server parses from the URL,
//! so a search means one thing on both sides and survives the round trip.

use super::{validate_category, Cents, Invalid, PriceOrder, ProductId, Round};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// Largest page.
pub const MAX_LIMIT: u64 = 100;
/// Page size of a listing when none is asked for.
pub const DEFAULT_LIMIT: u64 = 20;
/// Results per search when no `limit` is given.
pub const DEFAULT_SEARCH_LIMIT: u64 = 20;
/// Deepest offset accepted. `ZRANGE ... LIMIT offset` walks the sorted set
/// up to the offset, so a deep offset costs Redis time on every request;
/// 10,000 is 100 pages of the largest size.
pub const MAX_OFFSET: u64 = 10_000;
/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words a search may combine.
pub const MAX_QUERY_WORDS: usize = 8;
/// Longest indexed word; longer ones are cut.
pub const MAX_WORD_LEN: usize = 32;

/// Lower-cased alphanumeric runs of 2+ characters, deduplicated and sorted:
/// one tokenizer for indexing products and for reading searches.
pub fn tokenize(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase().chars().take(MAX_WORD_LEN).collect())
        .collect()
}

/// A validated listing of the product database (`/api/db/products`).
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Only this category, when set.
    pub category: Option<String>,
    /// Lowest price, inclusive.
    pub min_price: Option<Cents>,
    /// Highest price, inclusive.
    pub max_price: Option<Cents>,
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
    /// Parses query parameters (`category`, `min_price`, `max_price`,
    /// `order`, `offset`, `limit`); empty values count as absent, and each
    /// mistake gets its own sentence.
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
                return Err(Invalid::MinAboveMax { min, max });
            }
        }
        query.min_price = min_price
            .map(|p| Cents::bound(p, Round::Up, "min_price"))
            .transpose()?;
        query.max_price = max_price
            .map(|p| Cents::bound(p, Round::Down, "max_price"))
            .transpose()?;
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

    /// The query string of this listing (what [`ListQuery::parse`] reads).
    pub fn query_string(&self) -> String {
        let mut out = format!(
            "order={}&limit={}&offset={}",
            self.order.as_str(),
            self.limit,
            self.offset
        );
        push_filters(&mut out, &self.category, self.min_price, self.max_price);
        out
    }
}

/// A validated search (`/api/search`): its fields are already canonical
/// (words lower-cased, deduplicated and sorted; prices in whole cents).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    /// Every one must match.
    pub words: Vec<String>,
    /// Only this category, when set.
    pub category: Option<String>,
    /// Lowest price, inclusive.
    pub min_price: Option<Cents>,
    /// Highest price, inclusive.
    pub max_price: Option<Cents>,
    /// Most results returned, 1..=100.
    pub limit: u64,
}

impl SearchParams {
    /// Parses `q`, `category`, `min_price`, `max_price` and `limit`.
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, Invalid> {
        let q = params.get("q").map(String::as_str).unwrap_or("");
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(Invalid::QueryLength);
        }
        let words: Vec<String> = tokenize(q).into_iter().collect();
        if words.len() > MAX_QUERY_WORDS {
            return Err(Invalid::TooManyWords);
        }
        // Category, prices and limit follow the listing's rules.
        let mut listing: HashMap<String, String> = params
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "category" | "min_price" | "max_price" | "limit"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        listing
            .entry("limit".to_string())
            .or_insert_with(|| DEFAULT_SEARCH_LIMIT.to_string());
        let list = ListQuery::parse(&listing)?;
        Ok(SearchParams {
            words,
            category: list.category,
            min_price: list.min_price,
            max_price: list.max_price,
            limit: list.limit,
        })
    }

    /// Parses the fields of a search form: the words, the category and the
    /// prices as typed (blank = none).
    pub fn from_form(
        q: &str,
        category: &str,
        min_price: &str,
        max_price: &str,
    ) -> Result<Self, Invalid> {
        let params = [
            ("q", q),
            ("category", category),
            ("min_price", min_price),
            ("max_price", max_price),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        SearchParams::parse(&params)
    }

    /// One string per distinct search, `q=…|category=…|min=…|max=…|limit=…`:
    /// parameter order, case and spacing do not matter, so equivalent
    /// searches share one cache entry. Unambiguous, since words and
    /// categories never hold `|` or `=`.
    pub fn canonical(&self) -> String {
        let price = |p: Option<Cents>| p.map(|p| p.to_string()).unwrap_or_default();
        format!(
            "q={}|category={}|min={}|max={}|limit={}",
            self.words.join(" "),
            self.category.as_deref().unwrap_or(""),
            price(self.min_price),
            price(self.max_price),
            self.limit
        )
    }

    /// Reads back a [`SearchParams::canonical`] string.
    pub fn from_canonical(canonical: &str) -> Result<Self, Invalid> {
        let mut params = HashMap::new();
        for (part, name) in
            canonical
                .split('|')
                .zip(["q", "category", "min_price", "max_price", "limit"])
        {
            let short = match name {
                "min_price" => "min",
                "max_price" => "max",
                other => other,
            };
            let value = part
                .strip_prefix(short)
                .and_then(|rest| rest.strip_prefix('='))
                .ok_or_else(|| Invalid::NotCanonical(truncate(canonical)))?;
            params.insert(name.to_string(), value.to_string());
        }
        if params.len() != 5 || canonical.split('|').count() != 5 {
            return Err(Invalid::NotCanonical(truncate(canonical)));
        }
        SearchParams::parse(&params)
    }

    /// What was searched, for people: `premium smartphone · electronics ·
    /// $10–$500`, with `all_products` when there are no words and prices
    /// written by `price` (the UI's language decides both).
    pub fn label(&self, all_products: &str, price: impl Fn(Cents) -> String) -> String {
        let mut label = if self.words.is_empty() {
            all_products.to_string()
        } else {
            self.words.join(" ")
        };
        if let Some(category) = &self.category {
            label.push_str(" · ");
            label.push_str(category);
        }
        let _ = match (self.min_price, self.max_price) {
            (Some(min), Some(max)) => write!(label, " · {}–{}", price(min), price(max)),
            (Some(min), None) => write!(label, " · ≥ {}", price(min)),
            (None, Some(max)) => write!(label, " · ≤ {}", price(max)),
            (None, None) => Ok(()),
        };
        label
    }

    /// The query string of this search (what [`SearchParams::parse`] reads).
    pub fn query_string(&self) -> String {
        let mut out = format!("q={}", percent_encode(&self.words.join(" ")));
        push_filters(&mut out, &self.category, self.min_price, self.max_price);
        if self.limit != DEFAULT_SEARCH_LIMIT {
            let _ = write!(out, "&limit={}", self.limit);
        }
        out
    }

    /// The same search as a listing (no words), cheapest first.
    pub fn as_listing(&self) -> ListQuery {
        ListQuery {
            category: self.category.clone(),
            min_price: self.min_price,
            max_price: self.max_price,
            order: PriceOrder::PriceAsc,
            offset: 0,
            limit: self.limit,
        }
    }
}

/// One lookup through the cache: a product by id, or a search. On the wire
/// (`/api/history`, `/ws`) it is one string: the id, or the search's
/// canonical form, which never looks like an id (ids hold no `=`).
#[derive(Debug, Clone, PartialEq)]
pub enum LookupQuery {
    /// `GET /api/products/{id}`.
    Product(ProductId),
    /// `GET /api/search`.
    Search(SearchParams),
}

impl LookupQuery {
    /// Parses the wire form.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.starts_with("q=") {
            SearchParams::from_canonical(text).map(LookupQuery::Search)
        } else {
            ProductId::parse(text).map(LookupQuery::Product)
        }
    }

    /// What was looked up, for people: the id, or the search's label
    /// ([`SearchParams::label`]).
    pub fn label(&self, all_products: &str, price: impl Fn(Cents) -> String) -> String {
        match self {
            LookupQuery::Product(id) => id.to_string(),
            LookupQuery::Search(search) => search.label(all_products, price),
        }
    }
}

impl Serialize for LookupQuery {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LookupQuery::Product(id) => serializer.serialize_str(id.as_str()),
            LookupQuery::Search(search) => serializer.serialize_str(&search.canonical()),
        }
    }
}

impl<'de> Deserialize<'de> for LookupQuery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        LookupQuery::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for SearchParams {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical())
    }
}

impl<'de> Deserialize<'de> for SearchParams {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        SearchParams::from_canonical(&text).map_err(serde::de::Error::custom)
    }
}

/// Percent-encodes a query or path value (anything but `[A-Za-z0-9_.-]`).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => out.push(b as char),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn push_filters(
    out: &mut String,
    category: &Option<String>,
    min: Option<Cents>,
    max: Option<Cents>,
) {
    if let Some(category) = category {
        let _ = write!(out, "&category={}", percent_encode(category));
    }
    if let Some(min) = min {
        let _ = write!(out, "&min_price={min}");
    }
    if let Some(max) = max {
        let _ = write!(out, "&max_price={max}");
    }
}

/// A price bound as typed (checked in range; made whole by [`Cents::bound`]:
/// `min_price=0.000001` and `min_price=0.01` are the same search, so they
/// share one cache entry instead of each holding its own, and an attacker
/// cannot mint unlimited distinct cache keys from one range).
fn price(value: &str, name: &'static str) -> Result<f64, Invalid> {
    let parsed: f64 = value.parse().map_err(|_| Invalid::NotANumber {
        field: name,
        value: truncate(value),
    })?;
    Cents::bound(parsed, Round::Up, name)?;
    Ok(parsed)
}

fn whole(value: &str, name: &'static str, min: u64, max: u64) -> Result<u64, Invalid> {
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Invalid::WholeRange {
            field: name,
            min,
            max,
        }),
    }
}

/// Echoes at most 40 characters of a bad value back.
fn truncate(value: &str) -> String {
    value.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    fn list(p: &[(&str, &str)]) -> Result<ListQuery, Invalid> {
        ListQuery::parse(&pairs(p))
    }
    fn search(p: &[(&str, &str)]) -> Result<SearchParams, Invalid> {
        SearchParams::parse(&pairs(p))
    }

    #[test]
    fn tokenizes_like_a_person_searches() {
        let words: Vec<_> = tokenize("  Smartphone PREMIUM, 5G / HDR-Display x ")
            .into_iter()
            .collect();
        assert_eq!(words, ["5g", "display", "hdr", "premium", "smartphone"]);
        assert!(tokenize("a . ;").is_empty());
    }

    #[test]
    fn price_bounds_are_whole_cents_rounded_inwards() {
        let q = list(&[("min_price", "0.000001"), ("max_price", "899.999")]).expect("valid");
        assert_eq!(
            (q.min_price, q.max_price),
            (Cents::new(1), Cents::new(89_999))
        );
        let q = list(&[("min_price", "899.99"), ("max_price", "899.99")]).expect("valid");
        assert_eq!(
            (q.min_price, q.max_price),
            (Cents::new(89_999), Cents::new(89_999))
        );
        let q = list(&[("min_price", "10"), ("max_price", "1e9")]).expect("valid");
        assert_eq!(
            (q.min_price, q.max_price),
            (Cents::new(1_000), Some(Cents::MAX))
        );
    }

    #[test]
    fn deep_offsets_are_refused() {
        assert_eq!(list(&[("offset", "10000")]).map(|q| q.offset), Ok(10_000));
        assert!(list(&[("offset", "10001")]).is_err());
    }

    #[test]
    fn listings_round_trip_through_their_query_string() {
        assert_eq!(list(&[]), Ok(ListQuery::default()));
        let q = list(&[
            ("category", "books"),
            ("min_price", "10"),
            ("max_price", "99.5"),
            ("order", "price_desc"),
            ("offset", "20"),
            ("limit", "100"),
        ])
        .expect("valid");
        assert_eq!(q.category.as_deref(), Some("books"));
        assert_eq!(q.order, PriceOrder::PriceDesc);
        assert_eq!((q.offset, q.limit), (20, 100));
        let again: HashMap<String, String> = q
            .query_string()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(ListQuery::parse(&again), Ok(q));
    }

    #[test]
    fn mistakes_are_explained() {
        let err = |p: &[(&str, &str)]| list(p).expect_err("must be refused").to_string();
        assert_eq!(
            list(&[("min_price", "10"), ("max_price", "5")]),
            Err(Invalid::MinAboveMax {
                min: 10.0,
                max: 5.0
            })
        );
        assert_eq!(
            list(&[("limit", "0")]),
            Err(Invalid::WholeRange {
                field: "limit",
                min: 1,
                max: MAX_LIMIT
            })
        );
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
        assert!(search(&[("q", &"x".repeat(201))]).is_err());
        assert!(search(&[("q", "a1 b2 c3 d4 e5 f6 g7 h8 i9")]).is_err());
        assert!(search(&[("q", "")]).is_ok());
    }

    #[test]
    fn equivalent_searches_share_one_canonical_form() {
        let a = search(&[
            ("q", "  Premium   SMARTPHONE "),
            ("category", "electronics"),
        ])
        .expect("valid");
        let b = search(&[
            ("category", "electronics"),
            ("q", "smartphone premium premium"),
        ])
        .expect("valid");
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(
            a.canonical(),
            "q=premium smartphone|category=electronics|min=|max=|limit=20"
        );
        let c = search(&[("q", "smartphone"), ("max_price", "100")]).expect("valid");
        assert_ne!(a.canonical(), c.canonical());
    }

    #[test]
    fn searches_round_trip_through_canonical_form_and_query_string() {
        let s = SearchParams::from_form("Smartphone premium", "electronics", "10", "899.99")
            .expect("valid");
        assert_eq!(SearchParams::from_canonical(&s.canonical()), Ok(s.clone()));
        assert_eq!(
            s.query_string(),
            "q=premium%20smartphone&category=electronics&min_price=10&max_price=899.99"
        );
        let dollars = |p: Cents| format!("${p}");
        assert_eq!(
            s.label("all products", dollars),
            "premium smartphone · electronics · $10–$899.99"
        );
        let all = SearchParams::from_form("", "", "", "500").expect("valid");
        assert_eq!(all.label("all products", dollars), "all products · ≤ $500");
        for bad in [
            "",
            "q=a",
            "q=a|category=|min=|max=|limit=0",
            "x=a|category=|min=|max=|limit=20",
            "q=a|category=|min=|max=|limit=20|extra=1",
        ] {
            assert!(SearchParams::from_canonical(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lookups_are_one_string_on_the_wire() {
        let id = LookupQuery::Product(ProductId::parse("prod1").expect("valid"));
        let found = LookupQuery::Search(search(&[("q", "lamp")]).expect("valid"));
        for (query, wire) in [
            (&id, "\"prod1\""),
            (&found, "\"q=lamp|category=|min=|max=|limit=20\""),
        ] {
            assert_eq!(serde_json::to_string(query).expect("serializes"), wire);
            assert_eq!(
                serde_json::from_str::<LookupQuery>(wire).ok().as_ref(),
                Some(query)
            );
        }
        assert_eq!(found.label("all products", |p| p.to_string()), "lamp");
        assert!(serde_json::from_str::<LookupQuery>("\"bad id\"").is_err());
    }
}
