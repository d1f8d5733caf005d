//! The Sentinel side of the dashboard: a banner while a failover runs (and
//! for a minute after it), and a panel with each Sentinel, the master it
//! names, whether a failover could happen now, and the failovers seen.

use crate::format::{clock, format_ms};
use crate::types::{Failover, HaStatus};
use leptos::prelude::*;

/// How long a finished failover stays announced, in ms.
const RECENT_MS: u64 = 60_000;

/// The failover banner: in progress, just done, or no quorum. `now` is the
/// tick's clock (the server's), so a browser with a wrong clock reads the
/// same story.
#[component]
pub fn FailoverBanner(ha: HaStatus, now: u64) -> impl IntoView {
    let recent = ha
        .failovers
        .first()
        .filter(|f| now.saturating_sub(f.at) < RECENT_MS)
        .cloned();
    view! {
        {ha.failover_in_progress.then(|| view! {
            <div class="alert alert-warn" role="alert" data-testid="failover-banner">
                <strong>"Failover in progress. "</strong>
                "The master is down and the Sentinels are promoting a replica. Reads continue from the replicas; writes are refused (503) until the switch."
            </div>
        })}
        {(!ha.failover_in_progress).then_some(recent).flatten().map(|f| view! {
            <div class="alert alert-ok" role="status" data-testid="failover-done">
                <strong>"Failover complete. "</strong>
                {format!("{} replaced {} as master in {}.", f.to, f.from, format_ms(f.duration_ms))}
            </div>
        })}
        {(!ha.quorum_ok).then(|| view! {
            <div class="alert alert-down" role="alert" data-testid="no-quorum">
                <strong>"No failover possible. "</strong>
                {format!("The Sentinels cannot reach a majority: {}", ha.quorum_detail)}
            </div>
        })}
    }
}

/// Each Sentinel, the quorum, and the failover history.
#[component]
pub fn SentinelPanel(ha: HaStatus) -> impl IntoView {
    let up = ha.sentinels.iter().filter(|s| s.up).count();
    let total = ha.sentinels.len();
    let (pill, quorum) = if ha.quorum_ok {
        (
            "pill pill-ok",
            format!("quorum reachable · {up} of {total} up"),
        )
    } else {
        ("pill pill-down", format!("no quorum · {up} of {total} up"))
    };
    let failovers = ha.failovers.clone();
    view! {
        <section class="glass card" data-testid="sentinel-panel">
            <div class="card-head">
                <div class="head-group">
                    <h2>"Sentinel"</h2>
                    <span class=pill data-testid="quorum"><span class="pill-dot"></span>{quorum}</span>
                </div>
                <span class="muted">{format!("master name {}", ha.master_name)}</span>
            </div>
            <div class="nodes">
                {ha.sentinels.into_iter().map(|s| {
                    let state = if s.up { "up" } else { "down" };
                    let addr = s.addr.clone();
                    view! {
                        <article class=format!("node node-{state}") data-testid="sentinel" data-addr=addr data-up=s.up.to_string()>
                            <header class="node-head">
                                <span class="dot" aria-hidden="true"></span>
                                <span class="role">"sentinel"</span>
                                <span class="state">{state}</span>
                            </header>
                            <div class="addr">{s.addr}</div>
                            <dl class="facts">
                                <dt>"Master"</dt>
                                <dd data-testid="sentinel-master">{s.master_addr.unwrap_or_else(|| "—".into())}</dd>
                            </dl>
                            {s.error.map(|e| view! { <p class="error-line">{e}</p> })}
                        </article>
                    }
                }).collect_view()}
            </div>
            <h3 class="subhead">"Failovers"</h3>
            {if failovers.is_empty() {
                view! { <p class="muted" data-testid="no-failovers">"None since this server started."</p> }.into_any()
            } else {
                view! {
                    <table class="latency failovers" data-testid="failovers">
                        <thead><tr><th>"When (UTC)"</th><th>"From"</th><th>"To"</th><th>"Took"</th></tr></thead>
                        <tbody>
                            {failovers.into_iter().map(|f: Failover| view! {
                                <tr>
                                    <td>{clock(f.at)}</td>
                                    <td class="mono">{f.from}</td>
                                    <td class="mono">{f.to}</td>
                                    <td>{format_ms(f.duration_ms)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
