//! Live metrics: one collector polls every Redis node on a fixed tick (and
//! tells the read target, `topology::ReadTarget`, which replica is healthy),
//! [`crate::hub`] broadcasts its ticks; [`prometheus`] renders the same
//! figures for a scraper.

pub mod collector;
pub mod prometheus;
