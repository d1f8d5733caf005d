//! `/dashboard`: the live view, fed by the WebSocket: hit ratio (app and
//! Redis), response times over time, ops/s, memory, clients, keys, and the
//! replication panel with heartbeat delay and alerts.

use crate::components::{
    Fact, FailoverBanner, HitGauge, NodeCard, Scale, SentinelPanel, Series, SourceBadge, TimeChart,
};
use crate::format::{format_bytes, format_us};
use crate::live::{use_live_feed, FeedStatus, LiveFeed, TICKS_KEPT};
use crate::types::{MetricsTick, NodeMetrics, NodeRole, TickPoint};
use leptos::prelude::*;

/// The live dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let feed = use_live_feed();
    let latest = Memo::new(move |_| feed.latest());
    let master = Memo::new(move |_| latest.get().and_then(|t| t.nodes.first().cloned()));

    let series = move |pick: fn(&TickPoint) -> Option<f64>| {
        feed.points.with(|p| p.iter().map(pick).collect::<Vec<_>>())
    };
    let ratio_series = Signal::derive(move || {
        vec![
            Series {
                label: "app hit ratio",
                class: "s-app",
                points: series(|p| p.app_hit_ratio.map(|r| r * 100.0)),
            },
            Series {
                label: "Redis hit ratio",
                class: "s-redis",
                points: series(|p| p.redis_hit_ratio.map(|r| r * 100.0)),
            },
        ]
    });
    let latency_series = Signal::derive(move || {
        vec![
            Series {
                label: "near p50",
                class: "s-near",
                points: series(|p| p.near_p50.map(|us| us as f64)),
            },
            Series {
                label: "near p99",
                class: "s-near-dim",
                points: series(|p| p.near_p99.map(|us| us as f64)),
            },
            Series {
                label: "cache p50",
                class: "s-cache",
                points: series(|p| p.cache_p50.map(|us| us as f64)),
            },
            Series {
                label: "cache p99",
                class: "s-cache-dim",
                points: series(|p| p.cache_p99.map(|us| us as f64)),
            },
            Series {
                label: "database p50",
                class: "s-db",
                points: series(|p| p.database_p50.map(|us| us as f64)),
            },
            Series {
                label: "database p99",
                class: "s-db-dim",
                points: series(|p| p.database_p99.map(|us| us as f64)),
            },
        ]
    });

    view! {
        <section class="glass card dash-head">
            <div class="card-head">
                <h2>"Live dashboard"</h2>
                <FeedPill feed />
            </div>
            {move || latest.get().and_then(|t| t.ha.map(|ha| view! { <FailoverBanner ha now=t.at /> }))}
            <Alerts latest />
        </section>

        <div class="tiles">
            <div class="glass card tile gauge-tile">
                <HitGauge ratio=Signal::derive(move || latest.get().map(|t| t.app.hit_ratio).unwrap_or(0.0)) />
                <span class="tile-label">"lookups"</span>
            </div>
            <div class="glass card tile gauge-tile">
                <HitGauge ratio=Signal::derive(move || master.get().and_then(|m| m.redis_hit_ratio).unwrap_or(0.0)) />
                <span class="tile-label">"Redis keyspace"</span>
            </div>
            <TierSplit latest />
            <Tile label="ops/s" testid="ops" value=Signal::derive(move || master.get().and_then(|m| m.ops_per_sec).map(|v| v.to_string())) />
            <Tile label="memory" testid="memory" value=Signal::derive(move || master.get().and_then(|m| m.used_memory).map(format_bytes)) />
            <Tile label="clients" testid="clients" value=Signal::derive(move || master.get().and_then(|m| m.connected_clients).map(|v| v.to_string())) />
            <Tile label="keys" testid="keys" value=Signal::derive(move || master.get().and_then(|m| m.keys).map(|v| v.to_string())) />
            <NearTile latest />
            <Tile label="lookups" testid="lookups" value=Signal::derive(move || latest.get().map(|t| t.app.lookups.to_string())) />
            <Tile label="throttled (429)" testid="throttled" value=Signal::derive(move || latest.get().map(|t| t.app.throttled.to_string())) />
        </div>

        <p class="muted ratio-note" data-testid="ratio-note">
            "Two hit ratios: "<strong>"lookups"</strong>" counts every lookup answered without the database, "
            "by a server's near cache (in process, no round trip) or by Redis; "<strong>"Redis keyspace"</strong>
            " is Redis' own count of the reads that reached it, so near hits are not in it, and the server's "
            "own reads (stats, metrics) are."
        </p>

        <div class="columns even">
            <section class="glass card">
                <h2>"Hit ratio, last minutes"</h2>
                <TimeChart series=ratio_series capacity=TICKS_KEPT label="Hit ratio over time"
                    scale=Scale::Linear { max: 100.0, label: |v| format!("{v:.0}%") } />
            </section>
            <section class="glass card">
                <h2>"Response time by tier"</h2>
                <TimeChart series=latency_series capacity=TICKS_KEPT label="p50 and p99 over time" scale=Scale::LogMicros />
            </section>
        </div>

        <section class="glass card">
            <div class="card-head">
                <h2>"Replication"</h2>
                <span class="muted">{move || latest.get().map(|t| format!("cache reads from {}", t.reads_from)).unwrap_or_default()}</span>
            </div>
            <div class="nodes">
                {move || latest.get().map(|t| t.nodes.into_iter().map(|node| view! { <ReplicaCard node /> }).collect_view())}
            </div>
        </section>

        {move || latest.get().and_then(|t| t.ha).map(|ha| view! { <SentinelPanel ha /> })}

        <section class="glass card">
            <h2>"Live lookups"</h2>
            <ul class="history" data-testid="live-lookups">
                {move || feed.lookups.get().into_iter().take(12).map(|e| view! {
                    <li class="history-item static">
                        <SourceBadge source=e.source store=Signal::derive(move || latest.get().and_then(|t| t.app.store)) />
                        <span class="history-query">{e.query.label()}</span>
                        <span class="history-time">{format_us(e.elapsed_us)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// "Live", or "Reconnecting in 2 s (attempt 3)".
#[component]
fn FeedPill(feed: LiveFeed) -> impl IntoView {
    let text = move || match feed.status.get() {
        FeedStatus::Connecting => "Connecting…".to_string(),
        FeedStatus::Live => "Live".to_string(),
        FeedStatus::Reconnecting { attempt, in_ms } => {
            format!(
                "Reconnecting in {:.1} s (attempt {attempt})",
                in_ms as f64 / 1000.0
            )
        }
    };
    let class = move || match feed.status.get() {
        FeedStatus::Live => "pill pill-ok",
        FeedStatus::Connecting => "pill",
        FeedStatus::Reconnecting { .. } => "pill pill-warn",
    };
    view! { <span class=class data-testid="feed-status"><span class="pill-dot"></span>{text}</span> }
}

/// A banner per node that is down, syncing, or whose link is broken.
#[component]
fn Alerts(latest: Memo<Option<MetricsTick>>) -> impl IntoView {
    move || {
        let Some(tick) = latest.get() else {
            return view! { <p class="muted">"Waiting for the first metrics…"</p> }.into_any();
        };
        let alerts: Vec<(String, &'static str)> = tick
            .nodes
            .iter()
            .filter_map(|n| {
                let role = n.role.map(NodeRole::label).unwrap_or("node");
                if !n.up {
                    Some((
                        format!(
                            "Redis {role} {} is down: {}",
                            n.addr,
                            n.error.clone().unwrap_or_default()
                        ),
                        "alert alert-down",
                    ))
                } else if n.syncing {
                    Some((
                        format!("Replica {} is syncing with its master.", n.addr),
                        "alert alert-warn",
                    ))
                } else if n.role == Some(NodeRole::Replica)
                    && n.link_status.as_deref() != Some("up")
                {
                    Some((
                        format!("Replica {} has no link to its master.", n.addr),
                        "alert alert-warn",
                    ))
                } else {
                    None
                }
            })
            .collect();
        if alerts.is_empty() {
            view! { <p class="muted ok-line" data-testid="all-clear">"All nodes up and in sync."</p> }.into_any()
        } else {
            alerts
                .into_iter()
                .map(|(text, class)| view! { <div class=class role="alert" data-testid="node-alert">{text}</div> })
                .collect_view()
                .into_any()
        }
    }
}

/// Where lookups were answered: near cache, Redis, database, as shares with
/// their words (colour is never the only signal).
#[component]
fn TierSplit(latest: Memo<Option<MetricsTick>>) -> impl IntoView {
    let shares = move || {
        latest.get().map(|t| {
            let app = t.app;
            let all = app.lookups.max(1) as f64;
            let redis = app.hits.saturating_sub(app.near_hits);
            [
                ("near", "split-near", app.near_hits),
                ("Redis", "split-cache", redis),
                ("database", "split-db", app.misses),
            ]
            .map(|(label, class, count)| (label, class, count, 100.0 * count as f64 / all))
        })
    };
    view! {
        <div class="glass card tile split-tile" data-testid="tier-split">
            <ul class="split">
                {move || shares().map(|shares| shares.into_iter().map(|(label, class, count, pct)| view! {
                    <li class=class>
                        <span class="split-label">{label}</span>
                        <span class="split-value">{format!("{pct:.1}%")}</span>
                        <span class="split-count muted">{count}</span>
                    </li>
                }).collect_view())}
            </ul>
            <span class="tile-label">"answered by"</span>
        </div>
    }
}

/// This server's near cache: entries held (and their bytes), or whether it
/// is off or paused.
#[component]
fn NearTile(latest: Memo<Option<MetricsTick>>) -> impl IntoView {
    let near = move || latest.get().and_then(|t| t.near);
    let value = move || match near() {
        None => "—".to_string(),
        Some(near) if !near.enabled => "off".to_string(),
        Some(near) if !near.live => "paused".to_string(),
        Some(near) => near.entries.to_string(),
    };
    let bytes = move || {
        near()
            .filter(|near| near.enabled && near.live)
            .map(|near| format!("entries · {}", format_bytes(near.bytes)))
    };
    view! {
        <div class="glass card tile">
            <span class="tile-value" data-testid="near">{value}</span>
            <span class="tile-sub" data-testid="near-bytes">{bytes}</span>
            <span class="tile-label">"near cache (this server)"</span>
        </div>
    }
}

/// One big number.
#[component]
fn Tile(
    label: &'static str,
    testid: &'static str,
    #[prop(into)] value: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="glass card tile">
            <span class="tile-value" data-testid=testid>{move || value.get().unwrap_or_else(|| "—".to_string())}</span>
            <span class="tile-label">{label}</span>
        </div>
    }
}

/// One node's replication facts, in the shared node card.
#[component]
fn ReplicaCard(node: NodeMetrics) -> impl IntoView {
    let opt = |v: Option<u64>, unit: &str| {
        v.map(|v| format!("{v}{unit}"))
            .unwrap_or_else(|| "—".to_string())
    };
    let mut facts = vec![Fact::new("Offset", opt(node.offset, ""))];
    if node.role == Some(NodeRole::Replica) {
        let link = node.link_status.clone().unwrap_or_default();
        facts.extend([
            Fact::new(
                "Link",
                node.link_status.clone().unwrap_or_else(|| "—".into()),
            )
            .class(format!("link-{link}")),
            Fact::new("Behind", opt(node.lag_bytes, " B")).testid("lag-bytes"),
            Fact::new("Heartbeat", opt(node.heartbeat_ms, " ms")).testid("heartbeat"),
            Fact::new("Lag", opt(node.lag_s, " s")),
            Fact::new("Last I/O", opt(node.last_io_s, " s ago")),
        ]);
    }
    view! {
        <NodeCard role=node.role.map(NodeRole::label).unwrap_or("node") addr=node.addr up=node.up
            testid="repl-node" facts warning=None error=node.error />
    }
}
