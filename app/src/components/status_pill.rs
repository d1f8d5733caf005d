//! The overall health verdict as a coloured pill.

use crate::i18n::use_texts;
use crate::types::HealthStatus;
use leptos::prelude::*;

/// Shows `ok`, `degraded` or `down` (or "checking" before the first answer).
#[component]
pub fn StatusPill(#[prop(into)] status: Signal<Option<HealthStatus>>) -> impl IntoView {
    let t = &use_texts().common;
    let class = move || match status.get() {
        Some(HealthStatus::Ok) => "pill pill-ok",
        Some(HealthStatus::Degraded) => "pill pill-warn",
        Some(HealthStatus::Down) => "pill pill-down",
        None => "pill",
    };
    let label = move || match status.get() {
        Some(HealthStatus::Ok) => t.status_ok,
        Some(HealthStatus::Degraded) => t.status_degraded,
        Some(HealthStatus::Down) => t.status_down,
        None => t.status_checking,
    };
    view! {
        <span class=class role="status" data-testid="status-pill">
            <span class="pill-dot"></span>
            {label}
        </span>
    }
}
