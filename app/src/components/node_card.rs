//! One Redis node as a glass tile: role, address, up or down, and a list of
//! facts. The search page (health: latency, link) and the dashboard
//! (replication: offsets, heartbeat) show their own facts in the same card.

use leptos::prelude::*;

/// One line of a node card.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// What it is (`Latency`, `Heartbeat`).
    pub label: &'static str,
    /// Its value, formatted.
    pub value: String,
    /// An extra CSS class for the value (`link-up`), if any.
    pub class: Option<String>,
    /// A `data-testid` for browser tests, if any.
    pub testid: Option<&'static str>,
}

impl Fact {
    /// A plain fact.
    pub fn new(label: &'static str, value: impl Into<String>) -> Self {
        Fact {
            label,
            value: value.into(),
            class: None,
            testid: None,
        }
    }

    /// The same fact with a CSS class on its value.
    pub fn class(mut self, class: String) -> Self {
        self.class = Some(class);
        self
    }

    /// The same fact with a test id on its value.
    pub fn testid(mut self, testid: &'static str) -> Self {
        self.testid = Some(testid);
        self
    }
}

/// A glass tile for one node. `data-addr` and `data-up` let browser tests find
/// a node and read its state without depending on the wording.
#[component]
pub fn NodeCard(
    /// `master`, `replica`, or `node` when unknown, in the page's language.
    role: &'static str,
    /// `host:port`.
    addr: String,
    /// Whether it answered.
    up: bool,
    /// The card's `data-testid`.
    testid: &'static str,
    /// Facts, in order.
    facts: Vec<Fact>,
    /// Something odd but not an error (a role that is not the configured one).
    warning: Option<String>,
    /// Why it is down.
    error: Option<String>,
) -> impl IntoView {
    let state = if up { "up" } else { "down" };
    let state_text = crate::i18n::use_texts().common.state(up);
    let data_addr = addr.clone();
    view! {
        <article class=format!("node node-{state}") data-addr=data_addr data-up=up.to_string() data-testid=testid>
            <header class="node-head">
                <span class="dot" aria-hidden="true"></span>
                <span class="role">{role}</span>
                <span class="state">{state_text}</span>
            </header>
            <div class="addr">{addr}</div>
            <dl class="facts">
                {facts
                    .into_iter()
                    .map(|fact| view! {
                        <dt>{fact.label}</dt>
                        <dd class=fact.class data-testid=fact.testid>{fact.value}</dd>
                    })
                    .collect_view()}
            </dl>
            {warning.map(|m| view! { <p class="warn-line">{m}</p> })}
            {error.map(|e| view! { <p class="error-line">{e}</p> })}
        </article>
    }
}
