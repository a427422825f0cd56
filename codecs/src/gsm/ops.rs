//! The operators of GSM 06.10 section 5.1 that G.729 does not share (the
//! shared ones, `add`, `mult_r` and the rest, are in [`crate::fixed_point`]).

/// `mult_r` where the coefficient `a` is never -32768, so the result
/// cannot overflow a word: true of every decoded reflection coefficient
/// (4.2.9.2 saturates its magnitude to 32767), so the lattice filters need
/// no clamp.
#[inline(always)]
pub(crate) fn mult_r_by_coefficient(a: i16, b: i16) -> i16 {
    debug_assert!(a != i16::MIN);
    ((i32::from(a) * i32::from(b) + 16384) >> 15) as i16
}

/// `norm` of a positive long word: the left shifts that bring it into
/// `[2^30, 2^31)`.
#[inline(always)]
pub(crate) fn norm_positive(x: i32) -> u32 {
    debug_assert!(x > 0);
    x.leading_zeros().saturating_sub(1)
}

/// `div`: the 15-bit fraction `num / denum` for `0 <= num <= denum`, `denum > 0`.
#[inline]
pub(crate) fn div(num: i16, denum: i16) -> i16 {
    debug_assert!(0 <= num && num <= denum);
    let (mut num, denum) = (i32::from(num), i32::from(denum));
    let mut quotient: i16 = 0;
    for _ in 0..15 {
        quotient <<= 1;
        num <<= 1;
        if num >= denum {
            num -= denum;
            quotient += 1;
        }
    }
    quotient
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_brings_into_the_top_bit() {
        assert_eq!(norm_positive(1), 30);
        assert_eq!(norm_positive(0x4000_0000), 0);
        assert_eq!(norm_positive(0x7FFF_FFFF), 0);
        assert_eq!(norm_positive(0x3FFF_0000), 1);
    }

    #[test]
    fn div_is_a_15_bit_fraction() {
        assert_eq!(div(0, 100), 0);
        assert_eq!(div(100, 100), 32767);
        assert_eq!(div(1, 2), 16384);
        assert_eq!(div(1, 3), 10922);
    }
}
