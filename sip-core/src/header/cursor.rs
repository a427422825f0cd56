//! A small cursor over a header value for the hand-written grammars.

use crate::text::chars::{is_token, is_wsp};

/// Position in a header value; every method stays on char boundaries because
/// it only stops at ASCII delimiters.
pub(crate) struct Cursor<'a> {
    pub s: &'a str,
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(s: &'a str) -> Self {
        Self { s, pos: 0 }
    }

    pub fn skip_wsp(&mut self) -> &mut Self {
        let b = self.s.as_bytes();
        while self.pos < b.len() && is_wsp(b[self.pos]) {
            self.pos += 1;
        }
        self
    }

    /// Whether at least one space or tab was skipped.
    pub fn skip_wsp_some(&mut self) -> bool {
        let before = self.pos;
        self.skip_wsp();
        self.pos > before
    }

    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A run of token characters (possibly empty).
    pub fn token(&mut self) -> &'a str {
        self.take_while(is_token)
    }

    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let b = self.s.as_bytes();
        let start = self.pos;
        while self.pos < b.len() && f(b[self.pos]) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// A run of digits parsed as `u32` (`Err` if empty or too large).
    pub fn u32(&mut self) -> Result<u32, &'static str> {
        let digits = self.take_while(|c| c.is_ascii_digit());
        parse_u32(digits)
    }

    pub fn rest(&self) -> &'a str {
        &self.s[self.pos.min(self.s.len())..]
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
}

/// Decimal digits as `u32`; leading zeros allowed.
pub(crate) fn parse_u32(digits: &str) -> Result<u32, &'static str> {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err("expected a decimal number");
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 10 {
        return Err("number does not fit in 32 bits");
    }
    if trimmed.is_empty() {
        return Ok(0);
    }
    trimmed
        .parse::<u32>()
        .map_err(|_| "number does not fit in 32 bits")
}
