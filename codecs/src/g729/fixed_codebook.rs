//! Algebraic codebook vectors: four +-1 pulses on interleaved tracks
//! (G.729 section 3.8, table 7) and the pitch sharpening of section 3.8.

use super::L_SUBFR;
use super::basic_op::*;

/// Lower bound of the pitch sharpening factor (0.2, Q14).
pub const SHARPMIN: i16 = 3277;
/// Upper bound of the pitch sharpening factor (about 0.8, Q14).
pub const SHARPMAX: i16 = 13107;

/// Builds the codevector (Q13 pulses of +-1) from the 4 sign bits and the
/// 13-bit position index.
pub fn decode(sign: i16, index: i16) -> [i16; L_SUBFR] {
    let mut code = [0i16; L_SUBFR];
    let mut idx = index as u16;
    let mut pos = [0usize; 4];
    for (track, p) in pos.iter_mut().enumerate().take(3) {
        *p = (idx & 7) as usize * 5 + track;
        idx >>= 3;
    }
    let jitter = (idx & 1) as usize;
    idx >>= 1;
    pos[3] = (idx & 7) as usize * 5 + 3 + jitter;
    let mut s = sign as u16;
    for p in pos {
        code[p] = if s & 1 != 0 { 8192 } else { -8192 };
        s >>= 1;
    }
    code
}

/// Adds the pitch sharpening `code[n] += sharp * code[n - t0]` for lags under 40
/// (`sharp` in Q14).
pub fn sharpen(code: &mut [i16; L_SUBFR], t0: i16, sharp: i16) {
    let gain = shl(sharp, 1);
    let t0 = t0.max(1) as usize;
    for i in t0..L_SUBFR {
        code[i] = add(code[i], mult(code[i - t0], gain));
    }
}
