//! The adaptive jitter buffer: packets in as they arrive, one 20 ms frame
//! out per `pop`, with a target delay that follows the measured jitter.

mod buffer;
mod config;
mod delay_estimator;
mod stats;
mod time_stretch;

pub use buffer::{FramePayload, JitterBuffer, Playout};
pub use config::JitterConfig;
pub use delay_estimator::DelayEstimator;
pub use stats::JitterStats;
pub use time_stretch::{compress_two_frames, is_quiet};
