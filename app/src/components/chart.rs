//! What every chart shares: the SVG frame, the vertical scale (linear, or
//! microseconds on a log scale) and its grid with labels, so the search
//! page's bars and the dashboard's lines read the same way.

use leptos::prelude::*;

/// Width of every chart's `viewBox`.
pub const WIDTH: f64 = 600.0;
/// Room on the left for the axis labels.
pub const LEFT: f64 = 50.0;

/// The drawing area of one chart, in `viewBox` units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Height of the `viewBox`.
    pub height: f64,
    /// Empty band above the plot.
    pub top: f64,
    /// Empty band below the plot.
    pub bottom: f64,
}

impl Frame {
    /// The y coordinate of `value` on `scale`.
    pub fn y(self, scale: Scale, value: f64) -> f64 {
        let plot = self.height - self.top - self.bottom;
        self.top + plot * (1.0 - scale.fraction(value))
    }

    /// The y coordinate of the plot's floor.
    pub fn base(self) -> f64 {
        self.height - self.bottom
    }
}

/// How the vertical axis maps values.
#[derive(Debug, Clone, Copy)]
pub enum Scale {
    /// 0 ..= max, with tick labels made by the function.
    Linear {
        /// The top of the axis.
        max: f64,
        /// A tick's label.
        label: fn(f64) -> String,
    },
    /// Microseconds on a log scale, 10 µs ..= 1 s, so a 100 µs hit and a
    /// 5 ms read are both visible.
    LogMicros,
}

impl Scale {
    /// Where `value` sits between the bottom (0) and the top (1).
    pub fn fraction(self, value: f64) -> f64 {
        match self {
            Scale::Linear { max, .. } => (value / max.max(f64::EPSILON)).clamp(0.0, 1.0),
            Scale::LogMicros => ((value.max(10.0).log10() - 1.0) / 5.0).clamp(0.0, 1.0),
        }
    }

    /// The grid lines: value and label.
    pub fn grid(self) -> Vec<(f64, String)> {
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

/// The grid lines and their labels, inside a chart's `<svg>`.
#[component]
pub fn ChartGrid(scale: Scale, frame: Frame) -> impl IntoView {
    scale
        .grid()
        .into_iter()
        .map(|(value, text)| {
            let y = frame.y(scale, value);
            view! {
                <line class="grid" x1=LEFT x2=WIDTH y1=y y2=y></line>
                <text class="axis" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{text}</text>
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_scale_separates_hits_from_reads() {
        let frame = Frame {
            height: 170.0,
            top: 8.0,
            bottom: 20.0,
        };
        let y = |us: f64| frame.y(Scale::LogMicros, us);
        assert!(y(100.0) > y(5_000.0), "slower is higher");
        assert_eq!(y(1.0), y(10.0), "clamped below 10 µs");
        assert_eq!(y(10.0), frame.base(), "10 µs is the floor");
        assert_eq!(y(1e6), frame.top, "1 s is the top");
        let linear = Scale::Linear {
            max: 100.0,
            label: |v| format!("{v:.0}%"),
        };
        assert_eq!(
            linear.grid().last().map(|(_, l)| l.clone()),
            Some("100%".into())
        );
    }
}
