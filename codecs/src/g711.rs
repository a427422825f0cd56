//! G.711 u-law and A-law, bit-exact with the ITU-T G.191 reference
//! (`ulaw_compress`, `ulaw_expand`, `alaw_compress`, `alaw_expand`).
//!
//! ```text
//!  i16 ──(x >> 2)──> 16 Ki-entry table ──> u-law byte ──> 256-entry table ──> i16
//!  i16 ──(x >> 4)──>  4 Ki-entry table ──> A-law byte ──> 256-entry table ──> i16
//! ```
//!
//! G.191 looks only at the top 14 bits of a sample for u-law and the top 12
//! for A-law, so every encoder is one lookup in a table built at compile time.

/// u-law code for each 14-bit value `x >> 2`, indexed by its two's-complement bits.
static ULAW_ENCODE: [u8; 1 << 14] = build_ulaw_encode();
/// A-law code for each 12-bit value `x >> 4`, indexed by its two's-complement bits.
static ALAW_ENCODE: [u8; 1 << 12] = build_alaw_encode();
/// Linear value of each u-law code.
static ULAW_DECODE: [i16; 256] = build_ulaw_decode();
/// Linear value of each A-law code.
static ALAW_DECODE: [i16; 256] = build_alaw_decode();

/// Bits needed to write `v` (0 for 0).
const fn bit_length(v: u32) -> u32 {
    32 - v.leading_zeros()
}

/// Sign-extends the low `bits` bits of `index`.
const fn sign_extend(index: usize, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((index as i32) << shift) >> shift
}

const fn build_ulaw_encode() -> [u8; 1 << 14] {
    let mut table = [0u8; 1 << 14];
    let mut index = 0;
    while index < table.len() {
        let v = sign_extend(index, 14);
        // G.191 works on the one's-complement magnitude, biased by 33.
        let (magnitude, sign) = if v < 0 { (!v, 0x00) } else { (v, 0x80) };
        let mut biased = magnitude + 33;
        if biased > 0x1FFF {
            biased = 0x1FFF;
        }
        let segment = bit_length(biased as u32) - 6;
        let mantissa = (biased >> (segment + 1)) & 0x0F;
        table[index] = sign | (0x7F ^ ((segment as u8) << 4 | mantissa as u8));
        index += 1;
    }
    table
}

const fn build_alaw_encode() -> [u8; 1 << 12] {
    let mut table = [0u8; 1 << 12];
    let mut index = 0;
    while index < table.len() {
        let v = sign_extend(index, 12);
        let (magnitude, sign) = if v < 0 { (!v, 0x00) } else { (v, 0x80) };
        let code = if magnitude < 16 {
            magnitude as u8
        } else {
            let segment = bit_length(magnitude as u32) - 4;
            let mantissa = (magnitude >> (segment - 1)) & 0x0F;
            (segment as u8) << 4 | mantissa as u8
        };
        table[index] = (sign | code) ^ 0x55;
        index += 1;
    }
    table
}

const fn build_ulaw_decode() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        let inverted = !(code as u8);
        let segment = (inverted >> 4) & 0x07;
        let mantissa = (inverted & 0x0F) as i32;
        let magnitude = (((mantissa << 3) + 0x84) << segment) - 0x84;
        table[code] = if code & 0x80 != 0 {
            magnitude as i16
        } else {
            -magnitude as i16
        };
        code += 1;
    }
    table
}

const fn build_alaw_decode() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        let toggled = (code as u8) ^ 0x55;
        let segment = ((toggled >> 4) & 0x07) as i32;
        let mantissa = (toggled & 0x0F) as i32;
        let magnitude = if segment == 0 {
            (mantissa << 4) + 8
        } else {
            ((mantissa << 4) + 0x108) << (segment - 1)
        };
        table[code] = if code & 0x80 != 0 {
            magnitude as i16
        } else {
            -magnitude as i16
        };
        code += 1;
    }
    table
}

/// Encodes one 16-bit linear sample to a u-law code.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    ULAW_ENCODE[((sample >> 2) as u16 & 0x3FFF) as usize]
}

/// Decodes one u-law code to a 16-bit linear sample.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[code as usize]
}

/// Encodes one 16-bit linear sample to an A-law code.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    ALAW_ENCODE[((sample >> 4) as u16 & 0x0FFF) as usize]
}

/// Decodes one A-law code to a 16-bit linear sample.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[code as usize]
}

/// Writes `convert` of each input item into `out`, as many items as both
/// hold, and returns that count.
#[inline]
fn convert_slice<T: Copy, U>(input: &[T], out: &mut [U], convert: impl Fn(T) -> U) -> usize {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = convert(x);
    }
    input.len().min(out.len())
}

/// Encodes `pcm` to u-law into `out`, as many samples as both hold, and
/// returns that count.
pub fn ulaw_encode_slice(pcm: &[i16], out: &mut [u8]) -> usize {
    convert_slice(pcm, out, ulaw_encode)
}

/// Decodes u-law `codes` into `out`, as many as both hold, and returns that count.
pub fn ulaw_decode_slice(codes: &[u8], out: &mut [i16]) -> usize {
    convert_slice(codes, out, ulaw_decode)
}

/// Encodes `pcm` to A-law into `out`, as many samples as both hold, and
/// returns that count.
pub fn alaw_encode_slice(pcm: &[i16], out: &mut [u8]) -> usize {
    convert_slice(pcm, out, alaw_encode)
}

/// Decodes A-law `codes` into `out`, as many as both hold, and returns that count.
pub fn alaw_decode_slice(codes: &[u8], out: &mut [i16]) -> usize {
    convert_slice(codes, out, alaw_decode)
}
