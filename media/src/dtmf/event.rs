//! The RFC 4733 telephone-event payload.

use crate::error::DtmfError;

/// One telephone-event payload block (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// The event code (0-9, 10 = `*`, 11 = `#`, 12-15 = A-D for DTMF).
    pub event: u8,
    /// The end bit: this is (a retransmission of) the last packet of the event.
    pub end: bool,
    /// Volume in -dBm0 (0-63).
    pub volume: u8,
    /// Duration so far, in timestamp units from the event's RTP timestamp.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event block of a payload.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, DtmfError> {
        let &[event, flags, d0, d1, ..] = payload else {
            return Err(DtmfError::Truncated(payload.len()));
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let [d0, d1] = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3f),
            d0,
            d1,
        ]
    }
}

const DIGITS: &[u8; 16] = b"0123456789*#ABCD";

/// The DTMF character of an event code, if it is one.
pub fn event_to_digit(event: u8) -> Option<char> {
    DIGITS.get(usize::from(event)).map(|&b| char::from(b))
}

/// The event code of a DTMF character (case-insensitive for A-D).
pub fn digit_to_event(digit: char) -> Result<u8, DtmfError> {
    let upper = digit.to_ascii_uppercase();
    DIGITS
        .iter()
        .position(|&b| char::from(b) == upper)
        .map(|p| p as u8)
        .ok_or(DtmfError::BadDigit(digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 1280,
        };
        assert_eq!(e.to_bytes(), [11, 0x8a, 0x05, 0x00]);
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()), Ok(e));
        assert_eq!(TelephoneEvent::parse(&[1, 2]), Err(DtmfError::Truncated(2)));
    }

    #[test]
    fn digits_map_both_ways() {
        for (code, ch) in "0123456789*#ABCD".chars().enumerate() {
            assert_eq!(digit_to_event(ch), Ok(code as u8));
            assert_eq!(event_to_digit(code as u8), Some(ch));
        }
        assert_eq!(digit_to_event('d'), Ok(15));
        assert_eq!(digit_to_event('x'), Err(DtmfError::BadDigit('x')));
        assert_eq!(event_to_digit(16), None);
    }
}
