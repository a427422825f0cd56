//! Text building blocks shared by the parsers: the `ByteStr` string type,
//! RFC 3261 character classes, escapes, quoted strings and list splitting.

mod byte_str;
pub(crate) mod chars;
pub(crate) mod escape;
pub(crate) mod split;

pub use byte_str::ByteStr;
pub use escape::unescape;
