//! One Redis node of the topology: role, address, reachability.

use crate::types::NodeHealth;
use leptos::prelude::*;

/// A glass tile for one node. `data-addr` and `data-up` let browser tests find
/// a node and read its state without depending on the wording.
#[component]
pub fn NodeCard(node: NodeHealth) -> impl IntoView {
    let state = if node.up { "up" } else { "down" };
    let latency = node
        .latency_us
        .map(|us| format!("{:.2} ms", us as f64 / 1000.0))
        .unwrap_or_else(|| "—".to_string());
    let mismatch = (node.role != node.expected_role).then(|| {
        format!(
            "configured as {}, reports {}",
            node.expected_role.label(),
            node.role.label()
        )
    });
    view! {
        <article
            class=format!("node node-{state}")
            data-addr=node.addr.clone()
            data-up=node.up.to_string()
            data-testid="node"
        >
            <header class="node-head">
                <span class="dot" aria-hidden="true"></span>
                <span class="role">{node.role.label()}</span>
                <span class="state">{state}</span>
            </header>
            <div class="addr">{node.addr.clone()}</div>
            <dl class="facts">
                <dt>"Latency"</dt>
                <dd>{latency}</dd>
                {node
                    .link_status
                    .clone()
                    .map(|link| {
                        view! {
                            <dt>"Link"</dt>
                            <dd class=format!("link-{link}")>{link.clone()}</dd>
                        }
                    })}
            </dl>
            {mismatch.map(|m| view! { <p class="warn-line">{m}</p> })}
            {node.error.clone().map(|e| view! { <p class="error-line">{e}</p> })}
        </article>
    }
}
