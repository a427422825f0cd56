//! The 16-bit linear congruential generator G.729 uses for erasure
//! concealment and comfort noise: `seed = seed * 31821 + 13849`.

/// A G.729 pseudo-random generator.
#[derive(Clone, Copy, Debug)]
pub struct Random(i16);

impl Random {
    /// A generator starting at `seed`.
    pub const fn new(seed: i16) -> Self {
        Random(seed)
    }

    /// The next value.
    pub fn next_value(&mut self) -> i16 {
        self.0 = (self.0 as i32).wrapping_mul(31821).wrapping_add(13849) as i16;
        self.0
    }

    /// An approximately Gaussian value (sum of 12 uniform values), standard deviation near 512.
    pub fn gaussian(&mut self) -> i16 {
        let mut sum = 0i32;
        for _ in 0..12 {
            sum += (self.next_value() >> 7) as i32;
        }
        sum.clamp(i16::MIN as i32, i16::MAX as i32) as i16
    }
}
