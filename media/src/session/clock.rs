//! Small helpers for the session: its private random stream and NTP time.

use std::time::Duration;

/// A SplitMix64 generator seeded once from the injected RNG, so the session
/// owns no boxed RNG and stays deterministic under a seeded one.
#[derive(Debug, Clone)]
pub(crate) struct SessionRng(u64);

impl SessionRng {
    pub(crate) fn new(seed: u64) -> SessionRng {
        SessionRng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A duration as 64-bit NTP fixed point (32.32 seconds).
pub(crate) fn ntp_duration(d: Duration) -> u64 {
    (d.as_secs() << 32).wrapping_add((u64::from(d.subsec_nanos()) << 32) / 1_000_000_000)
}

/// The middle 32 bits of an NTP timestamp (RTCP LSR/DLSR units of 1/65536 s).
pub(crate) fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntp_conversions() {
        assert_eq!(ntp_duration(Duration::from_millis(1500)), 3 << 31);
        assert_eq!(ntp_middle(ntp_duration(Duration::from_secs(2))), 2 << 16);
        let mut rng = SessionRng::new(7);
        let u = rng.unit();
        assert!((0.0..1.0).contains(&u));
        assert_ne!(rng.next_u64(), SessionRng::new(7).next_u64());
    }
}
