//! Reusable pieces of the UI.

mod node_card;
mod product_card;
mod status_pill;
mod top_bar;

pub use node_card::NodeCard;
pub use product_card::{format_price, ProductCard};
pub use status_pill::StatusPill;
pub use top_bar::TopBar;
