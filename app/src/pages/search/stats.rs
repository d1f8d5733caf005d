//! The cache's shared statistics: hit ratio gauge, counters split by tier
//! (near cache, Redis, database), and latency percentiles per tier.

use crate::components::HitGauge;
use crate::format::format_us;
use crate::types::Stats;
use leptos::prelude::*;

/// Hit ratio gauge, counters, and latency percentiles.
#[component]
pub fn StatsView(stats: Stats) -> impl IntoView {
    let lat = stats.latency_us;
    view! {
        <div class="stats-grid">
            <HitGauge ratio=Signal::derive(move || stats.hit_ratio) />
            <dl class="facts">
                <dt>"Hits"</dt><dd data-testid="hits">{stats.hits}</dd>
                <dt><span class="key key-near">"near"</span></dt><dd data-testid="near-hits">{stats.near_hits}</dd>
                <dt><span class="key key-cache">"Redis"</span></dt><dd data-testid="redis-hits">{stats.hits.saturating_sub(stats.near_hits)}</dd>
                <dt>"Misses"</dt><dd data-testid="misses">{stats.misses}</dd>
                <dt>"Lookups"</dt><dd>{stats.lookups}</dd>
            </dl>
        </div>
        <table class="latency">
            <thead><tr><th></th><th>"p50"</th><th>"p95"</th><th>"p99"</th><th>"n"</th></tr></thead>
            <tbody>
                <tr><th><span class="key key-near">"near"</span></th><td>{format_us(lat.near.p50)}</td><td>{format_us(lat.near.p95)}</td><td>{format_us(lat.near.p99)}</td><td>{lat.near.count}</td></tr>
                <tr><th><span class="key key-cache">"cache"</span></th><td>{format_us(lat.cache.p50)}</td><td>{format_us(lat.cache.p95)}</td><td>{format_us(lat.cache.p99)}</td><td>{lat.cache.count}</td></tr>
                <tr><th><span class="key key-db">"database"</span>{stats.store.map(|s| view! { <span class="badge-store">{s.label()}</span> })}</th><td>{format_us(lat.database.p50)}</td><td>{format_us(lat.database.p95)}</td><td>{format_us(lat.database.p99)}</td><td>{lat.database.count}</td></tr>
            </tbody>
        </table>
    }
}
