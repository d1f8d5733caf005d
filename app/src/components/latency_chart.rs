//! Recent response times as bars on a logarithmic scale, cache and database in
//! two colours, so a 100 µs hit and a 5 ms read are both visible.

use crate::types::Source;
use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 46.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;
/// The scale spans 10 µs … 1 s.
const MIN_LOG: f64 = 1.0;
const MAX_LOG: f64 = 6.0;

fn y_of(us: u64) -> f64 {
    let log = (us.max(10) as f64).log10().clamp(MIN_LOG, MAX_LOG);
    let plot = HEIGHT - TOP - BOTTOM;
    TOP + plot * (1.0 - (log - MIN_LOG) / (MAX_LOG - MIN_LOG))
}

/// Formats microseconds for people: `850 µs`, `1.2 ms`, `2.0 s`.
pub fn format_us(us: u64) -> String {
    match us {
        0..=999 => format!("{us} µs"),
        1_000..=999_999 => format!("{:.1} ms", us as f64 / 1000.0),
        _ => format!("{:.2} s", us as f64 / 1_000_000.0),
    }
}

/// Bars for `samples` (oldest first), each `(source, elapsed_us)`.
#[component]
pub fn LatencyChart(#[prop(into)] samples: Signal<Vec<(Source, u64)>>) -> impl IntoView {
    let grid = [
        (100u64, "100 µs"),
        (1_000, "1 ms"),
        (10_000, "10 ms"),
        (100_000, "100 ms"),
    ];
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label="Recent response times, cache and database"
            data-testid="latency-chart"
        >
            {grid
                .into_iter()
                .map(|(us, label)| {
                    let y = y_of(us);
                    view! {
                        <line class="grid" x1=LEFT x2=WIDTH y1=y y2=y></line>
                        <text class="axis" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{label}</text>
                    }
                })
                .collect_view()}
            {move || {
                let samples = samples.get();
                let n = samples.len().max(1) as f64;
                let slot = (WIDTH - LEFT) / n.max(20.0);
                let base = HEIGHT - BOTTOM;
                samples
                    .into_iter()
                    .enumerate()
                    .map(|(i, (source, us))| {
                        let y = y_of(us);
                        let class = match source {
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
                                <title>{format!("{}: {}", source.label(), format_us(us))}</title>
                            </rect>
                        }
                    })
                    .collect_view()
            }}
        </svg>
        <div class="legend">
            <span class="key key-cache">"cache"</span>
            <span class="key key-db">"database"</span>
            <span class="muted">"log scale, newest on the right"</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_separates_hits_from_reads() {
        assert!(y_of(100) > y_of(5_000), "slower is higher");
        assert!(y_of(1) == y_of(10), "clamped below 10 µs");
        assert_eq!(format_us(850), "850 µs");
        assert_eq!(format_us(1_250), "1.2 ms");
        assert_eq!(format_us(2_000_000), "2.00 s");
    }
}
