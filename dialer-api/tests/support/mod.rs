//! Shared helpers of the service tests: database backends (SQLite file, fresh PostgreSQL
//! database), a scripted call engine and a router harness.

#![allow(dead_code)]

pub mod db;
pub mod engine;
pub mod harness;
