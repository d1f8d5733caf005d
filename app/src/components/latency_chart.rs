//! Recent response times as bars on a logarithmic scale, near cache, Redis
//! cache and database in three colours, so a 5 µs near hit, a 100 µs Redis
//! hit and a 5 ms read are all visible.

use super::chart::{ChartAxis, ChartGrid, Frame, Scale, LEFT, WIDTH};
use crate::format::format_us;
use crate::i18n::use_texts;
use crate::types::Source;
use leptos::prelude::*;

/// The frame of the bar chart.
const FRAME: Frame = Frame {
    class: "frame-bars",
    height: 170.0,
    top: 8.0,
    bottom: 20.0,
};

/// Bars for `samples` (oldest first), each `(source, elapsed_us)`.
#[component]
pub fn LatencyChart(#[prop(into)] samples: Signal<Vec<(Source, u64)>>) -> impl IntoView {
    let t = use_texts();
    view! {
        <div class="chart-frame">
        <ChartAxis scale=Scale::LogMicros frame=FRAME />
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {}", FRAME.height)
            preserveAspectRatio="none"
            role="img"
            aria-label=t.search.chart_label
            data-testid="latency-chart"
        >
            <ChartGrid scale=Scale::LogMicros frame=FRAME />
            {move || {
                let samples = samples.get();
                let n = samples.len().max(1) as f64;
                let slot = (WIDTH - LEFT) / n.max(20.0);
                let base = FRAME.base();
                samples
                    .into_iter()
                    .enumerate()
                    .map(|(i, (source, us))| {
                        let y = FRAME.y(Scale::LogMicros, us as f64);
                        let class = match source {
                            Source::Near => "bar bar-near",
                            Source::Cache => "bar bar-cache",
                            Source::Database => "bar bar-db",
                        };
                        view! {
                            <rect
                                class=class
                                x=LEFT + i as f64 * slot + 1.0
                                y=y
                                width=(slot - 2.0).max(1.0)
                                height=(base - y).max(1.0)
                                rx="2"
                            >
                                <title>{format!("{}: {}", t.common.badge(source), format_us(us, t.locale))}</title>
                            </rect>
                        }
                    })
                    .collect_view()
            }}
        </svg>
        </div>
        <div class="legend">
            <span class="key key-near">{t.common.tier_near}</span>
            <span class="key key-cache">{t.common.tier_cache}</span>
            <span class="key key-db">{t.common.tier_database}</span>
            <span class="muted">{t.search.chart_note}</span>
        </div>
    }
}
