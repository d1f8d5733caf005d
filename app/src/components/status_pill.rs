//! The overall health verdict as a coloured pill.

use crate::types::HealthStatus;
use leptos::prelude::*;

/// Shows `ok`, `degraded` or `down` (or "checking" before the first answer).
#[component]
pub fn StatusPill(#[prop(into)] status: Signal<Option<HealthStatus>>) -> impl IntoView {
    let class = move || match status.get() {
        Some(HealthStatus::Ok) => "pill pill-ok",
        Some(HealthStatus::Degraded) => "pill pill-warn",
        Some(HealthStatus::Down) => "pill pill-down",
        None => "pill",
    };
    let label = move || match status.get() {
        Some(HealthStatus::Ok) => "All nodes up",
        Some(HealthStatus::Degraded) => "Degraded",
        Some(HealthStatus::Down) => "Master down",
        None => "Checking…",
    };
    view! {
        <span class=class role="status" data-testid="status-pill">
            <span class="pill-dot"></span>
            {label}
        </span>
    }
}
