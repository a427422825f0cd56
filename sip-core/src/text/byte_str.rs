//! `ByteStr`: a cheaply clonable UTF-8 string that shares the received buffer.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// An immutable UTF-8 string backed by [`Bytes`].
///
/// Parsed header values, URI parts and parameters are `ByteStr` slices of the
/// received datagram, so parsing copies no text; cloning is a reference-count
/// increment.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteStr {
    // Invariant: always valid UTF-8. Every constructor either validates the
    // bytes or derives them from a `&str`.
    bytes: Bytes,
}

impl ByteStr {
    /// Wraps a static string without copying.
    pub const fn from_static(s: &'static str) -> Self {
        Self {
            bytes: Bytes::from_static(s.as_bytes()),
        }
    }

    /// Wraps `bytes` after checking that they are UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Self { bytes })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: the invariant of the type: `bytes` is valid UTF-8 (checked
        // by `from_utf8`, or taken from a `&str` by every other constructor).
        unsafe { std::str::from_utf8_unchecked(&self.bytes) }
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Gives back the underlying buffer.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// A `ByteStr` for `sub`, sharing this buffer when `sub` lies inside it
    /// (copying it otherwise).
    pub fn slice_ref(&self, sub: &str) -> Self {
        let base = self.bytes.as_ptr() as usize;
        let start = sub.as_ptr() as usize;
        if sub.is_empty() {
            return Self::default();
        }
        if start >= base && start + sub.len() <= base + self.bytes.len() {
            Self {
                bytes: self.bytes.slice_ref(sub.as_bytes()),
            }
        } else {
            Self::from(sub)
        }
    }
}

impl Deref for ByteStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ByteStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for ByteStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for ByteStr {
    fn from(s: &str) -> Self {
        Self {
            bytes: Bytes::copy_from_slice(s.as_bytes()),
        }
    }
}

impl From<String> for ByteStr {
    fn from(s: String) -> Self {
        Self {
            bytes: Bytes::from(s.into_bytes()),
        }
    }
}

impl From<&String> for ByteStr {
    fn from(s: &String) -> Self {
        Self::from(s.as_str())
    }
}

impl From<ByteStr> for Bytes {
    fn from(s: ByteStr) -> Bytes {
        s.bytes
    }
}

impl PartialEq<str> for ByteStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ByteStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for ByteStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<ByteStr> for str {
    fn eq(&self, other: &ByteStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<ByteStr> for &str {
    fn eq(&self, other: &ByteStr) -> bool {
        *self == other.as_str()
    }
}

impl fmt::Display for ByteStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ByteStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_ref_shares_inner_and_copies_outer() {
        let s = ByteStr::from("hello world");
        let inner = s.slice_ref(&s[6..]);
        assert_eq!(inner, "world");
        assert_eq!(inner.as_bytes().as_ptr(), s.as_bytes()[6..].as_ptr());
        let outer = s.slice_ref("elsewhere");
        assert_eq!(outer, "elsewhere");
        assert!(s.slice_ref("").is_empty());
    }

    #[test]
    fn from_utf8_rejects_invalid() {
        assert!(ByteStr::from_utf8(Bytes::from_static(b"\xff")).is_err());
    }
}
