//! Reusable pieces of the UI.

mod chart;
mod hit_gauge;
mod latency_chart;
mod node_card;
mod product_card;
mod sentinel_panel;
mod sign_in;
mod source_badge;
mod status_pill;
mod time_chart;
mod top_bar;
mod topology_panel;

pub use chart::Scale;
pub use hit_gauge::HitGauge;
pub use latency_chart::LatencyChart;
pub use node_card::{Fact, NodeCard};
pub use product_card::ProductCard;
pub use sentinel_panel::{FailoverBanner, SentinelPanel};
pub use sign_in::SignIn;
pub use source_badge::SourceBadge;
pub use status_pill::StatusPill;
pub use time_chart::{Series, TimeChart};
pub use top_bar::TopBar;
pub use topology_panel::TopologyPanel;
