//! What the search box asks for, and the lookup that answers it: an
//! id-shaped query is looked up by id (`/api/products/{id}`) and, when no
//! such product exists, searched as a word instead; anything else is a
//! search (`/api/search`). Free of the DOM, so it is tested as plain Rust.

use crate::api;
use crate::types::{
    ApiFailure, Cents, Invalid, LookupQuery, ProductId, ProductLookup, SearchParams, SearchResult,
    Source,
};
use std::future::Future;

/// The search form as typed: words or an id, a category, a price range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    /// Words, or an id like `prod1`.
    pub q: String,
    /// A category name, or empty for all.
    pub category: String,
    /// Lowest price as typed, or empty.
    pub min_price: String,
    /// Highest price as typed, or empty.
    pub max_price: String,
}

impl Form {
    /// What the form asks for. A single id-shaped token with a digit and no
    /// filter is an id (`prod1`, `syn-0000042`); the rest is a search,
    /// checked here by the same rules as the server's.
    pub fn request(&self) -> Result<LookupQuery, Invalid> {
        let q = self.q.trim();
        let filtered = !(self.category.trim().is_empty()
            && self.min_price.trim().is_empty()
            && self.max_price.trim().is_empty());
        if !filtered && q.bytes().any(|b| b.is_ascii_digit()) {
            if let Ok(id) = ProductId::parse(q) {
                return Ok(LookupQuery::Product(id));
            }
        }
        SearchParams::from_form(q, &self.category, &self.min_price, &self.max_price)
            .map(LookupQuery::Search)
    }

    /// The form that asks for `query` again (a click on a recent search).
    pub fn from_query(query: &LookupQuery) -> Self {
        match query {
            LookupQuery::Product(id) => Form {
                q: id.to_string(),
                ..Form::default()
            },
            LookupQuery::Search(search) => {
                let price = |p: Option<Cents>| p.map(|p| p.to_string()).unwrap_or_default();
                Form {
                    q: search.words.join(" "),
                    category: search.category.clone().unwrap_or_default(),
                    min_price: price(search.min_price),
                    max_price: price(search.max_price),
                }
            }
        }
    }
}

/// The answer on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A product found by id.
    Product(ProductLookup),
    /// A search's results, with the id that was not found when it was
    /// searched as a word instead (the page says so).
    Search(SearchResult, Option<ProductId>),
    /// The request was refused before it was sent (the same rules as the
    /// server's), written in the page's language.
    Invalid(Invalid),
    /// Why there is no answer (the server's sentence).
    Failed(String),
}

impl Answer {
    /// Where the answer came from and how long it took, for the chart.
    pub fn sample(&self) -> Option<(Source, u64)> {
        match self {
            Answer::Product(p) => Some((p.source, p.elapsed_us)),
            Answer::Search(s, _) => Some((s.source, s.elapsed_us)),
            Answer::Invalid(_) | Answer::Failed(_) => None,
        }
    }
}

/// Answers `request` through `get` (an API GET giving status and body:
/// [`api::get`] in the app).
pub async fn lookup<G, F>(request: LookupQuery, get: G) -> Answer
where
    G: Fn(String) -> F,
    F: Future<Output = Result<(u16, String), ApiFailure>>,
{
    match request {
        LookupQuery::Product(id) => {
            let found = match get(api::paths::lookup(&id)).await {
                Ok((status, body)) => api::decode::<ProductLookup>(status, &body),
                Err(failure) => Err(failure),
            };
            match found {
                Ok(found) => Answer::Product(found),
                Err(missing) if missing.is_not_found() => {
                    match SearchParams::from_form(id.as_str(), "", "", "") {
                        Ok(words) => search(words, Some(id), &get).await,
                        Err(invalid) => Answer::Invalid(invalid),
                    }
                }
                Err(failure) => Answer::Failed(failure.error),
            }
        }
        LookupQuery::Search(params) => search(params, None, &get).await,
    }
}

async fn search<G, F>(params: SearchParams, note: Option<ProductId>, get: &G) -> Answer
where
    G: Fn(String) -> F,
    F: Future<Output = Result<(u16, String), ApiFailure>>,
{
    let path = api::paths::search(&params);
    match get(path).await {
        Ok((status, body)) => match api::decode::<SearchResult>(status, &body) {
            Ok(result) => Answer::Search(result, note),
            Err(failure) => Answer::Failed(failure.error),
        },
        Err(failure) => Answer::Failed(failure.error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn form(q: &str) -> Form {
        Form {
            q: q.to_string(),
            ..Form::default()
        }
    }

    #[test]
    fn ids_and_words_are_told_apart() {
        let id = |q: &str| match form(q).request() {
            Ok(LookupQuery::Product(id)) => Some(id.to_string()),
            _ => None,
        };
        assert_eq!(id("prod1").as_deref(), Some("prod1"));
        assert_eq!(id(" syn-0000042 ").as_deref(), Some("syn-0000042"));
        assert_eq!(id("smartphone"), None);
        assert_eq!(id("smart phone 5"), None);
        let filtered = Form {
            q: "prod1".into(),
            category: "books".into(),
            ..Form::default()
        };
        assert!(matches!(filtered.request(), Ok(LookupQuery::Search(_))));
        let bad = Form {
            min_price: "ten".into(),
            ..Form::default()
        };
        assert_eq!(
            bad.request(),
            Err(Invalid::NotANumber {
                field: "min_price",
                value: "ten".into()
            })
        );
    }

    #[test]
    fn a_recent_search_fills_the_form_with_the_same_search() {
        let form = Form {
            q: "Premium smartphone".into(),
            category: "electronics".into(),
            min_price: String::new(),
            max_price: "500".into(),
        };
        let asked = form.request().expect("valid");
        assert_eq!(Form::from_query(&asked).request(), Ok(asked));
    }

    /// Runs a lookup against a fake API answering from a table of (path
    /// prefix, status, body); returns the answer and the paths asked for.
    fn run(request: LookupQuery, table: Vec<(&str, u16, &str)>) -> (Answer, Vec<String>) {
        let asked = RefCell::new(Vec::new());
        let get = |path: String| {
            asked.borrow_mut().push(path.clone());
            let found = table
                .iter()
                .find(|(prefix, _, _)| path.starts_with(prefix))
                .map(|(_, status, body)| (*status, body.to_string()));
            async move { found.ok_or_else(|| ApiFailure::unreachable("no route")) }
        };
        let answer = block_on(lookup(request, get));
        (answer, asked.into_inner())
    }

    /// Polls a future that never waits (the fake API answers at once).
    fn block_on<F: Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the fake API never waits"),
        }
    }

    const PRODUCT: &str = r#"{"data":{"id":"prod1","name":"Phone","price":1.5,"category":"electronics","in_stock":true,"features":[]},"source":"cache","elapsed_us":120,"ttl_s":59}"#;
    const RESULTS: &str = r#"{"items":[],"total":0,"source":"database","elapsed_us":900,"ttl_s":60,"query":"q=prod2|category=|min=|max=|limit=20"}"#;

    #[test]
    fn an_id_is_looked_up_then_searched_as_a_word_when_missing() {
        let id = form("prod1").request().expect("valid");
        let (answer, asked) = run(id, vec![("/api/products/prod1", 200, PRODUCT)]);
        assert!(matches!(answer, Answer::Product(ref p) if p.source == Source::Cache));
        assert_eq!(asked, ["/api/products/prod1"]);

        let missing = form("prod2").request().expect("valid");
        let (answer, asked) = run(
            missing,
            vec![
                (
                    "/api/products/prod2",
                    404,
                    r#"{"error":"product \"prod2\" not found","source":"database","elapsed_us":5,"ttl_s":5}"#,
                ),
                ("/api/search?q=prod2", 200, RESULTS),
            ],
        );
        assert_eq!(asked, ["/api/products/prod2", "/api/search?q=prod2"]);
        match answer {
            Answer::Search(result, Some(missing)) => {
                assert_eq!(result.total, 0);
                assert_eq!(missing.as_str(), "prod2");
            }
            other => panic!("expected a word search, got {other:?}"),
        }
    }

    #[test]
    fn a_server_failure_is_shown_not_searched_around() {
        let id = form("prod1").request().expect("valid");
        let (answer, asked) = run(
            id,
            vec![(
                "/api/products/prod1",
                503,
                r#"{"error":"Redis is unavailable: timed out"}"#,
            )],
        );
        assert_eq!(asked.len(), 1, "a 503 must not turn into a word search");
        assert_eq!(
            answer,
            Answer::Failed("Redis is unavailable: timed out".into())
        );
    }
}
