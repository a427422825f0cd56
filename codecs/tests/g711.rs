//! G.711 against an independent statement of the ITU-T G.191 reference
//! algorithm (segment search by shifting, as `g711.c` in the STL describes
//! it), over all 65,536 linear inputs and all 256 codes.

use codecs::g711::{
    alaw_decode, alaw_decode_slice, alaw_encode, alaw_encode_slice, ulaw_decode, ulaw_decode_slice,
    ulaw_encode, ulaw_encode_slice,
};

/// G.191 `ulaw_compress` for one sample.
fn reference_ulaw_compress(x: i16) -> u8 {
    let x = i32::from(x);
    let mut absno = if x < 0 {
        ((!x) >> 2) + 33
    } else {
        (x >> 2) + 33
    };
    if absno > 0x1FFF {
        absno = 0x1FFF;
    }
    let mut i = absno >> 6;
    let mut segno = 1;
    while i != 0 {
        segno += 1;
        i >>= 1;
    }
    let high_nibble = 0x08 - segno;
    let low_nibble = 0x0F - ((absno >> segno) & 0x0F);
    let mut code = (high_nibble << 4) | low_nibble;
    if x >= 0 {
        code |= 0x80;
    }
    code as u8
}

/// G.191 `ulaw_expand` for one code.
fn reference_ulaw_expand(code: u8) -> i16 {
    let sign = if code < 0x80 { -1 } else { 1 };
    let mantissa = !i32::from(code);
    let exponent = (mantissa >> 4) & 0x07;
    let segment = exponent + 1;
    let mantissa = mantissa & 0x0F;
    let step = 4 << segment;
    (sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)) as i16
}

/// G.191 `alaw_compress` for one sample.
fn reference_alaw_compress(x: i16) -> u8 {
    let x = i32::from(x);
    let mut ix = if x < 0 { (!x) >> 4 } else { x >> 4 };
    if ix > 15 {
        let mut iexp = 1;
        while ix > 16 + 15 {
            ix >>= 1;
            iexp += 1;
        }
        ix -= 16;
        ix += iexp << 4;
    }
    if x >= 0 {
        ix |= 0x80;
    }
    (ix ^ 0x55) as u8
}

/// G.191 `alaw_expand` for one code.
fn reference_alaw_expand(code: u8) -> i16 {
    let ix = (i32::from(code) ^ 0x55) & 0x7F;
    let iexp = ix >> 4;
    let mut mant = ix & 0x0F;
    if iexp > 0 {
        mant += 16;
    }
    mant = (mant << 4) + 0x08;
    if iexp > 1 {
        mant <<= iexp - 1;
    }
    (if code > 127 { mant } else { -mant }) as i16
}

fn all_samples() -> impl Iterator<Item = i16> {
    i16::MIN..=i16::MAX
}

#[test]
fn ulaw_encode_matches_g191_for_every_sample() {
    let mismatches: Vec<i16> = all_samples()
        .filter(|&x| ulaw_encode(x) != reference_ulaw_compress(x))
        .collect();
    assert!(
        mismatches.is_empty(),
        "u-law encode differs on {mismatches:?}"
    );
}

#[test]
fn alaw_encode_matches_g191_for_every_sample() {
    let mismatches: Vec<i16> = all_samples()
        .filter(|&x| alaw_encode(x) != reference_alaw_compress(x))
        .collect();
    assert!(
        mismatches.is_empty(),
        "A-law encode differs on {mismatches:?}"
    );
}

#[test]
fn ulaw_decode_matches_g191_for_every_code() {
    for code in 0..=255u8 {
        assert_eq!(
            ulaw_decode(code),
            reference_ulaw_expand(code),
            "code {code:#04x}"
        );
    }
}

#[test]
fn alaw_decode_matches_g191_for_every_code() {
    for code in 0..=255u8 {
        assert_eq!(
            alaw_decode(code),
            reference_alaw_expand(code),
            "code {code:#04x}"
        );
    }
}

#[test]
fn well_known_points() {
    // Silence, the extremes, and the codes every G.711 text quotes.
    assert_eq!(ulaw_encode(0), 0xFF);
    assert_eq!(alaw_encode(0), 0xD5);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(alaw_decode(0x2A), -32256);
    assert_eq!(ulaw_encode(i16::MAX), 0x80);
    assert_eq!(ulaw_encode(i16::MIN), 0x00);
    assert_eq!(alaw_encode(i16::MAX), 0xAA);
    assert_eq!(alaw_encode(i16::MIN), 0x2A);
}

#[test]
fn decode_then_encode_returns_every_code() {
    // Every code but u-law's negative zero (0x7F decodes to 0, which encodes
    // as positive zero 0xFF) survives a round trip through linear.
    for code in 0..=255u8 {
        let expected = if code == 0x7F { 0xFF } else { code };
        assert_eq!(
            ulaw_encode(ulaw_decode(code)),
            expected,
            "u-law {code:#04x}"
        );
        assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
    }
}

#[test]
fn slice_versions_match_per_sample_and_stop_at_the_shorter() {
    let pcm: Vec<i16> = (0..160).map(|i| (i * 409 - 32768) as i16).collect();
    let mut u = [0u8; 160];
    let mut a = [0u8; 160];
    assert_eq!(ulaw_encode_slice(&pcm, &mut u), 160);
    assert_eq!(alaw_encode_slice(&pcm, &mut a), 160);
    for (i, &x) in pcm.iter().enumerate() {
        assert_eq!(u[i], reference_ulaw_compress(x));
        assert_eq!(a[i], reference_alaw_compress(x));
    }
    let mut back = [0i16; 160];
    assert_eq!(ulaw_decode_slice(&u, &mut back), 160);
    assert!(
        back.iter()
            .zip(&u)
            .all(|(&s, &c)| s == reference_ulaw_expand(c))
    );
    assert_eq!(alaw_decode_slice(&a, &mut back), 160);
    assert!(
        back.iter()
            .zip(&a)
            .all(|(&s, &c)| s == reference_alaw_expand(c))
    );

    let mut short = [0u8; 10];
    assert_eq!(ulaw_encode_slice(&pcm, &mut short), 10);
    assert_eq!(short[..], u[..10]);
    let mut long = [0i16; 200];
    assert_eq!(alaw_decode_slice(&a, &mut long), 160);
    assert_eq!(long[160..], [0i16; 40]);
}
