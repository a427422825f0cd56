//! SDP (RFC 4566) and offer/answer for one audio stream (RFC 3264).

mod codec;
mod error;
mod negotiate;
mod session;

pub use codec::Codec;
pub use error::SdpError;
pub use negotiate::{Direction, LocalMedia, NegotiatedMedia};
pub use session::{Attribute, Connection, MediaDescription, Origin, SessionDescription};
