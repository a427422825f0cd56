//! DTMF over RTP as named telephone events (RFC 4733).

mod event;
mod receiver;
mod sender;

pub use event::{TelephoneEvent, digit_to_event, event_to_digit};
pub use receiver::{DtmfDigit, DtmfReceiver};
pub use sender::{DtmfPacket, DtmfSender};
