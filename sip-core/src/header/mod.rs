//! Typed header values, parsed on demand from [`crate::message::Headers`].
//!
//! Each type implements [`HeaderValue`] (parse one value, write it back).
//! The accessors on `Headers` (`top_via`, `from`, `cseq`, `contacts`, ...)
//! find the right lines, split lists at commas outside quotes and angle
//! brackets, and report errors with the header's name.

mod access;
mod cseq;
pub(crate) mod cursor;
mod media_type;
mod name_addr;
mod numbers;
mod reason;
mod retry_after;
mod session_expires;
mod via;
mod warning;

pub use cseq::CSeq;
pub use media_type::MediaType;
pub use name_addr::{Contact, NameAddr};
pub use reason::Reason;
pub use retry_after::RetryAfter;
pub use session_expires::{Refresher, SessionExpires};
pub use via::{MAGIC_COOKIE, Transport, Via};
pub use warning::Warning;

use crate::error::ParseError;
use crate::text::ByteStr;

/// A header value with a grammar: parse one value, write it back.
pub trait HeaderValue: Sized {
    /// Parses one value (for list headers, one comma-separated element) from
    /// `s`, which is `src` or a slice of it; text parts of the result share
    /// `src`. The error ([`ParseError::Value`]) says what is wrong.
    fn parse_in(src: &ByteStr, s: &str) -> Result<Self, ParseError>;

    /// Writes the value in wire form.
    fn write(&self, out: &mut String);

    /// Parses a standalone value.
    fn parse_value(s: &str) -> Result<Self, ParseError> {
        let src = ByteStr::from(s);
        Self::parse_in(&src, src.as_str())
    }

    /// The wire form as a header value.
    fn to_value(&self) -> ByteStr {
        let mut s = String::with_capacity(48);
        self.write(&mut s);
        ByteStr::from(s)
    }
}
