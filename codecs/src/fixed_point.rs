//! The 16-bit word / 32-bit long word saturating fixed-point operators
//! (the ITU-T G.191 basic operators) that GSM 06.10 (its section 5.1) and
//! G.729 are both defined with, and the rounding of float samples to 16 bits
//! that the resampler and the loss concealment share.
//!
//! Every function is total: no input panics.

/// Saturates a 32-bit value to 16 bits.
#[inline(always)]
pub(crate) fn sat16(x: i32) -> i16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// Saturates a 64-bit value to 32 bits.
#[inline(always)]
pub(crate) fn sat32(x: i64) -> i32 {
    x.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// 16-bit saturating addition.
#[inline(always)]
pub(crate) fn add(a: i16, b: i16) -> i16 {
    a.saturating_add(b)
}

/// 16-bit saturating subtraction.
#[inline(always)]
pub(crate) fn sub(a: i16, b: i16) -> i16 {
    a.saturating_sub(b)
}

/// 16-bit saturating absolute value.
#[inline(always)]
pub(crate) fn abs_s(a: i16) -> i16 {
    a.saturating_abs()
}

/// 16-bit saturating negation.
#[inline(always)]
pub(crate) fn negate(a: i16) -> i16 {
    a.saturating_neg()
}

/// Arithmetic shift left with saturation; a negative count shifts right.
#[inline(always)]
pub(crate) fn shl(a: i16, n: i16) -> i16 {
    if n < 0 {
        shr(a, n.saturating_neg())
    } else if n >= 15 {
        if a == 0 {
            0
        } else if a > 0 {
            i16::MAX
        } else {
            i16::MIN
        }
    } else {
        sat16((a as i32) << n)
    }
}

/// Arithmetic shift right; a negative count shifts left with saturation.
#[inline(always)]
pub(crate) fn shr(a: i16, n: i16) -> i16 {
    if n < 0 {
        shl(a, n.saturating_neg())
    } else if n >= 15 {
        if a < 0 { -1 } else { 0 }
    } else {
        a >> n
    }
}

/// Fractional multiplication: (a*b) >> 15, saturated.
#[inline(always)]
pub(crate) fn mult(a: i16, b: i16) -> i16 {
    sat16((a as i32 * b as i32) >> 15)
}

/// Fractional multiplication with rounding.
#[inline(always)]
pub(crate) fn mult_r(a: i16, b: i16) -> i16 {
    sat16((a as i32 * b as i32 + 16384) >> 15)
}

/// High 16 bits of a 32-bit value.
#[inline(always)]
pub(crate) fn extract_h(l: i32) -> i16 {
    (l >> 16) as i16
}

/// Low 16 bits of a 32-bit value.
#[inline(always)]
pub(crate) fn extract_l(l: i32) -> i16 {
    l as i16
}

/// Rounds a 32-bit value to its high 16 bits, saturating.
#[inline(always)]
pub(crate) fn round(l: i32) -> i16 {
    extract_h(l_add(l, 0x8000))
}

/// 32-bit product: a*b*2, saturated.
#[inline(always)]
pub(crate) fn l_mult(a: i16, b: i16) -> i32 {
    let p = a as i32 * b as i32;
    if p == 0x4000_0000 { i32::MAX } else { p << 1 }
}

/// Multiply-accumulate: l + a*b*2, saturated.
#[inline(always)]
pub(crate) fn l_mac(l: i32, a: i16, b: i16) -> i32 {
    l_add(l, l_mult(a, b))
}

/// Multiply-subtract: l - a*b*2, saturated.
#[inline(always)]
pub(crate) fn l_msu(l: i32, a: i16, b: i16) -> i32 {
    l_sub(l, l_mult(a, b))
}

/// 32-bit saturating addition.
#[inline(always)]
pub(crate) fn l_add(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
}

/// 32-bit saturating subtraction.
#[inline(always)]
pub(crate) fn l_sub(a: i32, b: i32) -> i32 {
    a.saturating_sub(b)
}

/// 32-bit saturating negation.
#[inline(always)]
pub(crate) fn l_negate(a: i32) -> i32 {
    a.saturating_neg()
}

/// 32-bit saturating absolute value.
#[inline(always)]
pub(crate) fn l_abs(a: i32) -> i32 {
    a.saturating_abs()
}

/// 32-bit shift left with saturation; a negative count shifts right.
#[inline(always)]
pub(crate) fn l_shl(a: i32, n: i16) -> i32 {
    if n <= 0 {
        l_shr(a, n.saturating_neg())
    } else if n >= 31 {
        if a == 0 {
            0
        } else if a > 0 {
            i32::MAX
        } else {
            i32::MIN
        }
    } else {
        sat32((a as i64) << n)
    }
}

/// 32-bit arithmetic shift right; a negative count shifts left with saturation.
#[inline(always)]
pub(crate) fn l_shr(a: i32, n: i16) -> i32 {
    if n < 0 {
        l_shl(a, n.saturating_neg())
    } else if n >= 31 {
        if a < 0 { -1 } else { 0 }
    } else {
        a >> n
    }
}

/// 32-bit shift right with rounding.
#[inline(always)]
pub(crate) fn l_shr_r(a: i32, n: i16) -> i32 {
    if n > 31 {
        return 0;
    }
    let mut out = l_shr(a, n);
    if n > 0 && (a & (1 << (n - 1))) != 0 {
        out = out.saturating_add(1);
    }
    out
}

/// A 16-bit value in the high half of a 32-bit one.
#[inline(always)]
pub(crate) fn l_deposit_h(a: i16) -> i32 {
    (a as i32) << 16
}

/// A 16-bit value sign-extended to 32 bits.
#[inline(always)]
pub(crate) fn l_deposit_l(a: i16) -> i32 {
    a as i32
}

/// Left shifts needed to normalise a 16-bit value (0 for 0).
#[inline(always)]
pub(crate) fn norm_s(a: i16) -> i16 {
    if a == 0 {
        0
    } else if a == -1 {
        15
    } else {
        let v = if a < 0 { !a } else { a };
        (v.leading_zeros() as i16) - 1
    }
}

/// Left shifts needed to normalise a 32-bit value (0 for 0).
#[inline(always)]
pub(crate) fn norm_l(a: i32) -> i16 {
    if a == 0 {
        0
    } else if a == -1 {
        31
    } else {
        let v = if a < 0 { !a } else { a };
        (v.leading_zeros() as i16) - 1
    }
}

/// Fractional division num/den in Q15 for 0 <= num <= den; out-of-range
/// inputs give 0 or 32767 instead of failing.
#[inline(always)]
pub(crate) fn div_s(num: i16, den: i16) -> i16 {
    if num <= 0 || den <= 0 {
        return 0;
    }
    if num >= den {
        return i16::MAX;
    }
    (((num as i32) << 15) / den as i32) as i16
}

/// Rounds a float sample to the nearest 16-bit value, saturating.
#[inline(always)]
pub(crate) fn round_to_i16(x: f32) -> i16 {
    x.round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_saturate() {
        assert_eq!(add(i16::MAX, 1), i16::MAX);
        assert_eq!(l_mult(i16::MIN, i16::MIN), i32::MAX);
        assert_eq!(mult(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(shl(0x4000, 2), i16::MAX);
        assert_eq!(l_shl(-0x4000_0000, 2), i32::MIN);
        assert_eq!(norm_l(1), 30);
        assert_eq!(norm_s(-32768), 0);
        assert_eq!(div_s(1, 2), 16384);
    }

    #[test]
    fn rounding_saturates() {
        assert_eq!(round_to_i16(1.5), 2);
        assert_eq!(round_to_i16(-1.4), -1);
        assert_eq!(round_to_i16(1e9), i16::MAX);
        assert_eq!(round_to_i16(-1e9), i16::MIN);
    }

    #[test]
    fn saturating_corners() {
        assert_eq!(mult_r(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(mult_r(16384, 3), 2);
        assert_eq!(mult(16384, 3), 1);
        assert_eq!(abs_s(i16::MIN), i16::MAX);
        assert_eq!(add(30000, 30000), i16::MAX);
        assert_eq!(sub(-30000, 30000), i16::MIN);
        assert_eq!(l_add(i32::MAX, 1), i32::MAX);
    }
}
