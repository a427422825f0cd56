//! Counters the jitter buffer keeps, in the manner of WebRTC NetEq.

use std::time::Duration;

/// What the jitter buffer has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    /// Current playout delay (earliest possible arrival to end of playout).
    pub current_delay: Duration,
    /// Target playout delay.
    pub target_delay: Duration,
    /// Frames accepted into the buffer.
    pub frames_received: u64,
    /// Frames played from the buffer.
    pub frames_played: u64,
    /// Frames missing when due (lost in the network or late); the silence
    /// period after a comfort-noise frame is not counted.
    pub frames_missing: u64,
    /// Frames that arrived after their playout time and were dropped.
    pub frames_late: u64,
    /// Frames dropped for other reasons: too far ahead, a stray jump, or
    /// flushed by a resynchronisation.
    pub frames_discarded: u64,
    /// Duplicate frames dropped.
    pub frames_duplicated: u64,
    /// Frames of media time passed over without playing anything while the
    /// delay was above target: lost frames skipped instead of concealed, or
    /// a forward jump in the sender's timestamps.
    pub frames_skipped: u64,
    /// Samples of concealment produced (missing frames and expansion).
    pub concealed_samples: u64,
    /// Runs of consecutive concealed frames (loss and expansion).
    pub concealment_events: u64,
    /// Runs of consecutive missing frames (losses only; a run may include
    /// expansion while the delay grew to target).
    pub loss_events: u64,
    /// Frames removed to shrink the delay (silence dropped or two frames
    /// time-compressed into one).
    pub accelerate_events: u64,
    /// Frames inserted to grow the delay (the playout held back a frame).
    pub expand_events: u64,
    /// Resynchronisations on a timestamp jump or a new source.
    pub resyncs: u64,
}
