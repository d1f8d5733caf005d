//! The search page's live panels: the shared statistics, the chart of
//! response times, the recent searches (this browser's and everyone's) and
//! the topology.
//!
//! Their code is not in the first-load wasm: it is a chunk of its own
//! (`#[lazy]`), fetched once the page is hydrated, so the search box is
//! usable as soon as the first-load module is. The server renders the panels
//! with the page; the browser leaves that HTML in place (it does not hydrate
//! it), mounts its own panels beside it, hidden, and swaps them in once they
//! have their data, so nothing flashes. Until then the server's numbers stay
//! on screen.

use super::history::RecentSearches;
use super::mine;
use super::stats::StatsView;
use crate::api;
use crate::components::{LatencyChart, TopologyPanel};
use crate::i18n::use_texts;
use crate::live::{use_live_feed, FeedStatus};
use crate::types::{ApiFailure, HistoryEntry, LookupQuery, Source, StoreKind};
use leptos::prelude::*;

/// Samples kept in the chart.
const CHART_SAMPLES: usize = 40;

/// What the search box and the panels share.
#[derive(Clone, Copy)]
pub struct PanelLinks {
    /// Each lookup the search box finished, as the history records it: the
    /// panels add it to the chart and to this browser's searches.
    pub finished: ReadSignal<Option<HistoryEntry>>,
    /// The system of record, from the statistics (the answer's badge names it).
    pub store: RwSignal<Option<StoreKind>>,
    /// Runs a search again (a click on a recent search).
    pub again: Callback<LookupQuery>,
    /// The browser's own panels are on screen (their data has arrived).
    pub live: RwSignal<bool>,
}

/// The panels' place in the page. On the server: the panels themselves,
/// and the empty place of the browser's own (see the hydrate version).
#[cfg(not(feature = "hydrate"))]
pub fn view(links: PanelLinks) -> impl IntoView {
    // Erased: without it, the page's type nests the panels' whole tree,
    // past the compiler's recursion limit in builds without type-erased
    // components (the tests').
    view! {
        <div class="live-panels"><LivePanels links /></div>
        <div class="live-panels" hidden></div>
    }
    .into_any()
}

/// The panels' place in the page. In the browser: the server's panels,
/// left as they are (an element without children is not descended into
/// while hydrating), and an empty twin where the browser's own panels are
/// mounted once their code has loaded.
#[cfg(feature = "hydrate")]
pub fn view(links: PanelLinks) -> impl IntoView {
    let live = links.live;
    let target = NodeRef::<leptos::html::Div>::new();
    let server = NodeRef::<leptos::html::Div>::new();
    // Once the browser's panels show, the server's leave the page (no
    // duplicate ids or test ids stay behind, hidden).
    Effect::new(move |_| {
        if let (true, Some(server)) = (live.get(), server.get()) {
            server.set_inner_html("");
        }
    });
    let loading = use_context::<crate::loading::LoadingParts>();
    Effect::new(move |_| {
        let Some(target) = target.get() else {
            return;
        };
        let Some(owner) = Owner::current() else {
            return;
        };
        if let Some(parts) = loading {
            parts.start(live);
        }
        // The page may be left before the chunk arrives: then nothing is
        // mounted (the owner and the links' signals are gone).
        let left = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        on_cleanup({
            let left = left.clone();
            move || left.store(true, std::sync::atomic::Ordering::Relaxed)
        });
        leptos::task::spawn_local(async move {
            let panels = live_panels().await;
            if !left.load(std::sync::atomic::Ordering::Relaxed) {
                owner.with(|| mount(panels(links), &target));
            }
        });
    });
    view! {
        <div class="live-panels" hidden=move || live.get() node_ref=server></div>
        <div class="live-panels" hidden=move || !live.get() node_ref=target></div>
    }
}

/// Builds `panels` into `target` under the current owner (so they read the
/// page's context: language, feed) and unmounts them with it.
#[cfg(feature = "hydrate")]
fn mount(panels: AnyView, target: &web_sys::HtmlDivElement) {
    use leptos::tachys::view::{Mountable, Render};
    let mut state = panels.build();
    state.mount(target, None);
    let state = send_wrapper::SendWrapper::new(std::cell::RefCell::new(state));
    on_cleanup(move || state.borrow_mut().unmount());
}

/// The panels' constructor, from their own wasm chunk in the browser. A
/// function, not the view: the caller builds it under the page's owner, and
/// only if the page is still there when the chunk arrives.
#[cfg(all(feature = "hydrate", not(cachescope_unsplit)))]
#[leptos::lazy]
fn live_panels() -> fn(PanelLinks) -> AnyView {
    |links| view! { <LivePanels links /> }.into_any()
}

/// [`live_panels`] in a bundle built without `--split`: already loaded.
#[cfg(all(feature = "hydrate", cachescope_unsplit))]
async fn live_panels() -> fn(PanelLinks) -> AnyView {
    |links| view! { <LivePanels links /> }.into_any()
}

/// Statistics, chart, recent searches and topology.
#[component]
fn LivePanels(links: PanelLinks) -> impl IntoView {
    let t = use_texts();
    let s = &t.search;
    let samples = RwSignal::new(Vec::<(Source, u64)>::new());
    // This browser's own searches (the default view), and which list shows.
    let my_searches = RwSignal::new(Vec::<HistoryEntry>::new());
    let show_mine = RwSignal::new(true);
    Effect::new(move |_| my_searches.set(mine::load()));

    // The first render shows the shared stats and history; once hydrated,
    // the live feed (the dashboard's WebSocket) keeps them current.
    let stats = Resource::new(|| (), |_| api::stats());
    let history = Resource::new(|| (), |_| api::history());
    let feed = use_live_feed();
    let live_stats = move || {
        feed.latest()
            .map(|t| Ok::<_, ApiFailure>(t.app))
            .or_else(|| stats.get())
    };
    Effect::new(move |_| {
        let store = live_stats().and_then(Result::ok).and_then(|s| s.store);
        if links.store.get_untracked() != store {
            links.store.set(store);
        }
    });
    let store: Signal<Option<StoreKind>> = links.store.into();
    let live_history = move || {
        let lookups = feed.lookups.get();
        if feed.status.get() == FeedStatus::Live && !lookups.is_empty() {
            Some(Ok::<_, ApiFailure>(lookups.into_iter().collect::<Vec<_>>()))
        } else {
            history.get()
        }
    };

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
    // Each finished lookup: a bar on the chart, a line in "mine".
    Effect::new(move |_| {
        let Some(entry) = links.finished.get() else {
            return;
        };
        samples.update(|all| {
            all.push((entry.source, entry.elapsed_us));
            let excess = all.len().saturating_sub(CHART_SAMPLES);
            all.drain(..excess);
        });
        my_searches.update(|list| mine::remember(list, entry));
        my_searches.with_untracked(|list| mine::save(list));
    });
    // The browser's panels replace the server's once they can show as much.
    Effect::new(move |_| {
        if stats.get().is_some() && history.get().is_some() && !links.live.get_untracked() {
            links.live.set(true);
        }
    });
    let again = move |query: LookupQuery| links.again.run(query);

    view! {
        <section class="glass card stats-card">
            <h2>{s.stats_title}</h2>
            <Transition fallback=move || view! { <p class="muted">{t.common.loading}</p> }>
                {move || live_stats().map(|s| match s {
                    Err(failure) => view! { <div class="alert alert-down">{failure.error}</div> }.into_any(),
                    Ok(s) => view! { <StatsView stats=s /> }.into_any(),
                })}
            </Transition>
        </section>

        <section class="glass card span-all">
            <h2>{s.response_times}</h2>
            <LatencyChart samples=samples />
        </section>

        <section class="glass card span-all">
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
                    (true, _) => view! { <RecentSearches entries=my_searches.get() again store /> }.into_any(),
                    (false, Err(failure)) if matches!(failure.status, Some(401 | 403)) => view! {
                        <p class="muted" data-testid="searches-for-viewers">{t.access.searches_for_viewers}</p>
                    }.into_any(),
                    (false, Err(failure)) => view! { <div class="alert alert-down">{failure.error}</div> }.into_any(),
                    (false, Ok(entries)) => view! { <RecentSearches entries again store /> }.into_any(),
                })}
            </Transition>
        </section>

        <TopologyPanel />
    }
}
