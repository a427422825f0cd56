//! Turning a stream of telephone-event packets into one digit per key press.

use std::time::{Duration, Instant};

use super::{TelephoneEvent, event_to_digit};

/// How far back an event may be and still count as a late packet of one
/// already seen.
const REORDER_WINDOW: Duration = Duration::from_secs(10);

/// A key press received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfDigit {
    /// The digit: 0-9, `*`, `#` or A-D.
    pub digit: char,
    /// How long the key was held, as the sender reported it.
    pub duration: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    timestamp: u32,
    digit: char,
    duration: u16,
    last_packet: Instant,
}

/// Receives RFC 4733 events: an event is identified by its RTP timestamp,
/// reported once when its end packet arrives (however often that is
/// repeated), or when no packet came for `timeout` (all end packets lost),
/// or when the next event starts.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    clock_rate: u32,
    timeout: Duration,
    pending: Option<Pending>,
    last_reported: Option<u32>,
}

impl DtmfReceiver {
    /// A receiver for events stamped at `clock_rate` Hz.
    pub fn new(clock_rate: u32) -> DtmfReceiver {
        DtmfReceiver {
            clock_rate: clock_rate.max(1),
            timeout: Duration::from_millis(500),
            pending: None,
            last_reported: None,
        }
    }

    fn report(&mut self, p: Pending) -> DtmfDigit {
        self.last_reported = Some(p.timestamp);
        DtmfDigit {
            digit: p.digit,
            duration: Duration::from_micros(
                u64::from(p.duration) * 1_000_000 / u64::from(self.clock_rate),
            ),
        }
    }

    /// Whether RTP timestamp `a` is before `b` by less than
    /// [`REORDER_WINDOW`] (wrapping); further back is a new timeline (a
    /// timestamp jump or a new source), not a late packet.
    fn is_shortly_before(&self, a: u32, b: u32) -> bool {
        let behind = b.wrapping_sub(a);
        behind != 0 && u64::from(behind) < REORDER_WINDOW.as_secs() * u64::from(self.clock_rate)
    }

    /// Handles one telephone-event payload with its RTP `timestamp`.
    /// Returns up to two digits: an unfinished earlier event, then this one
    /// if it ended.
    pub fn handle(
        &mut self,
        now: Instant,
        timestamp: u32,
        event: TelephoneEvent,
    ) -> [Option<DtmfDigit>; 2] {
        let mut out = [None, None];
        let Some(digit) = event_to_digit(event.event) else {
            return out;
        };
        // An event reported already, or a late packet of an event before
        // the last one reported or under way (reordered behind the next
        // key press).
        let stale = |t: u32| timestamp == t || self.is_shortly_before(timestamp, t);
        if self.last_reported.is_some_and(stale)
            || self
                .pending
                .is_some_and(|p| self.is_shortly_before(timestamp, p.timestamp))
        {
            return out;
        }
        if let Some(pending) = self.pending {
            if pending.timestamp != timestamp {
                self.pending = None;
                out[0] = Some(self.report(pending));
            }
        }
        let pending = self.pending.get_or_insert(Pending {
            timestamp,
            digit,
            duration: 0,
            last_packet: now,
        });
        pending.duration = pending.duration.max(event.duration);
        pending.last_packet = now;
        if event.end {
            let done = *pending;
            self.pending = None;
            out[1] = Some(self.report(done));
        }
        out
    }

    /// When an unfinished event will be given up on and reported.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.map(|p| p.last_packet + self.timeout)
    }

    /// Reports an unfinished event whose packets stopped before `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<DtmfDigit> {
        let pending = self.pending?;
        if now < pending.last_packet + self.timeout {
            return None;
        }
        self.pending = None;
        Some(self.report(pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
    }

    #[test]
    fn one_digit_however_many_end_packets() {
        let t0 = Instant::now();
        let mut rx = DtmfReceiver::new(8000);
        let mut digits = Vec::new();
        for (i, (end, d)) in [
            (false, 160),
            (false, 560),
            (true, 800),
            (true, 800),
            (true, 800),
        ]
        .into_iter()
        .enumerate()
        {
            let now = t0 + Duration::from_millis(50 * i as u64);
            digits.extend(rx.handle(now, 1000, ev(5, end, d)).into_iter().flatten());
        }
        assert_eq!(
            digits,
            vec![DtmfDigit {
                digit: '5',
                duration: Duration::from_millis(100)
            }]
        );
        assert_eq!(rx.poll_timeout(), None);
    }

    #[test]
    fn a_late_end_packet_of_an_earlier_digit_is_not_reported_again() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        for base in [1000u32, u32::MAX - 1000] {
            let second = base.wrapping_add(2400);
            let mut rx = DtmfReceiver::new(8000);
            let mut digits = Vec::new();
            let mut feed =
                |ms, ts, e| digits.extend(rx.handle(at(ms), ts, e).into_iter().flatten());
            feed(0, base, ev(1, false, 160));
            feed(100, base, ev(1, true, 800));
            feed(300, second, ev(2, false, 160));
            // An end packet of '1' reordered 150 ms behind '2'.
            feed(350, base, ev(1, true, 800));
            feed(400, second, ev(2, true, 800));
            feed(450, base, ev(1, true, 800));
            let got: Vec<char> = digits.iter().map(|d| d.digit).collect();
            assert_eq!(got, vec!['1', '2'], "timestamps from {base}");
            // A timestamp far behind is a new timeline, not a late packet.
            let far = second.wrapping_sub(8000 * 60);
            assert_eq!(
                rx.handle(at(600), far, ev(3, true, 800))[1].map(|d| d.digit),
                Some('3')
            );
        }
    }

    #[test]
    fn lost_end_packets_are_covered_by_timeout_or_next_event() {
        let t0 = Instant::now();
        let mut rx = DtmfReceiver::new(8000);
        assert_eq!(rx.handle(t0, 0, ev(1, false, 400)), [None, None]);
        let got = rx.handle(t0 + Duration::from_millis(200), 4000, ev(2, false, 160));
        assert_eq!(got[0].map(|d| d.digit), Some('1'));
        assert_eq!(rx.handle_timeout(t0 + Duration::from_millis(300)), None);
        let late = rx.handle_timeout(t0 + Duration::from_millis(700)).unwrap();
        assert_eq!(late.digit, '2');
        assert_eq!(late.duration, Duration::from_millis(20));
    }
}
