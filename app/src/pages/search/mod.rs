//! `/`: the search page. One box takes an id or words; each answer says
//! whether it came from the cache or the database, how long it took, and how
//! long the cache entry still lives (counting down). Beside and below it,
//! the live panels ([`panels`]): the hit ratio, a chart of recent response
//! times, the recent searches, which repeat on click, and the topology.
//!
//! The search box and the answer are in the first-load wasm; the panels are
//! their own chunk, fetched once the page is hydrated, so the first page a
//! person opens is usable before the panels' code has arrived.

mod answer;
mod history;
mod lookup;
mod mine;
mod panels;
mod stats;

use crate::api;
use crate::i18n::use_texts;
use crate::types::{HistoryEntry, LookupQuery, StoreKind};
use answer::AnswerCard;
use leptos::prelude::*;
use lookup::{lookup, Answer, Form};
use panels::PanelLinks;

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let form = RwSignal::new(Form::default());
    let answer = RwSignal::new(None::<Answer>);
    let busy = RwSignal::new(false);
    let age_s = RwSignal::new(0u64);
    let (finished, set_finished) = signal(None::<HistoryEntry>);
    let store = RwSignal::new(None::<StoreKind>);

    // Browser only: the TTL countdown.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || age_s.update(|s| *s += 1),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    let show = move |result: Answer| {
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
                set_finished.set(Some(HistoryEntry {
                    query,
                    source,
                    elapsed_us,
                    at,
                    at_us: at * 1000,
                }));
            }
            show(answer)
        });
    };
    let submit = move |asked: Form| match asked.request() {
        Ok(request) => run(request),
        Err(invalid) => show(Answer::Invalid(invalid)),
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

    let live = RwSignal::new(false);
    let links = PanelLinks {
        finished,
        store,
        again: Callback::new(run),
        live,
    };
    view! {
        <SearchForm form busy on_submit=submit />
        <div class="search-grid">
            <AnswerCard answer age_s store=store.into() />
            {panels::view(links)}
        </div>
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
    let categories = Resource::new(|| (), |_| api::categories());
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
