//! Character classes of the RFC 3261 grammar (section 25.1), as a lookup table.

const TOKEN: u8 = 1;
const WORD: u8 = 2;
const USER: u8 = 4;
const PASSWORD: u8 = 8;
const PARAM: u8 = 16;
const HNV: u8 = 32;

/// Adds `class` to every byte of `chars` in `table`.
const fn mark(mut table: [u8; 256], chars: &[u8], class: u8) -> [u8; 256] {
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] |= class;
        i += 1;
    }
    table
}

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        if (c as u8).is_ascii_alphanumeric() {
            t[c] = TOKEN | WORD | USER | PASSWORD | PARAM | HNV;
        }
        c += 1;
    }
    // RFC 3261 section 25.1: token, word, mark (unreserved), and the
    // unreserved extras of user, password, paramchar and hnv-unreserved.
    t = mark(t, b"-.!%*_+`'~", TOKEN | WORD);
    t = mark(t, b"()<>:\\\"/[]?{}", WORD);
    t = mark(t, b"-_.!~*'()", USER | PASSWORD | PARAM | HNV);
    t = mark(t, b"&=+$,;?/", USER);
    t = mark(t, b"&=+$,", PASSWORD);
    t = mark(t, b"[]/:&+$", PARAM);
    mark(t, b"[]/?:+$", HNV)
}

static CLASSES: [u8; 256] = classes();

/// `token` character (method names, parameter names, header names).
pub fn is_token(b: u8) -> bool {
    CLASSES[b as usize] & TOKEN != 0
}

/// `word` character (Call-ID).
pub fn is_word(b: u8) -> bool {
    CLASSES[b as usize] & WORD != 0
}

/// Character allowed unescaped in the user part of a SIP URI.
pub fn is_user(b: u8) -> bool {
    CLASSES[b as usize] & USER != 0
}

/// Character allowed unescaped in the password part of a SIP URI.
pub fn is_password(b: u8) -> bool {
    CLASSES[b as usize] & PASSWORD != 0
}

/// Character allowed unescaped in a SIP URI parameter name or value.
pub fn is_param(b: u8) -> bool {
    CLASSES[b as usize] & PARAM != 0
}

/// Character allowed unescaped in a SIP URI header name or value.
pub fn is_hnv(b: u8) -> bool {
    CLASSES[b as usize] & HNV != 0
}

/// Space or horizontal tab.
pub fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Whether every byte of `s` is a token character (and `s` is not empty).
pub fn is_token_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token)
}

/// Whether every byte of `s` is a word character (and `s` is not empty).
pub fn is_word_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_word)
}

/// Trims spaces and tabs on both sides.
pub fn trim_wsp(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_match_the_grammar() {
        for b in b"abcXYZ019-.!%*_+`'~" {
            assert!(is_token(*b), "{}", *b as char);
        }
        for b in b" ,;:\"<>@()[]{}/?=\\" {
            assert!(!is_token(*b), "{}", *b as char);
        }
        assert!(is_word(b'<') && is_word(b'"') && !is_word(b' '));
        assert!(is_user(b';') && is_user(b'?') && !is_user(b'@') && !is_user(b':'));
        assert!(is_password(b'&') && !is_password(b':') && !is_password(b'@'));
        assert!(is_param(b':') && !is_param(b';') && !is_param(b'='));
        assert!(is_hnv(b'?') && !is_hnv(b'=') && !is_hnv(b'&'));
    }
}
