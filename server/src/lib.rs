//! cachescope's server: an Axum application that renders the Leptos app,
//! answers the JSON API, and talks to a Redis master and its replicas.
//!
//! The binary is a thin wrapper around [`Application`]; tests build the same
//! application on port 0 against Redis processes they start themselves.

pub mod assets;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod error;
pub mod hub;
pub mod invalidate;
pub mod keybrowser;
pub mod keyspace;
mod layering;
pub mod metrics;
pub mod postgres;
pub mod ratelimit;
pub mod readiness;
pub mod routes;
pub mod serve;
pub mod shutdown;
mod stack_text;
pub mod startup;
pub mod state;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod topology;

pub use config::{Cli, Command, Config};
pub use startup::Application;
