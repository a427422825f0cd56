//! Settings of the adaptive jitter buffer.

use std::time::Duration;

/// Settings of the adaptive jitter buffer. Delays are playout delays: from
/// the earliest time a frame could have arrived to the end of its playout,
/// so the smallest possible delay is one frame (20 ms).
#[derive(Debug, Clone, PartialEq)]
pub struct JitterConfig {
    /// Lower bound of the target delay (default 20 ms).
    pub min_delay: Duration,
    /// Upper bound of the target delay (default 200 ms).
    pub max_delay: Duration,
    /// Fraction of packets that must arrive in time (default 0.99: the
    /// target follows the 99th percentile of the arrival delay, so that
    /// late loss stays under 1 %; 0.95 is cheaper in delay and loses ~5 %).
    pub quantile: f64,
    /// Arrivals in the sliding window of the delay estimate (default 1000,
    /// twenty seconds of 20 ms packets: enough samples above the 99th
    /// percentile for a steady estimate).
    pub window: usize,
    /// Consecutive missing frames concealed before the output turns to
    /// silence (default 5, 100 ms; the codec PLC fades out before that).
    pub max_concealed_frames: u32,
    /// Pops the delay must stay above target before one frame is removed
    /// (default 25, half a second: the buffer shrinks slowly).
    pub shrink_after_pops: u32,
    /// A packet whose timing is off by more than this from the stream is a
    /// timestamp jump candidate; two in a row resynchronise (default 1 s).
    pub jump_threshold: Duration,
}

impl Default for JitterConfig {
    fn default() -> JitterConfig {
        JitterConfig {
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            quantile: 0.99,
            window: 1000,
            max_concealed_frames: 5,
            shrink_after_pops: 25,
            jump_threshold: Duration::from_secs(1),
        }
    }
}
