//! A small multi-series time line (SVG polylines), for the dashboard.

use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 50.0;
const PAD: f64 = 10.0;

/// One line: a CSS class for its colour and one value per tick (gaps allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: &'static str,
    /// CSS class of the line (its colour).
    pub class: &'static str,
    /// Oldest first; `None` leaves a gap.
    pub points: Vec<Option<f64>>,
}

/// How the vertical axis maps values.
#[derive(Debug, Clone, Copy)]
pub enum Scale {
    /// 0 ..= max, with tick labels made by the function.
    Linear { max: f64, label: fn(f64) -> String },
    /// Microseconds on a log scale, 10 µs ..= 1 s.
    LogMicros,
}

impl Scale {
    fn y(self, value: f64) -> f64 {
        let frac = match self {
            Scale::Linear { max, .. } => (value / max.max(f64::EPSILON)).clamp(0.0, 1.0),
            Scale::LogMicros => ((value.max(10.0).log10() - 1.0) / 5.0).clamp(0.0, 1.0),
        };
        HEIGHT - PAD - frac * (HEIGHT - 2.0 * PAD)
    }

    fn grid(self) -> Vec<(f64, String)> {
        match self {
            Scale::Linear { max, label } => (0..=4)
                .map(|i| (max * i as f64 / 4.0, label(max * i as f64 / 4.0)))
                .collect(),
            Scale::LogMicros => [
                (100.0, "100 µs"),
                (1_000.0, "1 ms"),
                (10_000.0, "10 ms"),
                (100_000.0, "100 ms"),
            ]
            .into_iter()
            .map(|(v, l)| (v, l.to_string()))
            .collect(),
        }
    }
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
        <svg class="chart timechart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
            {scale
                .grid()
                .into_iter()
                .map(|(value, text)| {
                    let y = scale.y(value);
                    view! {
                        <line class="grid" x1=LEFT x2=WIDTH y1=y y2=y></line>
                        <text class="axis" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{text}</text>
                    }
                })
                .collect_view()}
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
                            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", LEFT + (offset + i) as f64 * step, scale.y(v))))
                            .collect::<Vec<_>>()
                            .join(" ");
                        view! { <polyline class=format!("line {}", s.class) points=points></polyline> }
                    })
                    .collect_view()
            }}
        </svg>
        <div class="legend">{legend}</div>
    }
}
