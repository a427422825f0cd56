//! Symmetric RTP: where to send media, learnt from where it comes from.
//!
//! The rules, chosen to follow NAT rebinding without letting a stray or
//! spoofed packet steal the call:
//! * Packets from the address signalled in SDP are always accepted, and the
//!   first one latches onto it.
//! * Before anything is latched, another address latches once it sent
//!   [`FIRST_LATCH_RUN`] packets in a row of one SSRC with consecutive
//!   sequence numbers.
//! * Once latched, another address takes over only after
//!   [`RELATCH_RUN`] consecutive packets of the *same SSRC* as the current
//!   stream, and only while the current address has been silent for at
//!   least [`RELATCH_SILENCE`]. A single stray packet, or a second stream
//!   injected while the real one is flowing, never moves the latch.
//! * Packets from any other address are dropped (and counted).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// In-sequence packets that latch a source before any latch.
pub const FIRST_LATCH_RUN: u32 = 2;
/// In-sequence packets that move an existing latch.
pub const RELATCH_RUN: u32 = 5;
/// Silence of the latched address needed before it can be replaced.
pub const RELATCH_SILENCE: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
struct Candidate {
    address: SocketAddr,
    ssrc: u32,
    next_sequence: u16,
    run: u32,
}

/// What [`Latch::accept`] decided about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchVerdict {
    /// From the current address: process it.
    Accept,
    /// The latch moved to this packet's address: process it.
    Latched(SocketAddr),
    /// From an unknown address: drop it.
    Drop,
}

/// The symmetric-RTP latch of one session.
#[derive(Debug, Clone)]
pub struct Latch {
    signalled: SocketAddr,
    current: SocketAddr,
    latched: bool,
    last_heard: Option<Instant>,
    candidate: Option<Candidate>,
}

impl Latch {
    /// A latch that sends to `signalled` until media says otherwise.
    pub fn new(signalled: SocketAddr) -> Latch {
        Latch {
            signalled,
            current: signalled,
            latched: false,
            last_heard: None,
            candidate: None,
        }
    }

    /// Where media goes now.
    pub fn address(&self) -> SocketAddr {
        self.current
    }

    /// Signalling moved the remote end (re-INVITE): start over.
    pub fn reset(&mut self, signalled: SocketAddr) {
        *self = Latch::new(signalled);
    }

    /// Decides about a valid media packet from `from`. `stream_ssrc` is the
    /// SSRC of the stream being received, if one is established.
    pub fn accept(
        &mut self,
        now: Instant,
        from: SocketAddr,
        ssrc: u32,
        sequence: u16,
        stream_ssrc: Option<u32>,
    ) -> LatchVerdict {
        if from == self.current {
            self.last_heard = Some(now);
            self.candidate = None;
            if !self.latched {
                self.latched = true;
                return LatchVerdict::Latched(from);
            }
            return LatchVerdict::Accept;
        }
        if from == self.signalled && !self.latched {
            self.current = from;
            return self.accept(now, from, ssrc, sequence, stream_ssrc);
        }
        let run = match self.candidate {
            Some(c) if c.address == from && c.ssrc == ssrc && c.next_sequence == sequence => {
                c.run + 1
            }
            _ => 1,
        };
        self.candidate = Some(Candidate {
            address: from,
            ssrc,
            next_sequence: sequence.wrapping_add(1),
            run,
        });
        let allowed = if self.latched {
            run >= RELATCH_RUN
                && stream_ssrc.is_none_or(|s| s == ssrc)
                && self
                    .last_heard
                    .is_none_or(|t| now.saturating_duration_since(t) >= RELATCH_SILENCE)
        } else {
            run >= FIRST_LATCH_RUN
        };
        if !allowed {
            return LatchVerdict::Drop;
        }
        self.current = from;
        self.latched = true;
        self.last_heard = Some(now);
        self.candidate = None;
        LatchVerdict::Latched(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    #[test]
    fn latches_on_the_signalled_address_at_once() {
        let t = Instant::now();
        let mut l = Latch::new(addr(4000));
        assert_eq!(
            l.accept(t, addr(4000), 1, 10, None),
            LatchVerdict::Latched(addr(4000))
        );
        assert_eq!(
            l.accept(t, addr(4000), 1, 11, Some(1)),
            LatchVerdict::Accept
        );
    }

    #[test]
    fn a_natted_source_latches_after_two_in_sequence() {
        let t = Instant::now();
        let mut l = Latch::new(addr(4000));
        assert_eq!(l.accept(t, addr(5000), 1, 10, None), LatchVerdict::Drop);
        assert_eq!(
            l.accept(t, addr(5000), 1, 11, None),
            LatchVerdict::Latched(addr(5000))
        );
        assert_eq!(l.address(), addr(5000));
    }

    #[test]
    fn a_stray_packet_or_a_concurrent_stream_cannot_steal_the_latch() {
        let t = Instant::now();
        let mut l = Latch::new(addr(4000));
        l.accept(t, addr(4000), 1, 10, None);
        for i in 0..20u16 {
            let now = t + Duration::from_millis(20 * u64::from(i));
            assert_eq!(
                l.accept(now, addr(4000), 1, 11 + i, Some(1)),
                LatchVerdict::Accept
            );
            // Same SSRC, in sequence, but the real stream is still flowing.
            assert_eq!(
                l.accept(now, addr(6666), 1, 500 + i, Some(1)),
                LatchVerdict::Drop
            );
            // A different SSRC never moves an established latch.
            assert_eq!(
                l.accept(now, addr(7777), 9, 900 + i, Some(1)),
                LatchVerdict::Drop
            );
        }
        assert_eq!(l.address(), addr(4000));
    }

    #[test]
    fn follows_a_nat_rebinding() {
        let t = Instant::now();
        let mut l = Latch::new(addr(4000));
        l.accept(t, addr(4000), 1, 10, None);
        let mut verdicts = Vec::new();
        for i in 0..6u16 {
            let now = t + Duration::from_millis(20 * u64::from(i + 1));
            verdicts.push(l.accept(now, addr(4001), 1, 11 + i, Some(1)));
        }
        assert_eq!(&verdicts[..4], &[LatchVerdict::Drop; 4]);
        assert_eq!(verdicts[4], LatchVerdict::Latched(addr(4001)));
        assert_eq!(verdicts[5], LatchVerdict::Accept);
    }
}
