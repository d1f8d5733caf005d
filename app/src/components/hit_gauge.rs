//! The cache hit ratio as a ring gauge.

use crate::format::format_percent;
use crate::i18n::use_texts;
use leptos::prelude::*;

/// A ring filled to `ratio` (0..=1) with the percentage in the middle.
#[component]
pub fn HitGauge(#[prop(into)] ratio: Signal<f64>) -> impl IntoView {
    const R: f64 = 52.0;
    let t = use_texts();
    let circumference = 2.0 * std::f64::consts::PI * R;
    let dash = move || {
        let filled = ratio.get().clamp(0.0, 1.0) * circumference;
        format!("{filled:.1} {circumference:.1}")
    };
    view! {
        <svg class="gauge" viewBox="0 0 130 130" role="img" aria-label=t.common.gauge_label>
            <circle class="gauge-track" cx="65" cy="65" r=R></circle>
            <circle class="gauge-fill" cx="65" cy="65" r=R stroke-dasharray=dash transform="rotate(-90 65 65)"></circle>
            <text class="gauge-value" x="65" y="70" text-anchor="middle" data-testid="hit-ratio">
                {move || format_percent(ratio.get(), 0, t.locale)}
            </text>
            <text class="gauge-label" x="65" y="90" text-anchor="middle">{t.common.gauge_caption}</text>
        </svg>
    }
}
