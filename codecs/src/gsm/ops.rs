//! The fixed-point arithmetic of GSM 06.10 section 5.1 (16-bit words,
//! 32-bit long words, saturating where the standard saturates).

/// Saturates a wide value to a 16-bit word.
#[inline(always)]
pub(crate) fn saturate(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// `add`: saturated 16-bit addition.
#[inline(always)]
pub(crate) fn add(a: i16, b: i16) -> i16 {
    a.saturating_add(b)
}

/// `sub`: saturated 16-bit subtraction.
#[inline(always)]
pub(crate) fn sub(a: i16, b: i16) -> i16 {
    a.saturating_sub(b)
}

/// `mult`: `a * b >> 15`, with -1 * -1 saturating to 32767.
#[inline(always)]
pub(crate) fn mult(a: i16, b: i16) -> i16 {
    saturate((i32::from(a) * i32::from(b)) >> 15)
}

/// `mult_r`: `mult` with rounding.
#[inline(always)]
pub(crate) fn mult_r(a: i16, b: i16) -> i16 {
    saturate((i32::from(a) * i32::from(b) + 16384) >> 15)
}

/// `mult_r` where the coefficient `a` is never -32768, so the result
/// cannot overflow a word: true of every decoded reflection coefficient
/// (4.2.9.2 saturates its magnitude to 32767), so the lattice filters need
/// no clamp.
#[inline(always)]
pub(crate) fn mult_r_by_coefficient(a: i16, b: i16) -> i16 {
    debug_assert!(a != i16::MIN);
    ((i32::from(a) * i32::from(b) + 16384) >> 15) as i16
}

/// `abs`: absolute value with abs(-32768) = 32767.
#[inline(always)]
pub(crate) fn abs(a: i16) -> i16 {
    a.saturating_abs()
}

/// `L_add`: saturated 32-bit addition.
#[inline(always)]
pub(crate) fn l_add(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
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
    fn saturating_corners() {
        assert_eq!(mult(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(mult_r(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(mult_r(16384, 3), 2);
        assert_eq!(mult(16384, 3), 1);
        assert_eq!(abs(i16::MIN), i16::MAX);
        assert_eq!(add(30000, 30000), i16::MAX);
        assert_eq!(sub(-30000, 30000), i16::MIN);
        assert_eq!(l_add(i32::MAX, 1), i32::MAX);
    }

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
