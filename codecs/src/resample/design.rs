//! Design of the anti-aliasing / anti-imaging low-pass filter: a Kaiser
//! windowed sinc, computed once when a [`super::Resampler`] is built.

use std::f64::consts::PI;

/// Stopband attenuation the design aims for, in dB.
pub(super) const STOPBAND_DB: f64 = 80.0;
/// End of the passband as a fraction of the lower rate's Nyquist frequency.
pub(super) const PASSBAND_EDGE: f64 = 0.85;
/// Start of the stopband as a fraction of the lower rate's Nyquist frequency.
pub(super) const STOPBAND_EDGE: f64 = 1.0;

/// A low-pass prototype split into `phases` polyphase branches of `taps`
/// coefficients each, every branch stored time-reversed so that a branch
/// lines up with a chronological window of input samples.
pub(super) struct Polyphase {
    /// Coefficients per branch.
    pub taps: usize,
    /// `phases * taps` coefficients, branch after branch.
    pub coefficients: Vec<f32>,
    /// Length of the prototype filter in samples at the filter rate, before
    /// the zero padding that fills the last branch; `prototype_len - 1` is a
    /// multiple of `2 * down`, so the group delay is a whole number of
    /// output samples.
    pub prototype_len: usize,
}

/// Designs the prototype for resampling by `up / down` where the input runs
/// at `from_hz`. The filter works at `from_hz * up` and cuts off relative to
/// the lower of the two rates.
pub(super) fn polyphase(from_hz: u32, up: usize, down: usize) -> Polyphase {
    let filter_rate = f64::from(from_hz) * up as f64;
    let to_hz = filter_rate / down as f64;
    let nyquist_low = f64::from(from_hz).min(to_hz) / 2.0;
    let pass = PASSBAND_EDGE * nyquist_low;
    let stop = STOPBAND_EDGE * nyquist_low;
    let cutoff = (pass + stop) / 2.0 / filter_rate;
    let transition = 2.0 * PI * (stop - pass) / filter_rate;

    // Kaiser's estimates for the window shape and the filter order.
    let beta = 0.1102 * (STOPBAND_DB - 8.7);
    let min_order = ((STOPBAND_DB - 7.95) / (2.285 * transition)).ceil() as usize;
    let order = min_order.next_multiple_of(2 * down);
    let len = order + 1;
    let taps = len.div_ceil(up);

    let centre = (len - 1) as f64 / 2.0;
    let half_span = centre.max(1.0);
    let i0_beta = bessel_i0(beta);
    let mut prototype: Vec<f64> = (0..len)
        .map(|n| {
            let t = n as f64 - centre;
            let x = 2.0 * PI * cutoff * t;
            let sinc = if t == 0.0 {
                2.0 * cutoff
            } else {
                x.sin() / (PI * t)
            };
            let r = t / half_span;
            let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta;
            sinc * window
        })
        .collect();
    // Unity gain at DC after interpolation: the branches together sum to `up`.
    let sum: f64 = prototype.iter().sum();
    for h in &mut prototype {
        *h *= up as f64 / sum;
    }

    // Zeros after the prototype fill the last branch without moving its centre.
    prototype.resize(taps * up, 0.0);
    let mut coefficients = Vec::with_capacity(taps * up);
    for phase in 0..up {
        for j in 0..taps {
            coefficients.push(prototype[phase + (taps - 1 - j) * up] as f32);
        }
    }
    Polyphase {
        taps,
        coefficients,
        prototype_len: len,
    }
}

/// The zeroth-order modified Bessel function of the first kind, by its power series.
fn bessel_i0(x: f64) -> f64 {
    let quarter_x2 = x * x / 4.0;
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..64 {
        term *= quarter_x2 / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_i0_matches_known_values() {
        // I0(0) = 1, I0(1) = 1.2660658777520082, I0(5) = 27.239871823604442.
        assert!((bessel_i0(0.0) - 1.0).abs() < 1e-15);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_2).abs() < 1e-13);
        assert!((bessel_i0(5.0) - 27.239_871_823_604_442).abs() < 1e-11);
    }

    #[test]
    fn every_branch_has_unity_dc_gain() {
        for (from, up, down) in [(8000, 2, 1), (8000, 6, 1), (16000, 3, 2), (48000, 1, 6)] {
            let p = polyphase(from, up, down);
            assert_eq!(p.coefficients.len(), p.taps * up);
            for branch in p.coefficients.chunks_exact(p.taps) {
                let gain: f32 = branch.iter().sum();
                assert!((gain - 1.0).abs() < 1e-3, "{from} x{up}/{down}: {gain}");
            }
        }
    }
}
