//! Per-source reception statistics: loss (RFC 3550 A.3) and interarrival
//! jitter (RFC 3550 A.8).

use std::time::Instant;

use crate::rtcp::ReportBlock;
use crate::rtp::{SequenceTracker, SequenceVerdict};

/// Loss and jitter of the remote source, as RTCP reports them.
#[derive(Debug, Clone)]
pub struct ReceptionStats {
    ssrc: u32,
    clock_rate: u32,
    epoch: Instant,
    sequence: SequenceTracker,
    transit: Option<i64>,
    /// Jitter in timestamp units, scaled by 16 (the A.8 integer form).
    jitter_x16: u64,
    expected_prior: u64,
    received_prior: u64,
    interval_fraction: u8,
}

impl ReceptionStats {
    /// Statistics for `ssrc`, whose first packet carries `sequence`.
    pub fn new(ssrc: u32, sequence: u16, clock_rate: u32, epoch: Instant) -> ReceptionStats {
        ReceptionStats {
            ssrc,
            clock_rate: clock_rate.max(1),
            epoch,
            sequence: SequenceTracker::new(sequence),
            transit: None,
            jitter_x16: 0,
            expected_prior: 0,
            received_prior: 0,
            interval_fraction: 0,
        }
    }

    /// The source these statistics are about.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Accounts for one packet; `jitter_eligible` is false for packets that
    /// are not sampled at the media clock (telephone events).
    pub fn update(
        &mut self,
        now: Instant,
        sequence: u16,
        timestamp: u32,
        jitter_eligible: bool,
    ) -> SequenceVerdict {
        let verdict = self.sequence.update(sequence);
        if let SequenceVerdict::Restarted(_) = verdict {
            self.expected_prior = 0;
            self.received_prior = 0;
            self.transit = None;
        }
        if jitter_eligible
            && matches!(
                verdict,
                SequenceVerdict::Accepted(_) | SequenceVerdict::Restarted(_)
            )
        {
            let arrival = (now.saturating_duration_since(self.epoch).as_micros()
                * u128::from(self.clock_rate)
                / 1_000_000) as i64;
            let transit = arrival - i64::from(timestamp);
            if let Some(previous) = self.transit {
                // Wrapping difference: timestamps are modulo 2^32.
                let d = i64::from((transit - previous) as i32).unsigned_abs();
                self.jitter_x16 = self.jitter_x16 + d - ((self.jitter_x16 + 8) >> 4);
            }
            self.transit = Some(transit);
        }
        verdict
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        (self.jitter_x16 >> 4).min(u64::from(u32::MAX)) as u32
    }

    /// Interarrival jitter in seconds.
    pub fn jitter_seconds(&self) -> f64 {
        self.jitter_x16 as f64 / 16.0 / f64::from(self.clock_rate)
    }

    /// Packets expected so far.
    pub fn expected(&self) -> u64 {
        self.sequence.expected()
    }

    /// Packets received so far (duplicates included).
    pub fn received(&self) -> u64 {
        self.sequence.received()
    }

    /// Cumulative packets lost (negative with duplicates).
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received() as i64
    }

    /// The loss fraction (in 1/256) of the last reporting interval.
    pub fn interval_fraction_lost(&self) -> u8 {
        self.interval_fraction
    }

    /// Builds the report block for this source and starts a new interval.
    /// `last_sr` and `delay_since_last_sr` come from the last SR received.
    pub fn report_block(&mut self, last_sr: u32, delay_since_last_sr: u32) -> ReportBlock {
        let expected = self.expected();
        let received = self.received();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        let received_interval = received.saturating_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        self.interval_fraction = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost: self.interval_fraction,
            cumulative_lost: self.cumulative_lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            highest_sequence: self.sequence.extended_max() as u32,
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn steady_stream_has_no_jitter_and_alternating_gaps_do() {
        let t0 = Instant::now();
        let mut s = ReceptionStats::new(1, 0, 8000, t0);
        for i in 0..100u16 {
            s.update(
                t0 + Duration::from_millis(20 * u64::from(i)),
                i,
                u32::from(i) * 160,
                true,
            );
        }
        assert_eq!(s.jitter(), 0);
        let mut s = ReceptionStats::new(1, 0, 8000, t0);
        for i in 0..2000u16 {
            let wobble = if i % 2 == 0 { 0 } else { 10 };
            let at = t0 + Duration::from_millis(20 * u64::from(i) + wobble);
            s.update(at, i, u32::from(i) * 160, true);
        }
        // |D| is always 80 ticks (10 ms): the estimate converges to 80.
        assert!((78..=80).contains(&s.jitter()), "{}", s.jitter());
        assert!((s.jitter_seconds() - 0.010).abs() < 0.0003);
    }

    #[test]
    fn interval_loss_fraction() {
        let t0 = Instant::now();
        let mut s = ReceptionStats::new(7, 100, 8000, t0);
        for seq in 100..200u16 {
            if seq % 4 != 0 || seq < 104 {
                s.update(t0, seq, 0, false);
            }
        }
        let block = s.report_block(0, 0);
        assert_eq!(block.ssrc, 7);
        assert_eq!(block.highest_sequence, 199);
        // 24 of the 100 packets after probation were dropped (104..200 step 4).
        assert_eq!(block.cumulative_lost, 24);
        assert_eq!(block.fraction_lost, (24 * 256 / 99) as u8);
        let again = s.report_block(0, 0);
        assert_eq!(again.fraction_lost, 0);
    }
}
