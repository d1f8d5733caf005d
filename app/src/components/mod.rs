//! Reusable pieces of the UI.

mod hit_gauge;
mod latency_chart;
mod node_card;
mod product_card;
mod sentinel_panel;
mod status_pill;
mod time_chart;
mod top_bar;
mod topology_panel;

pub use hit_gauge::HitGauge;
pub use latency_chart::{format_us, LatencyChart};
pub use node_card::NodeCard;
pub use product_card::{format_price, ProductCard};
pub use sentinel_panel::{FailoverBanner, SentinelPanel};
pub use status_pill::StatusPill;
pub use time_chart::{Scale, Series, TimeChart};
pub use top_bar::TopBar;
pub use topology_panel::TopologyPanel;
