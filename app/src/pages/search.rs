//! `/`: the search page (seed part 3). One box takes an id or words; each
//! answer says whether it came from the cache or the database, how long it
//! took, and how long the cache entry still lives (counting down). Beside it:
//! the hit ratio, a chart of recent response times, and the recent searches,
//! which repeat on click. Stats and history follow the live feed (`/ws`).

use crate::api::{self, encode};
use crate::components::{format_price, format_us, HitGauge, LatencyChart, TopologyPanel};
use crate::live::{use_live_feed, FeedStatus};
use crate::types::{
    CategoryCount, HistoryEntry, Product, ProductLookup, SearchResult, Source, Stats,
};
use leptos::prelude::*;

/// Samples kept in the chart.
const CHART_SAMPLES: usize = 40;

/// What the search box asked for.
#[derive(Debug, Clone, Default, PartialEq)]
struct Ask {
    q: String,
    category: String,
    min_price: String,
    max_price: String,
}

impl Ask {
    /// A single id-shaped token is looked up by id first.
    fn as_id(&self) -> Option<&str> {
        let q = self.q.trim();
        let id_like = !q.is_empty()
            && q.len() <= 64
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && q.bytes().any(|b| b.is_ascii_digit());
        (id_like
            && self.category.is_empty()
            && self.min_price.is_empty()
            && self.max_price.is_empty())
        .then_some(q)
    }

    fn search_path(&self) -> String {
        let mut path = format!("/api/search?q={}", encode(self.q.trim()));
        for (name, value) in [
            ("category", &self.category),
            ("min_price", &self.min_price),
            ("max_price", &self.max_price),
        ] {
            if !value.trim().is_empty() {
                path.push_str(&format!("&{name}={}", encode(value.trim())));
            }
        }
        path
    }

    /// Rebuilds a search from a history entry (`prod1`, or the canonical
    /// `q=…|category=…|min=…|max=…|limit=…`).
    fn from_history(query: &str) -> Self {
        if !query.starts_with("q=") {
            return Ask {
                q: query.to_string(),
                ..Ask::default()
            };
        }
        let mut ask = Ask::default();
        for part in query.split('|') {
            match part.split_once('=') {
                Some(("q", v)) => ask.q = v.to_string(),
                Some(("category", v)) => ask.category = v.to_string(),
                Some(("min", v)) => ask.min_price = v.to_string(),
                Some(("max", v)) => ask.max_price = v.to_string(),
                _ => {}
            }
        }
        ask
    }
}

/// The answer on screen.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Product(ProductLookup),
    Search(SearchResult, Option<String>),
    Failed(String),
}

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let ask = RwSignal::new(Ask::default());
    let answer = RwSignal::new(None::<Answer>);
    let busy = RwSignal::new(false);
    let age_s = RwSignal::new(0u64);
    let samples = RwSignal::new(Vec::<(Source, u64)>::new());

    let categories = Resource::new(
        || (),
        |_| api::get_json::<Vec<CategoryCount>>("/api/db/categories".into()),
    );
    // The first render shows the shared stats and history; once hydrated,
    // the live feed (the dashboard's WebSocket) keeps them current.
    let stats = Resource::new(|| (), |_| api::get_json::<Stats>("/api/stats".into()));
    let history = Resource::new(
        || (),
        |_| api::get_json::<Vec<HistoryEntry>>("/api/history".into()),
    );
    let feed = use_live_feed();
    let live_stats = move || {
        feed.latest()
            .map(|t| Ok::<_, String>(t.app))
            .or_else(|| stats.get())
    };
    let live_history = move || {
        let lookups = feed.lookups.get();
        if feed.status.get() == FeedStatus::Live && !lookups.is_empty() {
            Some(Ok::<_, String>(lookups.into_iter().collect::<Vec<_>>()))
        } else {
            history.get()
        }
    };

    // Browser only: the TTL countdown.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || age_s.update(|s| *s += 1),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    // The chart starts from the shared history (oldest first).
    Effect::new(move |_| {
        if let Some(Ok(entries)) = history.get() {
            if samples.with_untracked(Vec::is_empty) {
                samples.set(
                    entries
                        .iter()
                        .rev()
                        .map(|e| (e.source, e.elapsed_us))
                        .collect(),
                );
            }
        }
    });

    let show = move |result: Answer| {
        let sample = match &result {
            Answer::Product(p) => Some((p.source, p.elapsed_us)),
            Answer::Search(s, _) => Some((s.source, s.elapsed_us)),
            Answer::Failed(_) => None,
        };
        if let Some(sample) = sample {
            samples.update(|all| {
                all.push(sample);
                let excess = all.len().saturating_sub(CHART_SAMPLES);
                all.drain(..excess);
            });
        }
        age_s.set(0);
        answer.set(Some(result));
        busy.set(false);
    };

    let run = move |request: Ask| {
        ask.set(request.clone());
        busy.set(true);
        leptos::task::spawn_local(async move {
            if let Some(id) = request.as_id() {
                match api::get_json::<ProductLookup>(format!("/api/products/{}", encode(id))).await
                {
                    Ok(found) => return show(Answer::Product(found)),
                    Err(error) if !error.contains("not found") => {
                        return show(Answer::Failed(error))
                    }
                    Err(not_found) => {
                        let note = Some(format!(
                            "{not_found}; showing products that match the word instead."
                        ));
                        return match api::get_json::<SearchResult>(request.search_path()).await {
                            Ok(result) => show(Answer::Search(result, note)),
                            Err(error) => show(Answer::Failed(error)),
                        };
                    }
                }
            }
            match api::get_json::<SearchResult>(request.search_path()).await {
                Ok(result) => show(Answer::Search(result, None)),
                Err(error) => show(Answer::Failed(error)),
            }
        });
    };

    let input = |value: fn(&Ask) -> String, set: fn(&mut Ask, String)| {
        (
            move || value(&ask.get()),
            move |ev: leptos::ev::Event| ask.update(|a| set(a, event_target_value(&ev))),
        )
    };
    let (q_value, q_input) = input(|a| a.q.clone(), |a, v| a.q = v);
    let (min_value, min_input) = input(|a| a.min_price.clone(), |a, v| a.min_price = v);
    let (max_value, max_input) = input(|a| a.max_price.clone(), |a, v| a.max_price = v);

    // A search in the URL (`/?q=prod1`, also what the form submits before the
    // app is hydrated) runs once the page is live.
    let url_query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        let params = url_query.get_untracked();
        if let Some(q) = params.get("q").filter(|q| !q.trim().is_empty()) {
            run(Ask {
                q,
                category: params.get("category").unwrap_or_default(),
                min_price: params.get("min_price").unwrap_or_default(),
                max_price: params.get("max_price").unwrap_or_default(),
            });
        }
    });

    view! {
        <section class="glass card search-card">
            <form
                class="search-form"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    run(ask.get_untracked());
                }
            >
                <input
                    class="search-input"
                    type="search"
                    name="q"
                    maxlength="200"
                    autocomplete="off"
                    placeholder="An id like prod1, or words like smartphone premium"
                    aria-label="Search products"
                    data-testid="search-input"
                    prop:value=q_value
                    on:input=q_input
                />
                <button class="button" type="submit" data-testid="search-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Searching…" } else { "Search" }}
                </button>
                <div class="filters">
                    <select
                        name="category"
                        aria-label="Category"
                        data-testid="search-category"
                        prop:value=move || ask.get().category
                        on:change=move |ev| ask.update(|a| a.category = event_target_value(&ev))
                    >
                        <option value="">"All categories"</option>
                        <Transition fallback=|| ()>
                            {move || {
                                categories
                                    .get()
                                    .and_then(Result::ok)
                                    .map(|list| {
                                        list.into_iter()
                                            .map(|c| view! { <option value=c.name.clone()>{c.name.clone()}</option> })
                                            .collect_view()
                                    })
                            }}
                        </Transition>
                    </select>
                    <input type="number" name="min_price" min="0" step="0.01" placeholder="Min $" aria-label="Minimum price"
                        prop:value=min_value on:input=min_input />
                    <input type="number" name="max_price" min="0" step="0.01" placeholder="Max $" aria-label="Maximum price"
                        prop:value=max_value on:input=max_input />
                </div>
            </form>
        </section>

        <div class="columns">
            <section class="glass card result-card" aria-live="polite">
                <h2>"Answer"</h2>
                {move || match answer.get() {
                    None => view! {
                        <p class="muted">"Search for something: the first time it comes from the database, then from the cache until its TTL runs out."</p>
                    }.into_any(),
                    Some(Answer::Failed(message)) => view! {
                        <div class="alert alert-down" role="alert" data-testid="search-error">{message}</div>
                    }.into_any(),
                    Some(Answer::Product(found)) => view! {
                        <Meta source=found.source elapsed_us=found.elapsed_us ttl_s=found.ttl_s age_s />
                        <ProductLine product=found.data />
                    }.into_any(),
                    Some(Answer::Search(result, note)) => view! {
                        <Meta source=result.source elapsed_us=result.elapsed_us ttl_s=result.ttl_s age_s />
                        {note.map(|n| view! { <p class="warn-line">{n}</p> })}
                        <p class="muted" data-testid="search-total">{format!("{} matching products", result.total)}</p>
                        <ul class="result-list">
                            {result.items.into_iter().take(8).map(|p| view! { <li><ProductLine product=p /></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>

            <section class="glass card stats-card">
                <h2>"Cache"</h2>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || live_stats().map(|s| match s {
                        Err(message) => view! { <div class="alert alert-down">{message}</div> }.into_any(),
                        Ok(s) => view! { <StatsView stats=s /> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>

        <section class="glass card">
            <h2>"Response times"</h2>
            <LatencyChart samples=samples />
        </section>

        <section class="glass card">
            <h2>"Recent searches"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || live_history().map(|h| match h {
                    Err(message) => view! { <div class="alert alert-down">{message}</div> }.into_any(),
                    Ok(entries) if entries.is_empty() => view! { <p class="muted">"No search yet."</p> }.into_any(),
                    Ok(entries) => view! {
                        <ul class="history" data-testid="history">
                            {entries.into_iter().take(15).map(|e| {
                                let again = Ask::from_history(&e.query);
                                let label = history_label(&e.query);
                                view! {
                                    <li>
                                        <button class="history-item" type="button" title="Search again"
                                            on:click=move |_| run(again.clone())>
                                            <span class=badge_class(e.source)>{e.source.label()}</span>
                                            <span class="history-query">{label}</span>
                                            <span class="history-time">{format_us(e.elapsed_us)}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>

        <TopologyPanel />
    }
}

fn badge_class(source: Source) -> &'static str {
    match source {
        Source::Cache => "badge badge-cache",
        Source::Database => "badge badge-database",
    }
}

/// `q=premium smartphone|category=electronics|…` → `premium smartphone · electronics`.
fn history_label(query: &str) -> String {
    let ask = Ask::from_history(query);
    let mut parts = vec![if ask.q.is_empty() {
        "(all)".to_string()
    } else {
        ask.q
    }];
    if !ask.category.is_empty() {
        parts.push(ask.category);
    }
    if !ask.min_price.is_empty() || !ask.max_price.is_empty() {
        parts.push(format!("${}–{}", ask.min_price, ask.max_price));
    }
    parts.join(" · ")
}

/// Source badge, response time, and the entry's TTL counting down.
#[component]
fn Meta(source: Source, elapsed_us: u64, ttl_s: u64, age_s: RwSignal<u64>) -> impl IntoView {
    let remaining = move || ttl_s.saturating_sub(age_s.get());
    view! {
        <div class="meta">
            <span class=badge_class(source) data-testid="source-badge">{source.label()}</span>
            <span class="meta-item"><span class="muted">"time "</span><strong data-testid="elapsed">{format_us(elapsed_us)}</strong></span>
            <span class="meta-item"><span class="muted">"TTL "</span><strong data-testid="ttl">{move || format!("{} s", remaining())}</strong></span>
        </div>
    }
}

/// One product as a compact line, linking to its page.
#[component]
fn ProductLine(product: Product) -> impl IntoView {
    let href = format!("/products/{}", product.id);
    view! {
        <a class="product-line" href=href data-testid="result-product">
            <span class="product-line-name">{product.name}</span>
            <span class="chip">{product.category}</span>
            <span class="price">{format_price(product.price)}</span>
            <span class="muted mono">{product.id}</span>
        </a>
    }
}

/// Hit ratio gauge, counters, and latency percentiles.
#[component]
fn StatsView(stats: Stats) -> impl IntoView {
    let lat = stats.latency_us;
    view! {
        <div class="stats-grid">
            <HitGauge ratio=Signal::derive(move || stats.hit_ratio) />
            <dl class="facts">
                <dt>"Hits"</dt><dd data-testid="hits">{stats.hits}</dd>
                <dt>"Misses"</dt><dd data-testid="misses">{stats.misses}</dd>
                <dt>"Lookups"</dt><dd>{stats.lookups}</dd>
            </dl>
        </div>
        <table class="latency">
            <thead><tr><th></th><th>"p50"</th><th>"p95"</th><th>"p99"</th><th>"n"</th></tr></thead>
            <tbody>
                <tr><th><span class="key key-cache">"cache"</span></th><td>{format_us(lat.cache.p50)}</td><td>{format_us(lat.cache.p95)}</td><td>{format_us(lat.cache.p99)}</td><td>{lat.cache.count}</td></tr>
                <tr><th><span class="key key-db">"database"</span></th><td>{format_us(lat.database.p50)}</td><td>{format_us(lat.database.p95)}</td><td>{format_us(lat.database.p99)}</td><td>{lat.database.count}</td></tr>
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_words_are_told_apart() {
        let ask = |q: &str| Ask {
            q: q.to_string(),
            ..Ask::default()
        };
        assert_eq!(ask("prod1").as_id(), Some("prod1"));
        assert_eq!(ask(" syn-0000042 ").as_id(), Some("syn-0000042"));
        assert_eq!(ask("smartphone").as_id(), None);
        assert_eq!(ask("smart phone 5").as_id(), None);
        let filtered = Ask {
            q: "prod1".into(),
            category: "books".into(),
            ..Ask::default()
        };
        assert_eq!(filtered.as_id(), None);
    }

    #[test]
    fn history_entries_repeat_the_same_search() {
        let ask =
            Ask::from_history("q=premium smartphone|category=electronics|min=|max=500|limit=20");
        assert_eq!(ask.q, "premium smartphone");
        assert_eq!(ask.category, "electronics");
        assert_eq!(ask.max_price, "500");
        assert_eq!(
            ask.search_path(),
            "/api/search?q=premium%20smartphone&category=electronics&max_price=500"
        );
        assert_eq!(Ask::from_history("prod1").as_id(), Some("prod1"));
        assert_eq!(
            history_label("q=|category=books|min=|max=|limit=20"),
            "(all) · books"
        );
    }
}
