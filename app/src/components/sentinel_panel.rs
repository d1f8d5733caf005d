//! The Sentinel side of the dashboard: a banner while a failover runs (and
//! for a minute after it), and a panel with each Sentinel, the master it
//! names, whether a failover could happen now, and the failovers seen.

use crate::format::{clock, format_ms};
use crate::i18n::use_texts;
use crate::types::{Failover, HaStatus};
use leptos::prelude::*;

/// How long a finished failover stays announced, in ms.
const RECENT_MS: u64 = 60_000;

/// The failover banner: in progress, just done, or no quorum. `now` is the
/// tick's clock (the server's), so a browser with a wrong clock reads the
/// same story.
#[component]
pub fn FailoverBanner(ha: HaStatus, now: u64) -> impl IntoView {
    let t = use_texts();
    let s = &t.sentinel;
    let recent = ha
        .failovers
        .first()
        .filter(|f| now.saturating_sub(f.at) < RECENT_MS)
        .cloned();
    view! {
        {ha.failover_in_progress.then(|| view! {
            <div class="alert alert-warn" role="alert" data-testid="failover-banner">
                <strong>{s.in_progress}</strong>
                {s.in_progress_body}
            </div>
        })}
        {(!ha.failover_in_progress).then_some(recent).flatten().map(|f| view! {
            <div class="alert alert-ok" role="status" data-testid="failover-done">
                <strong>{s.complete}</strong>
                {(s.complete_body)(&f.to, &f.from, &format_ms(f.duration_ms, t.locale))}
            </div>
        })}
        {(!ha.quorum_ok).then(|| view! {
            <div class="alert alert-down" role="alert" data-testid="no-quorum">
                <strong>{s.no_quorum_title}</strong>
                {(s.no_quorum_body)(&ha.quorum_detail)}
            </div>
        })}
    }
}

/// Each Sentinel, the quorum, and the failover history.
#[component]
pub fn SentinelPanel(ha: HaStatus) -> impl IntoView {
    let t = use_texts();
    let s = &t.sentinel;
    let up = ha.sentinels.iter().filter(|s| s.up).count();
    let total = ha.sentinels.len();
    let (pill, quorum) = if ha.quorum_ok {
        ("pill pill-ok", (s.quorum_ok)(up, total))
    } else {
        ("pill pill-down", (s.quorum_missing)(up, total))
    };
    let failovers = ha.failovers.clone();
    view! {
        <section class="glass card" data-testid="sentinel-panel">
            <div class="card-head">
                <div class="head-group">
                    <h2>"Sentinel"</h2>
                    <span class=pill data-testid="quorum"><span class="pill-dot"></span>{quorum}</span>
                </div>
                <span class="muted">{(s.master_name)(&ha.master_name)}</span>
            </div>
            <div class="nodes">
                {ha.sentinels.into_iter().map(|s| {
                    let state = if s.up { "up" } else { "down" };
                    let s_up = s.up;
                    let addr = s.addr.clone();
                    view! {
                        <article class=format!("node node-{state}") data-testid="sentinel" data-addr=addr data-up=s.up.to_string()>
                            <header class="node-head">
                                <span class="dot" aria-hidden="true"></span>
                                <span class="role">{t.sentinel.role}</span>
                                <span class="state">{t.common.state(s_up)}</span>
                            </header>
                            <div class="addr">{s.addr}</div>
                            <dl class="facts">
                                <dt>{t.sentinel.master}</dt>
                                <dd data-testid="sentinel-master">{s.master_addr.unwrap_or_else(|| "—".into())}</dd>
                            </dl>
                            {s.error.map(|e| view! { <p class="error-line">{e}</p> })}
                        </article>
                    }
                }).collect_view()}
            </div>
            <h3 class="subhead">{s.failovers}</h3>
            {if failovers.is_empty() {
                view! { <p class="muted" data-testid="no-failovers">{s.none_yet}</p> }.into_any()
            } else {
                view! {
                    <table class="latency failovers" data-testid="failovers">
                        <thead><tr><th>{s.when}</th><th>{s.from}</th><th>{s.to}</th><th>{s.took}</th></tr></thead>
                        <tbody>
                            {failovers.into_iter().map(|f: Failover| view! {
                                <tr>
                                    <td>{clock(f.at)}</td>
                                    <td class="mono">{f.from}</td>
                                    <td class="mono">{f.to}</td>
                                    <td>{format_ms(f.duration_ms, t.locale)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
