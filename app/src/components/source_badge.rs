//! Where an answer came from, as a badge with its word (never colour alone),
//! and for a database read, which database (Redis or PostgreSQL).

use crate::i18n::use_texts;
use crate::types::{Source, StoreKind};
use leptos::prelude::*;

/// `NEAR`, `CACHE`, or `DATABASE` followed by the database's name when known.
#[component]
pub fn SourceBadge(
    source: Source,
    /// The system of record behind the cache, named after `DATABASE`.
    #[prop(optional, into)]
    store: Signal<Option<StoreKind>>,
    /// A `data-testid` for browser tests, if any.
    #[prop(optional)]
    testid: Option<&'static str>,
) -> impl IntoView {
    let class = match source {
        Source::Near => "badge badge-near",
        Source::Cache => "badge badge-cache",
        Source::Database => "badge badge-database",
    };
    let store_name = move || {
        (source == Source::Database)
            .then(|| store.get())
            .flatten()
            .map(|store| view! { <span class="badge-store" data-testid="badge-store">{store.label()}</span> })
    };
    // One element, so the badge takes one cell of the grids it sits in.
    view! {
        <span class="source">
            <span class=class data-testid=testid>{use_texts().common.badge(source)}</span>
            {store_name}
        </span>
    }
}
