//! The outbound playout queue: bot audio of any chunk size and rate in,
//! 20 ms codec-rate frames out on the media clock, with marks and clear.

mod queue;

pub use queue::{MAX_MARK_NAME, MAX_PENDING_MARKS, MarkDone, OutboundFrame, PlayoutQueue};
