//! AudioSocket framing (DESIGN.md §3.3): 1 byte type, 2 bytes big-endian
//! payload length, payload.

/// `0x00`: hang up (empty payload).
pub const KIND_HANGUP: u8 = 0x00;
/// `0x01`: the call's 16-byte UUID, sent first.
pub const KIND_UUID: u8 = 0x01;
/// `0x03`: one ASCII DTMF digit.
pub const KIND_DTMF: u8 = 0x03;
/// `0x10`: signed 16-bit little-endian 8 kHz mono PCM.
pub const KIND_AUDIO: u8 = 0x10;
/// `0xff`: error (optional one-byte code).
pub const KIND_ERROR: u8 = 0xff;

/// Header bytes before each payload.
pub const HEADER_LEN: usize = 3;
/// The largest payload a frame can carry.
pub const MAX_PAYLOAD: usize = u16::MAX as usize;

/// One frame, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame<'a> {
    /// The type byte.
    pub kind: u8,
    /// The payload.
    pub payload: &'a [u8],
}

/// Splits the first whole frame off `buf`: the frame and the bytes it took,
/// or `None` when `buf` does not hold a whole frame yet. Every byte string is
/// a valid frame sequence, so this never fails.
pub fn split_frame(buf: &[u8]) -> Option<(RawFrame<'_>, usize)> {
    let (&kind, rest) = buf.split_first()?;
    let len_bytes: [u8; 2] = rest.get(..2)?.try_into().ok()?;
    let len = usize::from(u16::from_be_bytes(len_bytes));
    let payload = rest.get(2..2 + len)?;
    Some((RawFrame { kind, payload }, HEADER_LEN + len))
}

/// Appends one frame; `payload` must be at most [`MAX_PAYLOAD`] bytes (longer is cut).
pub fn encode_frame(kind: u8, payload: &[u8], out: &mut Vec<u8>) {
    let payload = payload.get(..MAX_PAYLOAD).unwrap_or(payload);
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_whole_frames_only() {
        let mut wire = Vec::new();
        encode_frame(KIND_DTMF, b"5", &mut wire);
        encode_frame(KIND_HANGUP, &[], &mut wire);
        assert_eq!(wire, [0x03, 0x00, 0x01, b'5', 0x00, 0x00, 0x00]);
        let (frame, used) = split_frame(&wire).unwrap();
        assert_eq!((frame.kind, frame.payload, used), (KIND_DTMF, &b"5"[..], 4));
        let (frame, used) = split_frame(&wire[4..]).unwrap();
        assert_eq!((frame.kind, frame.payload.len(), used), (KIND_HANGUP, 0, 3));
        for cut in 0..4 {
            assert_eq!(split_frame(&wire[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn long_payloads_are_cut_to_the_length_field() {
        let mut wire = Vec::new();
        encode_frame(KIND_AUDIO, &vec![7u8; MAX_PAYLOAD + 10], &mut wire);
        assert_eq!(wire.len(), HEADER_LEN + MAX_PAYLOAD);
        let (frame, used) = split_frame(&wire).unwrap();
        assert_eq!((frame.payload.len(), used), (MAX_PAYLOAD, wire.len()));
    }
}
