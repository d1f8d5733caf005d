//! Where an answer came from, as a badge with its word (never colour alone).

use crate::types::Source;
use leptos::prelude::*;

/// `CACHE` or `DATABASE`, coloured by source.
#[component]
pub fn SourceBadge(
    source: Source,
    /// A `data-testid` for browser tests, if any.
    #[prop(optional)]
    testid: Option<&'static str>,
) -> impl IntoView {
    let class = match source {
        Source::Cache => "badge badge-cache",
        Source::Database => "badge badge-database",
    };
    view! { <span class=class data-testid=testid>{source.label()}</span> }
}
