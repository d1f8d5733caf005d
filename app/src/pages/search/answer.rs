//! The answer card: where the answer came from (badge), how long it took,
//! the cache entry's TTL counting down, and the product or the results.

use super::lookup::Answer;
use crate::components::SourceBadge;
use crate::format::{format_price, format_us};
use crate::i18n::use_texts;
use crate::types::{Product, Source, StoreKind};
use leptos::prelude::*;

/// The current answer, or what to do before there is one. `age_s` counts
/// the seconds since it arrived (the TTL countdown).
#[component]
pub fn AnswerCard(
    answer: RwSignal<Option<Answer>>,
    age_s: RwSignal<u64>,
    /// The database behind the cache, named on DATABASE badges.
    store: Signal<Option<StoreKind>>,
) -> impl IntoView {
    let t = use_texts();
    let s = &t.search;
    view! {
        <section class="glass card result-card" aria-live="polite">
            <h2>{s.answer}</h2>
            {move || match answer.get() {
                None => view! {
                    <p class="muted">{s.answer_empty}</p>
                }.into_any(),
                Some(Answer::Invalid(invalid)) => view! {
                    <div class="alert alert-down" role="alert" data-testid="search-error">{(t.common.invalid)(&invalid)}</div>
                }.into_any(),
                Some(Answer::Failed(message)) => view! {
                    <div class="alert alert-down" role="alert" data-testid="search-error">{message}</div>
                }.into_any(),
                Some(Answer::Product(found)) => {
                    let key = format!("cache:product:{}", found.data.id);
                    view! {
                        <Meta source=found.source elapsed_us=found.elapsed_us ttl_s=found.ttl_s age_s store />
                        <ProductLine product=found.data />
                        <a class="key-link mono" href=crate::pages::key_href(&key) data-testid="answer-key">{format!("{}{key}", s.cache_entry)}</a>
                    }.into_any()
                }
                Some(Answer::Search(result, note)) => view! {
                    <Meta source=result.source elapsed_us=result.elapsed_us ttl_s=result.ttl_s age_s store />
                    {note.map(|id| view! { <p class="warn-line" data-testid="searched-as-word">{(s.searched_as_word)(id.as_str())}</p> })}
                    <p class="muted" data-testid="search-total">{(s.matching)(result.total, t.locale)}</p>
                    <ul class="result-list">
                        {result.items.into_iter().take(8).map(|p| view! { <li><ProductLine product=p /></li> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// Source badge, response time, and the entry's TTL counting down.
#[component]
fn Meta(
    source: Source,
    elapsed_us: u64,
    ttl_s: u64,
    age_s: RwSignal<u64>,
    store: Signal<Option<StoreKind>>,
) -> impl IntoView {
    let t = use_texts();
    let remaining = move || ttl_s.saturating_sub(age_s.get());
    view! {
        <div class="meta">
            <SourceBadge source store testid="source-badge" />
            <span class="meta-item"><span class="muted">{t.search.time}</span><strong data-testid="elapsed">{format_us(elapsed_us, t.locale)}</strong></span>
            <span class="meta-item"><span class="muted">{t.search.ttl}</span><strong data-testid="ttl">{move || format!("{} s", remaining())}</strong></span>
        </div>
    }
}

/// One product as a compact line, linking to its page: name, category,
/// price, then stock, features and id.
#[component]
fn ProductLine(product: Product) -> impl IntoView {
    let t = use_texts();
    let href = format!("/products/{}", product.id);
    let (stock_class, stock) = if product.in_stock {
        ("stock in", t.common.in_stock)
    } else {
        ("stock out", t.common.out_of_stock)
    };
    let features = product.features.join(" · ");
    view! {
        <a class="product-line" href=href data-testid="result-product">
            <span class="product-line-name">{product.name}</span>
            <span class="chip">{product.category}</span>
            <span class="price">{format_price(product.price, t.locale)}</span>
            <span class="product-line-meta">
                <span class=stock_class data-testid="result-stock">{stock}</span>
                {(!features.is_empty()).then(|| view! { <span class="features-line" data-testid="result-features">{features}</span> })}
                <span class="muted mono">{product.id.to_string()}</span>
            </span>
        </a>
    }
}
