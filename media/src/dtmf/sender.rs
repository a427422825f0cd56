//! Sending key presses as RFC 4733 telephone events.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{TelephoneEvent, digit_to_event};
use crate::error::DtmfError;

/// Interval between continuation packets of an event.
const UPDATE_INTERVAL: Duration = Duration::from_millis(50);
/// Interval between the three copies of the end packet.
const END_INTERVAL: Duration = Duration::from_millis(20);
/// Pause between two queued digits.
const INTER_DIGIT_GAP: Duration = Duration::from_millis(60);
/// Volume sent with every event, in -dBm0.
const VOLUME: u8 = 10;
/// Digits that may wait to be sent.
const MAX_QUEUED: usize = 64;

/// One telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// The payload.
    pub event: TelephoneEvent,
    /// Set on the first packet of the event.
    pub marker: bool,
    /// Media time of the event start, in ticks from the `start_ticks`
    /// given to [`DtmfSender::poll`] when the event began.
    pub timestamp_ticks: u64,
}

#[derive(Debug, Clone, Copy)]
struct Active {
    event: u8,
    started: Instant,
    start_ticks: u64,
    duration: Duration,
    next_packet: Instant,
    ends_sent: u8,
}

/// Sends queued digits: a start packet with the marker bit, a continuation
/// every 50 ms with the growing duration, and the end packet three times,
/// all with the event's start timestamp.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    clock_rate: u32,
    queue: VecDeque<(u8, Duration)>,
    active: Option<Active>,
    not_before: Option<Instant>,
}

impl DtmfSender {
    /// A sender whose timestamps run at `clock_rate` Hz.
    pub fn new(clock_rate: u32) -> DtmfSender {
        DtmfSender {
            clock_rate: clock_rate.max(1),
            queue: VecDeque::new(),
            active: None,
            not_before: None,
        }
    }

    /// Queues a key press of `duration` (clamped to 40 ms - 5 s); refused
    /// when 64 digits already wait.
    pub fn queue(&mut self, digit: char, duration: Duration) -> Result<(), DtmfError> {
        let event = digit_to_event(digit)?;
        if self.queue.len() >= MAX_QUEUED {
            return Err(DtmfError::QueueFull {
                queued: self.queue.len(),
            });
        }
        let duration = duration.clamp(Duration::from_millis(40), Duration::from_secs(5));
        self.queue.push_back((event, duration));
        Ok(())
    }

    /// Whether an event is being sent (the audio stream pauses meanwhile).
    pub fn is_sending(&self) -> bool {
        self.active.is_some()
    }

    /// When the next packet of the event being sent is due. A queued digit
    /// starts at the first [`DtmfSender::poll`] after the inter-digit gap,
    /// which the caller does on its media clock ticks.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.active.map(|a| a.next_packet)
    }

    /// Whether digits wait to be sent.
    pub fn has_queued(&self) -> bool {
        !self.queue.is_empty()
    }

    fn ticks(&self, d: Duration) -> u16 {
        (d.as_micros() * u128::from(self.clock_rate) / 1_000_000).min(u128::from(u16::MAX)) as u16
    }

    /// The packet due at `now`, if one is. `media_ticks` is the current
    /// media clock; a new event takes it as its timestamp.
    pub fn poll(&mut self, now: Instant, media_ticks: u64) -> Option<DtmfPacket> {
        if self.active.is_none() {
            if self.not_before.is_some_and(|t| now < t) {
                return None;
            }
            let (event, duration) = self.queue.pop_front()?;
            self.active = Some(Active {
                event,
                started: now,
                start_ticks: media_ticks,
                duration,
                next_packet: now + UPDATE_INTERVAL,
                ends_sent: 0,
            });
            return Some(DtmfPacket {
                event: TelephoneEvent {
                    event,
                    end: false,
                    volume: VOLUME,
                    duration: 0,
                },
                marker: true,
                timestamp_ticks: media_ticks,
            });
        }
        let mut active = self.active?;
        if now < active.next_packet {
            return None;
        }
        let elapsed = now.saturating_duration_since(active.started);
        let end = active.ends_sent > 0 || elapsed >= active.duration;
        let duration = if end {
            self.ticks(active.duration)
        } else {
            self.ticks(elapsed)
        };
        if end {
            active.ends_sent += 1;
            active.next_packet = now + END_INTERVAL;
        } else {
            active.next_packet = (now + UPDATE_INTERVAL).min(active.started + active.duration);
        }
        let packet = DtmfPacket {
            event: TelephoneEvent {
                event: active.event,
                end,
                volume: VOLUME,
                duration,
            },
            marker: false,
            timestamp_ticks: active.start_ticks,
        };
        if active.ends_sent >= 3 {
            self.active = None;
            self.not_before = Some(now + INTER_DIGIT_GAP);
        } else {
            self.active = Some(active);
        }
        Some(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_the_digit_instead_of_dropping_it() {
        let mut tx = DtmfSender::new(8000);
        for _ in 0..MAX_QUEUED {
            tx.queue('1', Duration::from_millis(100)).unwrap();
        }
        assert_eq!(
            tx.queue('2', Duration::from_millis(100)),
            Err(DtmfError::QueueFull { queued: MAX_QUEUED })
        );
    }
}
