//! The library behind the `trunkline` binary: configuration, the AI-handler
//! bridges and the service modules, shared with the integration tests and
//! fuzz targets.

pub mod config;
pub mod engine;
pub mod handler;

pub mod api;
pub mod billing;
pub mod demo;
pub mod doctor;
pub mod echo_bot;
pub mod event_line;
pub mod scheduler;
pub mod sim;
pub mod store;
pub mod webhook;
