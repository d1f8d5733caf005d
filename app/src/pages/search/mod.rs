//! `/`: the search page. One box takes an id or words; each answer says
//! whether it came from the cache or the database, how long it took, and how
//! long the cache entry still lives (counting down). Beside it: the hit
//! ratio, a chart of recent response times, and the recent searches, which
//! repeat on click. Stats and history follow the live feed (`/ws`).

mod answer;
mod history;
mod lookup;
mod mine;
mod stats;

use crate::api;
use crate::components::{LatencyChart, TopologyPanel};
use crate::i18n::use_texts;
use crate::live::{use_live_feed, FeedStatus};
use crate::types::{ApiFailure, CategoryCount, HistoryEntry, LookupQuery, Source, Stats};
use answer::AnswerCard;
use history::RecentSearches;
use leptos::prelude::*;
use lookup::{lookup, Answer, Form};
use stats::StatsView;

/// Samples kept in the chart.
const CHART_SAMPLES: usize = 40;

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let t = use_texts();
    let s = &t.search;
    let form = RwSignal::new(Form::default());
    let answer = RwSignal::new(None::<Answer>);
    let busy = RwSignal::new(false);
    let age_s = RwSignal::new(0u64);
    let samples = RwSignal::new(Vec::<(Source, u64)>::new());
    // This browser's own searches (the default view), and which list shows.
    let my_searches = RwSignal::new(Vec::<HistoryEntry>::new());
    let show_mine = RwSignal::new(true);
    Effect::new(move |_| my_searches.set(mine::load()));

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
            .map(|t| Ok::<_, ApiFailure>(t.app))
            .or_else(|| stats.get())
    };
    let store = Signal::derive(move || live_stats().and_then(Result::ok).and_then(|s| s.store));
    let live_history = move || {
        let lookups = feed.lookups.get();
        if feed.status.get() == FeedStatus::Live && !lookups.is_empty() {
            Some(Ok::<_, ApiFailure>(lookups.into_iter().collect::<Vec<_>>()))
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
        if let Some(sample) = result.sample() {
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
    let run = move |request: LookupQuery| {
        form.set(Form::from_query(&request));
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = lookup(request.clone(), api::get).await;
            if let Some((source, elapsed_us)) = answer.sample() {
                // As the server understood it (a search in canonical form).
                let query = match &answer {
                    Answer::Search(result, _) => LookupQuery::Search(result.query.clone()),
                    _ => request,
                };
                let at = mine::now_ms();
                let entry = HistoryEntry {
                    query,
                    source,
                    elapsed_us,
                    at,
                    at_us: at * 1000,
                };
                my_searches.update(|list| mine::remember(list, entry));
                my_searches.with_untracked(|list| mine::save(list));
            }
            show(answer)
        });
    };
    let submit = move |asked: Form| match asked.request() {
        Ok(request) => run(request),
        Err(invalid) => show(Answer::Failed(invalid)),
    };

    // A search in the URL (`/?q=prod1`, also what the form submits before the
    // app is hydrated) runs once the page is live.
    let url_query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        let params = url_query.get_untracked();
        if let Some(q) = params.get("q").filter(|q| !q.trim().is_empty()) {
            let asked = Form {
                q,
                category: params.get("category").unwrap_or_default(),
                min_price: params.get("min_price").unwrap_or_default(),
                max_price: params.get("max_price").unwrap_or_default(),
            };
            form.set(asked.clone());
            submit(asked);
        }
    });

    view! {
        <SearchForm form busy on_submit=submit />
        <div class="columns">
            <AnswerCard answer age_s store />
            <section class="glass card stats-card">
                <h2>{s.stats_title}</h2>
                <Transition fallback=move || view! { <p class="muted">{t.common.loading}</p> }>
                    {move || live_stats().map(|s| match s {
                        Err(failure) => view! { <div class="alert alert-down">{failure.error}</div> }.into_any(),
                        Ok(s) => view! { <StatsView stats=s /> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>

        <section class="glass card">
            <h2>{s.response_times}</h2>
            <LatencyChart samples=samples />
        </section>

        <section class="glass card">
            <div class="card-head">
                <h2>{s.recent}</h2>
                <div class="segmented" role="group" aria-label=s.whose>
                    <button type="button" class=move || if show_mine.get() { "seg active" } else { "seg" }
                        aria-pressed=move || show_mine.get().to_string() data-testid="history-mine"
                        on:click=move |_| show_mine.set(true)>{s.mine}</button>
                    <button type="button" class=move || if show_mine.get() { "seg" } else { "seg active" }
                        aria-pressed=move || (!show_mine.get()).to_string() data-testid="history-everyone"
                        on:click=move |_| show_mine.set(false)>{s.everyone}</button>
                </div>
            </div>
            <Transition fallback=move || view! { <p class="muted">{t.common.loading}</p> }>
                {move || live_history().map(|h| match (show_mine.get(), h) {
                    (true, _) => view! { <RecentSearches entries=my_searches.get() again=run store /> }.into_any(),
                    (false, Err(failure)) => view! { <div class="alert alert-down">{failure.error}</div> }.into_any(),
                    (false, Ok(entries)) => view! { <RecentSearches entries again=run store /> }.into_any(),
                })}
            </Transition>
        </section>

        <TopologyPanel />
    }
}

/// The search box, the category list and the price range. Works as a plain
/// HTML form (`GET /?q=…`) before the app is hydrated.
#[component]
fn SearchForm(
    form: RwSignal<Form>,
    busy: RwSignal<bool>,
    on_submit: impl Fn(Form) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let categories = Resource::new(
        || (),
        |_| api::get_json::<Vec<CategoryCount>>("/api/db/categories".into()),
    );
    let field = |value: fn(&Form) -> String, set: fn(&mut Form, String)| {
        (
            move || value(&form.get()),
            move |ev: leptos::ev::Event| form.update(|f| set(f, event_target_value(&ev))),
        )
    };
    let (q_value, q_input) = field(|f| f.q.clone(), |f, v| f.q = v);
    let (min_value, min_input) = field(|f| f.min_price.clone(), |f, v| f.min_price = v);
    let (max_value, max_input) = field(|f| f.max_price.clone(), |f, v| f.max_price = v);
    let (category_value, category_input) = field(|f| f.category.clone(), |f, v| f.category = v);
    let s = &use_texts().search;
    view! {
        <section class="glass card search-card">
            <form
                class="search-form"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    on_submit(form.get_untracked());
                }
            >
                <input
                    class="search-input"
                    type="search"
                    name="q"
                    maxlength="200"
                    autocomplete="off"
                    placeholder=s.placeholder
                    aria-label=s.input_label
                    data-testid="search-input"
                    prop:value=q_value
                    on:input=q_input
                />
                <button class="button" type="submit" data-testid="search-submit" disabled=move || busy.get()>
                    {move || if busy.get() { s.searching } else { s.submit }}
                </button>
                <div class="filters">
                    <select
                        name="category"
                        aria-label=s.category_label
                        data-testid="search-category"
                        prop:value=category_value
                        on:change=category_input
                    >
                        <option value="">{s.all_categories}</option>
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
                    <input type="number" name="min_price" min="0" step="0.01" placeholder=s.min_placeholder aria-label=s.min_label
                        prop:value=min_value on:input=min_input />
                    <input type="number" name="max_price" min="0" step="0.01" placeholder=s.max_placeholder aria-label=s.max_label
                        prop:value=max_value on:input=max_input />
                </div>
            </form>
        </section>
    }
}
