//! `tel:` URIs (RFC 3966).

use std::fmt;

use super::sip::parse_uri_params;
use crate::error::ParseError;
use crate::params::Params;
use crate::text::ByteStr;

/// A `tel:` URI: a global (`+...`) or local number with parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelUri {
    /// The number as written, visual separators included.
    pub number: ByteStr,
    /// Parameters such as `phone-context`.
    pub params: Params,
}

impl TelUri {
    /// Whether the number is global (starts with `+`).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The digits of the number without visual separators (`-`, `.`, `(`, `)`).
    pub fn digits(&self) -> String {
        self.number
            .chars()
            .filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
            .collect()
    }

    pub(crate) fn parse_after_scheme(src: &ByteStr, s: &str) -> Result<TelUri, ParseError> {
        let end = s.find(';').unwrap_or(s.len());
        let number = &s[..end];
        let digits = number.strip_prefix('+').unwrap_or(number);
        let valid = |b: u8| b.is_ascii_hexdigit() || b"*#-.()pwPW".contains(&b);
        if digits.is_empty() || !digits.bytes().all(valid) {
            return Err(ParseError::Uri("invalid telephone number"));
        }
        let params = parse_uri_params(src, &s[end..])?;
        Ok(TelUri {
            number: src.slice_ref(number),
            params,
        })
    }

    pub(crate) fn write(&self, out: &mut String) {
        out.push_str("tel:");
        out.push_str(&self.number);
        self.params.write(out);
    }
}

impl fmt::Display for TelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}
