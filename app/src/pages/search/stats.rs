//! The cache's shared statistics: hit ratio gauge, counters split by tier
//! (near cache, Redis, database), and latency percentiles per tier.

use crate::components::HitGauge;
use crate::format::{format_count, format_us};
use crate::i18n::use_texts;
use crate::types::Stats;
use leptos::prelude::*;

/// Hit ratio gauge, counters, and latency percentiles.
#[component]
pub fn StatsView(stats: Stats) -> impl IntoView {
    let lat = stats.latency_us;
    let t = use_texts();
    let (c, s, loc) = (&t.common, &t.search, t.locale);
    let us = move |v: u64| format_us(v, loc);
    let n = move |v: u64| format_count(v, loc);
    view! {
        <div class="stats-grid">
            <HitGauge ratio=Signal::derive(move || stats.hit_ratio) />
            <dl class="facts">
                <dt>{s.hits}</dt><dd data-testid="hits">{n(stats.hits)}</dd>
                <dt><span class="key key-near">{c.tier_near}</span></dt><dd data-testid="near-hits">{n(stats.near_hits)}</dd>
                <dt><span class="key key-cache">"Redis"</span></dt><dd data-testid="redis-hits">{n(stats.hits.saturating_sub(stats.near_hits))}</dd>
                <dt>{s.misses}</dt><dd data-testid="misses">{n(stats.misses)}</dd>
                <dt>{s.lookups}</dt><dd>{n(stats.lookups)}</dd>
            </dl>
        </div>
        <table class="latency">
            <thead><tr><th></th><th>"p50"</th><th>"p95"</th><th>"p99"</th><th>"n"</th></tr></thead>
            <tbody>
                <tr><th><span class="key key-near">{c.tier_near}</span></th><td>{us(lat.near.p50)}</td><td>{us(lat.near.p95)}</td><td>{us(lat.near.p99)}</td><td>{n(lat.near.count)}</td></tr>
                <tr><th><span class="key key-cache">{c.tier_cache}</span></th><td>{us(lat.cache.p50)}</td><td>{us(lat.cache.p95)}</td><td>{us(lat.cache.p99)}</td><td>{n(lat.cache.count)}</td></tr>
                <tr><th><span class="key key-db">{c.tier_database}</span>{stats.store.map(|s| view! { <span class="badge-store">{s.label()}</span> })}</th><td>{us(lat.database.p50)}</td><td>{us(lat.database.p95)}</td><td>{us(lat.database.p99)}</td><td>{n(lat.database.count)}</td></tr>
            </tbody>
        </table>
    }
}
