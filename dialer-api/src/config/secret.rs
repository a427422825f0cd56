//! Values that must never reach a log line: passwords, tokens, keys.

use std::fmt;

use base64::Engine as _;

/// A password or token. `Debug` prints `"***"`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (digest auth, a comparison).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no secret was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// A 256-bit key (for AES-256-GCM encryption of stored trunk passwords).
/// Written in configuration as base64 of 32 bytes. `Debug` prints `"***"`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// Decodes a key from standard base64 (with or without padding); `None`
    /// unless it is exactly 32 bytes.
    pub fn from_base64(text: &str) -> Option<SecretKey> {
        let text = text.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .ok()?;
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(SecretKey(key))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(\"***\")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "\"***\"");
        assert_eq!(s.expose(), "hunter2");
        let k = SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        assert_eq!(format!("{k:?}"), "SecretKey(\"***\")");
        assert_eq!(k.as_bytes()[31], 31);
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").is_some());
        assert!(SecretKey::from_base64("AAECAwQ=").is_none());
        assert!(SecretKey::from_base64("not base64 at all!").is_none());
    }
}
