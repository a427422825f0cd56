//! Random identifiers drawn from an injected RNG: Via branches, tags and
//! Call-IDs (RFC 3261 8.1.1.4, 8.1.1.7, 19.3).

use rand_core::RngCore;

use crate::header::MAGIC_COOKIE;

/// `len` random characters from `[0-9a-z]` (5.2 bits each).
pub fn random_token<R: RngCore + ?Sized>(rng: &mut R, len: usize) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let r = rng.next_u32();
        // Rejection sampling keeps the alphabet uniform: 252 = 7 * 36.
        for byte in r.to_le_bytes() {
            if byte < 252 && out.len() < len {
                out.push(ALPHABET[usize::from(byte % 36)] as char);
            }
        }
    }
    out
}

/// A new RFC 3261 branch: the magic cookie and 20 random characters.
pub fn new_branch<R: RngCore + ?Sized>(rng: &mut R) -> String {
    format!("{MAGIC_COOKIE}{}", random_token(rng, 20))
}

/// A new From/To tag (12 random characters, about 62 bits).
pub fn new_tag<R: RngCore + ?Sized>(rng: &mut R) -> String {
    random_token(rng, 12)
}

/// A new Call-ID: 24 random characters `@` `host`.
pub fn new_call_id<R: RngCore + ?Sized>(rng: &mut R, host: &str) -> String {
    format!("{}@{host}", random_token(rng, 24))
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha8Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn seeded_and_well_formed() {
        let mut a = ChaCha8Rng::seed_from_u64(3);
        let mut b = ChaCha8Rng::seed_from_u64(3);
        let branch = new_branch(&mut a);
        assert_eq!(branch, new_branch(&mut b));
        assert!(branch.starts_with("z9hG4bK") && branch.len() == 27);
        assert_ne!(new_tag(&mut a), new_tag(&mut a));
        let id = new_call_id(&mut a, "192.0.2.1");
        assert!(id.ends_with("@192.0.2.1") && id.len() == 24 + 10);
        assert!(
            random_token(&mut a, 100)
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
    }
}
