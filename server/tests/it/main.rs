//! The integration tests, in one binary (each test binary links the whole
//! app, so one binary is linked once). Every test starts its own
//! `redis-server` (and Sentinel) processes on free ports through
//! [`support`], and the application on port 0; none touches a Redis it did
//! not start.

mod support;

mod access;
mod cache;
mod db;
mod drills;
mod failover;
mod hardening;
mod health;
mod keys;
mod lane;
mod live;
mod locale;
mod near;
mod openapi;
mod pages;
mod postgres;
mod prometheus;
mod ratelimit;
mod tls;
