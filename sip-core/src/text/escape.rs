//! Percent-escapes (RFC 3261 `escaped`) and quoted strings.

use std::borrow::Cow;

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether every `%` in `s` starts a well-formed `%HH` escape.
pub fn escapes_well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match (b.get(i + 1), b.get(i + 2)) {
                (Some(h), Some(l)) if hex_value(*h).is_some() && hex_value(*l).is_some() => i += 3,
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

/// Decodes `%HH` escapes. Malformed escapes are kept literally (callers that
/// need strictness check `escapes_well_formed` first). The result may hold
/// any octet, including NUL, so it is bytes rather than text.
pub fn unescape(s: &str) -> Cow<'_, [u8]> {
    if !s.contains('%') {
        return Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let decoded = if b[i] == b'%' {
            match (
                b.get(i + 1).and_then(|h| hex_value(*h)),
                b.get(i + 2).and_then(|l| hex_value(*l)),
            ) {
                (Some(h), Some(l)) => Some(h << 4 | l),
                _ => None,
            }
        } else {
            None
        };
        match decoded {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Escapes every octet of `raw` for which `allowed` is false as `%HH`.
pub fn escape_into(raw: &[u8], allowed: fn(u8) -> bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in raw {
        if allowed(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// Where a quoted string that starts at the beginning of `s` (with `"`) ends:
/// the index just past the closing quote, or `None` if it is not closed.
pub fn quoted_string_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                // quoted-pair: any octet except CR and LF may follow.
                match b.get(i + 1) {
                    Some(b'\r' | b'\n') | None => return None,
                    Some(_) => i += 2,
                }
            }
            b'"' => return Some(i + 1),
            b'\r' | b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

/// The content of a complete quoted string (`s` includes both quotes), with
/// quoted-pairs resolved. Borrowed when there is no backslash.
pub fn unquote(s: &str) -> Cow<'_, str> {
    let inner = s
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(s);
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes `text` as a quoted string, escaping `"`, `\` and control
/// characters with a backslash. CR and LF cannot be carried in a quoted
/// string at all, so they become spaces.
pub fn quote_into(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 && c != '\t' || c as u32 == 0x7f => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_decodes_and_keeps_malformed() {
        assert_eq!(&*unescape("%75se%72"), b"user");
        assert_eq!(&*unescape("null-%00-null"), b"null-\0-null");
        assert_eq!(&*unescape("%Z%45"), b"%ZE");
        assert!(!escapes_well_formed("%Z%45"));
        assert!(escapes_well_formed("a%3Ab"));
    }

    #[test]
    fn escape_round_trips() {
        let mut s = String::new();
        escape_into(b"a b@c", crate::text::chars::is_user, &mut s);
        assert_eq!(s, "a%20b%40c");
        assert_eq!(&*unescape(&s), b"a b@c");
    }

    #[test]
    fn quoted_strings() {
        let s = r#""J Rosenberg \\\"" <sip:x>"#;
        let end = quoted_string_end(s).unwrap();
        assert_eq!(&s[..end], r#""J Rosenberg \\\"""#);
        assert_eq!(unquote(&s[..end]), r#"J Rosenberg \""#);
        let mut out = String::new();
        quote_into(r#"J Rosenberg \""#, &mut out);
        assert_eq!(out, r#""J Rosenberg \\\"""#);
        assert_eq!(quoted_string_end("\"open"), None);
    }
}
