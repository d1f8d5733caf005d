//! What every chart shares: the SVG frame, the vertical scale (linear, or
//! microseconds on a log scale), its grid lines, and the axis labels, so the
//! search page's bars and the dashboard's lines read the same way.
//!
//! The labels are HTML beside the SVG, not SVG text: the SVG scales with
//! its width (on a phone to about half size), and text inside it would
//! shrink with it; HTML labels keep their size on every screen. The plot
//! keeps a fixed height and stretches to the width (`preserveAspectRatio
//! = none`, strokes that do not scale), so it stays readable on a phone.

use crate::types::Locale;
use leptos::prelude::*;

/// Width of every chart's `viewBox`.
pub const WIDTH: f64 = 600.0;
/// Where the plot starts inside the SVG (the labels are outside it).
pub const LEFT: f64 = 0.0;

/// The drawing area of one chart, in `viewBox` units. `class` names the
/// stylesheet rule that places the HTML axis over the same plot area (the
/// page's CSP allows no inline styles, so positions are classes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// `frame-<name>` in `style/main.css`: the plot's top and bottom bands
    /// as percentages of the height.
    pub class: &'static str,
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
        /// A tick's label, in the page's language.
        label: fn(f64, Locale) -> String,
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
    pub fn grid(self, locale: Locale) -> Vec<(f64, String)> {
        match self {
            Scale::Linear { max, label } => (0..=4)
                .map(|i| (max * i as f64 / 4.0, label(max * i as f64 / 4.0, locale)))
                .collect(),
            Scale::LogMicros => [
                (100.0, "100", "µs"),
                (1_000.0, "1", "ms"),
                (10_000.0, "10", "ms"),
                (100_000.0, "100", "ms"),
            ]
            .into_iter()
            .map(|(v, n, unit)| (v, crate::format::with_unit(n.to_string(), unit, locale)))
            .collect(),
        }
    }
}

/// The grid lines, inside a chart's `<svg>`.
#[component]
pub fn ChartGrid(scale: Scale, frame: Frame) -> impl IntoView {
    scale
        .grid(Locale::default())
        .into_iter()
        .map(|(value, _)| {
            let y = frame.y(scale, value);
            view! { <line class="grid" x1=LEFT x2=WIDTH y1=y y2=y vector-effect="non-scaling-stroke"></line> }
        })
        .collect_view()
}

/// The axis labels, in HTML beside the `<svg>` (inside a `.chart-frame`),
/// each at its grid line's height: class `at-<percent of the plot>`.
#[component]
pub fn ChartAxis(scale: Scale, frame: Frame) -> impl IntoView {
    view! {
        <div class=format!("chart-axis {}", frame.class) aria-hidden="true">
            {scale
                .grid(crate::i18n::use_locale())
                .into_iter()
                .map(|(value, text)| {
                    let at = (scale.fraction(value) * 100.0).round() as u32;
                    view! { <span class=format!("axis at-{at}")>{text}</span> }
                })
                .collect_view()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_scale_separates_hits_from_reads() {
        let frame = Frame {
            class: "frame-bars",
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
            label: |v, _| format!("{v:.0}%"),
        };
        assert_eq!(
            linear.grid(Locale::En).last().map(|(_, l)| l.clone()),
            Some("100%".into())
        );
        // The log scale's labels follow the language's spacing.
        assert_eq!(Scale::LogMicros.grid(Locale::En)[1].1, "1 ms");
        assert_eq!(Scale::LogMicros.grid(Locale::Fr)[1].1, "1\u{a0}ms");
        // Every label lands on a position the stylesheet has a rule for.
        for scale in [linear, Scale::LogMicros] {
            for (value, _) in scale.grid(Locale::En) {
                let at = (scale.fraction(value) * 100.0).round() as u32;
                assert!([0, 20, 25, 40, 50, 60, 75, 80, 100].contains(&at), "{at}");
            }
        }
    }
}
