//! Secrets at rest and credentials: AES-256-GCM for trunk passwords and webhook keys, SHA-256
//! digests for API keys and per-call tokens, and random token generation.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Errors handling secrets.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The configured key is not 32 bytes of hex or base64.
    #[error(
        "security.secret_key must be 32 bytes written as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)"
    )]
    BadKey,
    /// A stored ciphertext could not be decrypted with this key.
    #[error("a stored secret cannot be decrypted: wrong security.secret_key or corrupt data")]
    Decrypt,
}

/// The AES-256-GCM key that seals secrets stored in the database.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Builds the box from a key given as 64 hex digits or as base64 of 32 bytes.
    pub fn from_key_text(text: &str) -> Result<Self, SecretError> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .filter(|b| b.len() == 32)
            .or_else(|| B64.decode(text).ok().filter(|b| b.len() == 32))
            .ok_or(SecretError::BadKey)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| SecretError::BadKey)?;
        Ok(Self { cipher })
    }

    /// Builds the box from 32 raw key bytes (`[security] secret_key`).
    pub fn from_key_bytes(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Encrypts `plain` with a fresh random nonce; returns base64 of nonce || ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// Decrypts a value produced by [`SecretBox::seal`].
    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let bytes = B64.decode(sealed).map_err(|_| SecretError::Decrypt)?;
        if bytes.len() < 12 + 16 {
            return Err(SecretError::Decrypt);
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| SecretError::Decrypt)
    }
}

/// Hex SHA-256 of a credential; what the database stores instead of the credential.
pub fn digest(credential: &str) -> String {
    hex::encode(Sha256::digest(credential.as_bytes()))
}

/// `prefix` followed by 32 random hex digits (128 bits).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn seal_open_round_trip_and_nonce_varies() {
        let b = SecretBox::from_key_text(KEY).unwrap();
        let a1 = b.seal("hunter2");
        let a2 = b.seal("hunter2");
        assert_ne!(a1, a2);
        assert!(!a1.contains("hunter2"));
        assert_eq!(b.open(&a1).unwrap(), "hunter2");
    }

    #[test]
    fn wrong_key_or_tampering_fails() {
        let b = SecretBox::from_key_text(KEY).unwrap();
        let other = SecretBox::from_key_text(&"11".repeat(32)).unwrap();
        let sealed = b.seal("pw");
        assert_eq!(other.open(&sealed), Err(SecretError::Decrypt));
        let mut raw = B64.decode(&sealed).unwrap();
        raw[20] ^= 1;
        assert_eq!(b.open(&B64.encode(raw)), Err(SecretError::Decrypt));
        assert_eq!(b.open("!!"), Err(SecretError::Decrypt));
    }

    #[test]
    fn keys_in_hex_or_base64_only() {
        assert!(SecretBox::from_key_text(&B64.encode([7u8; 32])).is_ok());
        assert_eq!(
            SecretBox::from_key_text("short").unwrap_err(),
            SecretError::BadKey
        );
    }

    #[test]
    fn tokens_and_digests() {
        let t = random_token("tk_");
        assert!(t.starts_with("tk_") && t.len() == 35);
        assert_ne!(t, random_token("tk_"));
        assert_eq!(digest("a").len(), 64);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
