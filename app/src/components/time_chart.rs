//! A small multi-series time line (SVG polylines), for the dashboard.

use super::chart::{ChartAxis, ChartGrid, Frame, Scale, LEFT, WIDTH};
use leptos::prelude::*;

/// The frame of every time line.
const FRAME: Frame = Frame {
    class: "frame-lines",
    height: 150.0,
    top: 10.0,
    bottom: 10.0,
};

/// One line: a CSS class for its colour and one value per tick (gaps allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// CSS class of the line (its colour).
    pub class: &'static str,
    /// Oldest first; `None` leaves a gap.
    pub points: Vec<Option<f64>>,
}

/// Lines over the last `capacity` ticks (newest at the right edge).
#[component]
pub fn TimeChart(
    #[prop(into)] series: Signal<Vec<Series>>,
    scale: Scale,
    capacity: usize,
    #[prop(into)] label: String,
) -> impl IntoView {
    let step = (WIDTH - LEFT) / (capacity.max(2) - 1) as f64;
    let legend = move || {
        series
            .get()
            .into_iter()
            .map(|s| view! { <span class=format!("key {}", s.class)>{s.label}</span> })
            .collect_view()
    };
    view! {
        <div class="chart-frame">
        <ChartAxis scale frame=FRAME />
        <svg class="chart timechart" viewBox=format!("0 0 {WIDTH} {}", FRAME.height) preserveAspectRatio="none" role="img" aria-label=label>
            <ChartGrid scale frame=FRAME />
            {move || {
                series
                    .get()
                    .into_iter()
                    .map(|s| {
                        let offset = capacity.saturating_sub(s.points.len());
                        let points = s
                            .points
                            .iter()
                            .enumerate()
                            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", LEFT + (offset + i) as f64 * step, FRAME.y(scale, v))))
                            .collect::<Vec<_>>()
                            .join(" ");
                        view! { <polyline class=format!("line {}", s.class) points=points vector-effect="non-scaling-stroke"></polyline> }
                    })
                    .collect_view()
            }}
        </svg>
        </div>
        <div class="legend">{legend}</div>
    }
}
