//! The simulated-time harness of the endpoint tests: a seeded lossy network
//! (`net`), a small registrar/UAS built from the crate's transaction layer
//! (`peer`), and a runner that advances the clock to the earliest deadline
//! (`sim`). Each test binary uses a different part of it.
#![allow(dead_code)]

pub mod net;
pub mod peer;
pub mod sim;
