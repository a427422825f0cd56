//! Sequence number extension and source validation (RFC 3550 Appendix A.1).

/// Consecutive packets needed before a new source counts as valid.
const MIN_SEQUENTIAL: u16 = 2;
/// A forward jump larger than this is a discontinuity, not loss.
const MAX_DROPOUT: u16 = 3000;
/// A backward step larger than this is a discontinuity, not reordering.
const MAX_MISORDER: u16 = 100;
const SEQ_MOD: u64 = 1 << 16;

/// What [`SequenceTracker::update`] made of a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceVerdict {
    /// In sequence (or reordered within bounds): the extended sequence number.
    Accepted(u64),
    /// The source is still on probation; the packet should not be played.
    Probation,
    /// A very large jump; the source is resynchronised if the next packet
    /// follows on from this one.
    Jump,
    /// The source restarted: the counters were reset and this packet is the
    /// first of the new sequence, with this extended number.
    Restarted(u64),
}

/// Extends 16-bit sequence numbers and counts packets for one source,
/// following the reference algorithm of RFC 3550 Appendix A.1.
#[derive(Debug, Clone, Default)]
pub struct SequenceTracker {
    max_seq: u16,
    cycles: u64,
    base_seq: u64,
    bad_seq: u64,
    probation: u16,
    received: u64,
    started: bool,
}

impl SequenceTracker {
    /// A tracker for a source whose first packet carries `seq`; that packet
    /// is on probation until two (`MIN_SEQUENTIAL`) packets in a row arrive.
    pub fn new(seq: u16) -> SequenceTracker {
        let mut t = SequenceTracker {
            started: true,
            ..SequenceTracker::default()
        };
        t.init(seq);
        t.max_seq = seq.wrapping_sub(1);
        t.probation = MIN_SEQUENTIAL;
        t
    }

    fn init(&mut self, seq: u16) {
        self.base_seq = u64::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
    }

    /// Accounts for one received sequence number.
    pub fn update(&mut self, seq: u16) -> SequenceVerdict {
        let delta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init(seq);
                    self.received += 1;
                    return SequenceVerdict::Accepted(self.extended(seq));
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SequenceVerdict::Probation;
        }
        if delta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += SEQ_MOD;
            }
            self.max_seq = seq;
        } else if u64::from(delta) <= SEQ_MOD - u64::from(MAX_MISORDER) {
            if u64::from(seq) == self.bad_seq {
                self.init(seq);
                self.received += 1;
                return SequenceVerdict::Restarted(self.extended(seq));
            }
            self.bad_seq = u64::from(seq.wrapping_add(1));
            return SequenceVerdict::Jump;
        }
        self.received += 1;
        SequenceVerdict::Accepted(self.extended(seq))
    }

    /// The extended number of `seq`, placed in the cycle nearest the highest
    /// sequence number seen.
    fn extended(&self, seq: u16) -> u64 {
        let highest = self.cycles + u64::from(self.max_seq);
        let diff = i64::from(seq.wrapping_sub(self.max_seq) as i16);
        highest.saturating_add_signed(diff)
    }

    /// The highest extended sequence number received.
    pub fn extended_max(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    /// Packets expected since the (re)start: highest minus base plus one.
    pub fn expected(&self) -> u64 {
        (self.extended_max() + 1).saturating_sub(self.base_seq)
    }

    /// Packets accepted since the (re)start (duplicates count twice, as in RFC 3550).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Whether the source has passed probation.
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(first: u16) -> SequenceTracker {
        let mut t = SequenceTracker::new(first);
        assert_eq!(t.update(first), SequenceVerdict::Probation);
        assert_eq!(
            t.update(first.wrapping_add(1)),
            SequenceVerdict::Accepted(u64::from(first.wrapping_add(1)))
        );
        t
    }

    #[test]
    fn extends_across_the_wrap() {
        let mut t = valid(65534);
        assert_eq!(t.update(0), SequenceVerdict::Accepted(65536));
        assert_eq!(t.update(1), SequenceVerdict::Accepted(65537));
        assert_eq!(t.update(65535), SequenceVerdict::Accepted(65535));
        assert_eq!(t.extended_max(), 65537);
        assert_eq!(t.expected(), 3);
        assert_eq!(t.received(), 4);
    }

    #[test]
    fn counts_loss_through_expected() {
        let mut t = valid(10);
        t.update(13);
        t.update(14);
        // Counting starts at 11, the packet that ended probation; 12 is missing.
        assert_eq!(t.expected(), 4);
        assert_eq!(t.received(), 3);
    }

    #[test]
    fn reordering_ends_where_appendix_a1_says() {
        let mut t = valid(1000);
        assert_eq!(t.extended_max(), 1001);
        // 99 behind is a reordered packet; 100 behind is a jump
        // (udelta <= RTP_SEQ_MOD - MAX_MISORDER in RFC 3550 A.1).
        assert_eq!(t.update(902), SequenceVerdict::Accepted(902));
        assert_eq!(t.update(901), SequenceVerdict::Jump);
        assert_eq!(t.extended_max(), 1001);
    }

    #[test]
    fn a_single_jump_is_ignored_and_two_restart() {
        let mut t = valid(100);
        assert_eq!(t.update(30000), SequenceVerdict::Jump);
        assert_eq!(t.update(102), SequenceVerdict::Accepted(102));
        assert_eq!(t.update(40000), SequenceVerdict::Jump);
        assert_eq!(t.update(40001), SequenceVerdict::Restarted(40001));
        assert_eq!(t.update(40002), SequenceVerdict::Accepted(40002));
        assert_eq!(t.expected(), 2);
    }
}
