//! Reusable pieces of the UI.

mod node_card;
mod status_pill;

pub use node_card::NodeCard;
pub use status_pill::StatusPill;
