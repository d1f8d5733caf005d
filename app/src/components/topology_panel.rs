//! The live state of the Redis topology: verdict and one tile per node,
//! probed every 2 s in the browser (pausable).

use crate::api;
use crate::components::{Fact, NodeCard, StatusPill};
use crate::i18n::use_texts;
use crate::types::{ApiFailure, HealthReport, HealthStatus, LinkStatus, NodeHealth};
use leptos::prelude::*;

/// How often the browser re-checks the topology while live updates are on.
const REFRESH_MS: u64 = 2_000;

/// A glass card with the nodes of the topology.
#[component]
pub fn TopologyPanel() -> impl IntoView {
    let t = &use_texts().topology;
    let (tick, set_tick) = signal(0u64);
    let (live, set_live) = signal(true);
    let health = Resource::new(move || tick.get(), |_| api::health());

    // Effects only run in the browser: poll while live updates are on.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if live.get_untracked() {
                    set_tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_millis(REFRESH_MS),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    view! {
        <section class="glass card topology" aria-labelledby="topology-title">
            <div class="card-head">
                <h2 id="topology-title">{t.title}</h2>
                <button
                    class="button ghost"
                    data-testid="live-toggle"
                    aria-pressed=move || live.get().to_string()
                    on:click=move |_| set_live.update(|l| *l = !*l)
                >
                    {move || if live.get() { t.pause } else { t.resume }}
                </button>
            </div>
            <p class="muted">
                {move || {
                    if live.get() {
                        (t.probed_every)(REFRESH_MS / 1000)
                    } else {
                        t.paused.to_string()
                    }
                }}
            </p>
            // One Transition reads the resource: a resource read under two
            // suspense boundaries can stall the SSR stream (leptos#4851).
            <Transition fallback=|| view! { <StatusPill status=None /> }>
                {move || health.get().map(|report| view! { <Topology report /> })}
            </Transition>
        </section>
    }
}

/// The verdict, the nodes, or a readable explanation of why there are none.
#[component]
fn Topology(report: Result<HealthReport, ApiFailure>) -> impl IntoView {
    let t = &use_texts().topology;
    match report {
        Err(failure) => view! {
            <StatusPill status=Some(HealthStatus::Down) />
            <div class="alert alert-down" role="alert">
                <strong>{t.no_report}</strong>
                {failure.error}
            </div>
        }
        .into_any(),
        Ok(report) => {
            let master_down = report.status == HealthStatus::Down;
            // The public is not told addresses: the role stands in.
            let master_addr = report
                .nodes
                .first()
                .map(|n| n.addr.clone())
                .filter(|addr| !addr.is_empty())
                .unwrap_or_else(|| use_texts().common.role_master.to_string());
            view! {
                <StatusPill status=Some(report.status) />
                {master_down
                    .then(|| {
                        view! {
                            <div class="alert alert-down" role="alert" data-testid="master-down">
                                <strong>{t.master_unreachable}</strong>
                                {(t.nothing_answers)(&master_addr)}
                            </div>
                        }
                    })}
                <div class="nodes">
                    {report.nodes.into_iter().map(health_card).collect_view()}
                </div>
            }
            .into_any()
        }
    }
}

/// A node's health as a node card: latency, and the replication link.
fn health_card(node: NodeHealth) -> impl IntoView {
    let t = use_texts();
    let latency = node
        .latency_us
        .map(|us| format_latency(us, t.locale))
        .unwrap_or_else(|| "—".to_string());
    let mut facts = vec![Fact::new(t.common.latency, latency)];
    if let Some(link) = node.link_status.map(LinkStatus::as_str) {
        facts.push(Fact::new(t.common.link, link.to_string()).class(format!("link-{link}")));
    }
    let warning = (node.role != node.expected_role).then(|| {
        (t.topology.unexpected_role)(
            t.common.role(Some(node.expected_role)),
            t.common.role(Some(node.role)),
        )
    });
    view! {
        <NodeCard role=t.common.role(Some(node.role)) addr=node.addr up=node.up testid="node" facts
            warning error=node.error />
    }
}

/// A node's round trip in ms with two decimals (`0.23 ms`): finer than
/// [`crate::format::format_us`] for the sub-millisecond pings of a healthy node.
fn format_latency(us: u64, locale: crate::types::Locale) -> String {
    use crate::format::{format_decimal, with_unit};
    with_unit(format_decimal(us as f64 / 1000.0, 2, locale), "ms", locale)
}
