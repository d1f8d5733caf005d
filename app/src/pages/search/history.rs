//! Recent lookups as buttons: what was searched (its label, not the cache
//! key), where the answer came from, how long it took; a click asks again.

use crate::components::SourceBadge;
use crate::format::format_us;
use crate::i18n::use_texts;
use crate::types::{HistoryEntry, LookupQuery, StoreKind};
use leptos::prelude::*;

/// Most entries shown.
const SHOWN: usize = 15;

/// The list of recent lookups; `again` runs one once more.
#[component]
pub fn RecentSearches(
    entries: Vec<HistoryEntry>,
    again: impl Fn(LookupQuery) + Copy + Send + Sync + 'static,
    /// The database behind the cache, named on DATABASE badges.
    store: Signal<Option<StoreKind>>,
) -> impl IntoView {
    let t = use_texts();
    if entries.is_empty() {
        return view! { <p class="muted">{t.search.no_search}</p> }.into_any();
    }
    view! {
        <ul class="history" data-testid="history">
            {entries.into_iter().take(SHOWN).map(|e| {
                let label = crate::pages::query_label(&e.query, t);
                let query = e.query;
                view! {
                    <li>
                        <button class="history-item" type="button" title=t.search.again
                            on:click=move |_| again(query.clone())>
                            <SourceBadge source=e.source store />
                            <span class="history-query">{label}</span>
                            <span class="history-time">{format_us(e.elapsed_us, t.locale)}</span>
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
