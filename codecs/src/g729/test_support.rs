//! Input strategies for the unit tests that hold each fast path to the
//! step-by-step saturating definition it replaces.

use proptest::prelude::*;

/// `n` samples of one random magnitude: uniform 16-bit values shifted right
/// by 0 to 15 bits, so that some inputs saturate every accumulation and
/// others never do (the fast paths' bounds switch between both).
pub fn scaled(n: usize) -> impl Strategy<Value = Vec<i16>> {
    (prop::collection::vec(any::<i16>(), n), 0u32..16)
        .prop_map(|(v, shift)| v.into_iter().map(|s| s >> shift).collect())
}

/// [`scaled`] as an array.
pub fn scaled_array<const N: usize>() -> impl Strategy<Value = [i16; N]> {
    scaled(N).prop_map(|v| v.try_into().unwrap_or([0; N]))
}
