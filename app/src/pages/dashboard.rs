//! `/dashboard`: the live view, fed by the WebSocket: hit ratio (app and
//! Redis), response times over time, ops/s, memory, clients, keys, and the
//! replication panel with heartbeat delay and alerts.

use crate::components::{
    Fact, FailoverBanner, HitGauge, NodeCard, Scale, SentinelPanel, Series, SourceBadge, TimeChart,
};
use crate::format::{format_bytes, format_count, format_percent, format_us, with_unit};
use crate::i18n::{use_texts, Texts};
use crate::live::{use_live_feed, FeedStatus, LiveFeed, TICKS_KEPT};
use crate::types::{LinkStatus, MetricsTick, NodeMetrics, NodeRole, Role, TickPoint};
use leptos::prelude::*;

/// The live dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_texts();
    let d = &t.dashboard;
    let c = &t.common;
    let loc = t.locale;
    let feed = use_live_feed();
    let latest = Memo::new(move |_| feed.latest());
    let master = Memo::new(move |_| latest.get().and_then(|t| t.nodes.first().cloned()));

    let series = move |pick: fn(&TickPoint) -> Option<f64>| {
        feed.points.with(|p| p.iter().map(pick).collect::<Vec<_>>())
    };
    let ratio_series = Signal::derive(move || {
        vec![
            Series {
                label: d.series_app_ratio.to_string(),
                class: "s-app",
                points: series(|p| p.app_hit_ratio.map(|r| r * 100.0)),
            },
            Series {
                label: d.series_redis_ratio.to_string(),
                class: "s-redis",
                points: series(|p| p.redis_hit_ratio.map(|r| r * 100.0)),
            },
        ]
    });
    let latency_series = Signal::derive(move || {
        vec![
            Series {
                label: (d.series_p50)(c.tier_near),
                class: "s-near",
                points: series(|p| p.near_p50.map(|us| us as f64)),
            },
            Series {
                label: (d.series_p99)(c.tier_near),
                class: "s-near-dim",
                points: series(|p| p.near_p99.map(|us| us as f64)),
            },
            Series {
                label: (d.series_p50)(c.tier_cache),
                class: "s-cache",
                points: series(|p| p.cache_p50.map(|us| us as f64)),
            },
            Series {
                label: (d.series_p99)(c.tier_cache),
                class: "s-cache-dim",
                points: series(|p| p.cache_p99.map(|us| us as f64)),
            },
            Series {
                label: (d.series_p50)(c.tier_database),
                class: "s-db",
                points: series(|p| p.database_p50.map(|us| us as f64)),
            },
            Series {
                label: (d.series_p99)(c.tier_database),
                class: "s-db-dim",
                points: series(|p| p.database_p99.map(|us| us as f64)),
            },
        ]
    });

    view! {
        <section class="glass card dash-head">
            <div class="card-head">
                <h2>{d.title}</h2>
                <FeedPill feed />
            </div>
            {move || latest.get().and_then(|t| t.ha.map(|ha| view! { <FailoverBanner ha now=t.at /> }))}
            <Alerts latest />
        </section>

        <div class="tiles">
            <div class="glass card tile gauge-tile">
                <HitGauge ratio=Signal::derive(move || latest.get().map(|t| t.app.hit_ratio).unwrap_or(0.0)) />
                <span class="tile-label">{d.gauge_lookups}</span>
            </div>
            <div class="glass card tile gauge-tile">
                <HitGauge ratio=Signal::derive(move || master.get().and_then(|m| m.redis_hit_ratio).unwrap_or(0.0)) />
                <span class="tile-label">{d.gauge_keyspace}</span>
            </div>
            <TierSplit latest />
            <Tile label=d.ops testid="ops" value=Signal::derive(move || master.get().and_then(|m| m.ops_per_sec).map(|v| format_count(v, loc))) />
            <Tile label=d.memory testid="memory" value=Signal::derive(move || master.get().and_then(|m| m.used_memory).map(|b| format_bytes(b, loc))) />
            <Tile label=d.clients testid="clients" value=Signal::derive(move || master.get().and_then(|m| m.connected_clients).map(|v| format_count(v, loc))) />
            <Tile label=d.keys testid="keys" value=Signal::derive(move || master.get().and_then(|m| m.keys).map(|v| format_count(v, loc))) />
            <NearTile latest />
            <Tile label=d.lookups testid="lookups" value=Signal::derive(move || latest.get().map(|t| format_count(t.app.lookups, loc))) />
            <Tile label=d.throttled testid="throttled" value=Signal::derive(move || latest.get().map(|t| format_count(t.app.throttled, loc))) />
        </div>

        <p class="muted ratio-note" data-testid="ratio-note">
            {d.ratio_note.map(|(text, strong)| if strong {
                view! { <strong>{text}</strong> }.into_any()
            } else {
                text.into_any()
            })}
        </p>

        <div class="columns even">
            <section class="glass card">
                <h2>{d.ratio_chart}</h2>
                <TimeChart series=ratio_series capacity=TICKS_KEPT label=d.ratio_chart_label
                    scale=Scale::Linear { max: 100.0, label: |v, l| format_percent(v / 100.0, 0, l) } />
            </section>
            <section class="glass card">
                <h2>{d.latency_chart}</h2>
                <TimeChart series=latency_series capacity=TICKS_KEPT label=d.latency_chart_label scale=Scale::LogMicros />
            </section>
        </div>

        <section class="glass card">
            <div class="card-head">
                <h2>{d.replication}</h2>
                <span class="muted">{move || latest.get().map(|tick| (d.reads_from)(&tick.reads_from)).unwrap_or_default()}</span>
            </div>
            <div class="nodes">
                {move || latest.get().map(|t| t.nodes.into_iter().map(|node| view! { <ReplicaCard node /> }).collect_view())}
            </div>
            {move || latest.get().is_some_and(|t| t.nodes.is_empty()).then(|| view! {
                <p class="muted">{t.access.details_for_viewers}</p>
            })}
        </section>

        {move || latest.get().and_then(|t| t.ha).map(|ha| view! { <SentinelPanel ha /> })}

        <section class="glass card">
            <h2>{d.live_lookups}</h2>
            {move || (feed.role.get() == Role::Public && feed.status.get() == FeedStatus::Live).then(|| view! {
                <p class="muted" data-testid="searches-for-viewers">{t.access.searches_for_viewers}</p>
            })}
            <ul class="history" data-testid="live-lookups">
                {move || feed.lookups.get().into_iter().take(12).map(|e| view! {
                    <li class="history-item static">
                        <SourceBadge source=e.source store=Signal::derive(move || latest.get().and_then(|t| t.app.store)) />
                        <span class="history-query">{crate::pages::query_label(&e.query, t)}</span>
                        <span class="history-time">{format_us(e.elapsed_us, loc)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// "Live", or "Reconnecting in 2 s (attempt 3)".
#[component]
fn FeedPill(feed: LiveFeed) -> impl IntoView {
    let t = use_texts();
    let d = &t.dashboard;
    let text = move || match feed.status.get() {
        FeedStatus::Connecting => d.feed_connecting.to_string(),
        FeedStatus::Live => d.feed_live.to_string(),
        FeedStatus::Reconnecting { attempt, in_ms } => {
            (d.feed_reconnecting)(in_ms as f64 / 1000.0, attempt, t.locale)
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
    let t = use_texts();
    let d = &t.dashboard;
    move || {
        let Some(tick) = latest.get() else {
            return view! { <p class="muted">{d.waiting}</p> }.into_any();
        };
        // A public tick names no node (a viewer's always has the master).
        if tick.nodes.is_empty() {
            return view! { <p class="muted" data-testid="details-for-viewers">{t.access.details_for_viewers}</p> }
                .into_any();
        }
        let alerts: Vec<(String, &'static str)> = tick
            .nodes
            .iter()
            .filter_map(|n| {
                let role = t.common.role(n.role);
                if !n.up {
                    Some((
                        (d.node_down)(role, &n.addr, n.error.as_deref().unwrap_or_default()),
                        "alert alert-down",
                    ))
                } else if n.syncing {
                    Some(((d.syncing)(&n.addr), "alert alert-warn"))
                } else if n.role == Some(NodeRole::Replica) && n.link_status != Some(LinkStatus::Up)
                {
                    Some(((d.no_link)(&n.addr), "alert alert-warn"))
                } else {
                    None
                }
            })
            .collect();
        if alerts.is_empty() {
            view! { <p class="muted ok-line" data-testid="all-clear">{d.all_clear}</p> }.into_any()
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
    let t = use_texts();
    let shares = move || {
        latest.get().map(|tick| {
            let app = tick.app;
            let all = app.lookups.max(1) as f64;
            let redis = app.hits.saturating_sub(app.near_hits);
            [
                (t.common.tier_near, "split-near", app.near_hits),
                ("Redis", "split-cache", redis),
                (t.common.tier_database, "split-db", app.misses),
            ]
            .map(|(label, class, count)| (label, class, count, count as f64 / all))
        })
    };
    view! {
        <div class="glass card tile split-tile" data-testid="tier-split">
            <ul class="split">
                {move || shares().map(|shares| shares.into_iter().map(|(label, class, count, pct)| view! {
                    <li class=class>
                        <span class="split-label">{label}</span>
                        <span class="split-value">{format_percent(pct, 1, t.locale)}</span>
                        <span class="split-count muted">{format_count(count, t.locale)}</span>
                    </li>
                }).collect_view())}
            </ul>
            <span class="tile-label">{t.dashboard.answered_by}</span>
        </div>
    }
}

/// This server's near cache: entries held (and their bytes), or whether it
/// is off or paused.
#[component]
fn NearTile(latest: Memo<Option<MetricsTick>>) -> impl IntoView {
    let t = use_texts();
    let d = &t.dashboard;
    let near = move || latest.get().and_then(|tick| tick.near);
    let value = move || match near() {
        None => "—".to_string(),
        Some(near) if !near.enabled => d.near_off.to_string(),
        Some(near) if !near.live => d.near_paused.to_string(),
        Some(near) => format_count(near.entries, t.locale),
    };
    let bytes = move || {
        near()
            .filter(|near| near.enabled && near.live)
            .map(|near| (d.near_bytes)(&format_bytes(near.bytes, t.locale)))
    };
    view! {
        <div class="glass card tile">
            <span class="tile-value" data-testid="near">{value}</span>
            <span class="tile-sub" data-testid="near-bytes">{bytes}</span>
            <span class="tile-label">{d.near_title}</span>
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
    let t: &'static Texts = use_texts();
    let d = &t.dashboard;
    let loc = t.locale;
    let dash = || "—".to_string();
    let unit = |v: Option<u64>, unit: &str| {
        v.map(|v| with_unit(format_count(v, loc), unit, loc))
            .unwrap_or_else(dash)
    };
    let mut facts = vec![Fact::new(
        d.offset,
        node.offset.map(|o| o.to_string()).unwrap_or_else(dash),
    )];
    if node.role == Some(NodeRole::Replica) {
        let link = node.link_status.map(LinkStatus::as_str);
        facts.extend([
            Fact::new(t.common.link, link.map(str::to_string).unwrap_or_else(dash))
                .class(format!("link-{}", link.unwrap_or_default())),
            Fact::new(
                d.behind,
                node.lag_bytes
                    .map(|b| format_bytes(b, loc))
                    .unwrap_or_else(dash),
            )
            .testid("lag-bytes"),
            Fact::new(d.heartbeat, unit(node.heartbeat_ms, "ms")).testid("heartbeat"),
            Fact::new(d.lag, unit(node.lag_s, "s")),
            Fact::new(
                d.last_io,
                node.last_io_s.map(d.seconds_ago).unwrap_or_else(dash),
            ),
        ]);
    }
    view! {
        <NodeCard role=t.common.role(node.role) addr=node.addr up=node.up
            testid="repl-node" facts warning=None error=node.error />
    }
}
