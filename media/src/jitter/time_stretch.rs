//! Shrinking the playout by one frame without a click: drop it when it is
//! quiet, else splice two frames into one at their most similar point.

/// Samples over which the splice cross-fades (7.5 ms at 8 kHz).
const FADE: usize = 60;
/// Mean square below which a frame counts as quiet (about -45 dBov).
const QUIET_MEAN_SQUARE: i64 = 184 * 184;

/// Whether a frame is quiet enough to be dropped unheard.
pub fn is_quiet(pcm: &[i16]) -> bool {
    if pcm.is_empty() {
        return true;
    }
    let energy: i64 = pcm.iter().map(|&s| i64::from(s) * i64::from(s)).sum();
    energy / pcm.len() as i64 <= QUIET_MEAN_SQUARE
}

/// Time-compresses `first` followed by `second` (two frames of equal length
/// `n`) into `out` (length `n`): the signal runs unchanged up to a splice
/// point, cross-fades into the same point one frame later, and continues
/// from there, so exactly one frame's worth of samples is removed. The
/// splice point is where the two stretches are most alike (normalised
/// cross-correlation), which for voiced speech lands on a pitch-period
/// boundary. Returns without touching `out` if the lengths disagree.
pub fn compress_two_frames(first: &[i16], second: &[i16], out: &mut [i16]) {
    let n = first.len();
    if second.len() != n || out.len() != n || n <= FADE {
        return;
    }
    let sample = |i: usize| -> i64 {
        if i < n {
            i64::from(first[i])
        } else {
            i64::from(second[i - n])
        }
    };
    let mut best = 0;
    let mut best_score = f64::MIN;
    for start in 0..=n - FADE {
        let (mut cross, mut energy_a, mut energy_b) = (0i64, 0i64, 0i64);
        for k in 0..FADE {
            let a = sample(start + k);
            let b = sample(start + n + k);
            cross += a * b;
            energy_a += a * a;
            energy_b += b * b;
        }
        let norm = ((energy_a as f64) * (energy_b as f64)).sqrt().max(1.0);
        let score = cross as f64 / norm;
        if score > best_score {
            best_score = score;
            best = start;
        }
    }
    for (i, slot) in out.iter_mut().enumerate() {
        let value = if i < best {
            sample(i)
        } else if i < best + FADE {
            let k = (i - best) as i64;
            let fade = FADE as i64;
            (sample(i) * (fade - k) + sample(i + n) * k) / fade
        } else {
            sample(i + n)
        };
        *slot = value.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, period: f64, phase: usize) -> Vec<i16> {
        (phase..phase + n)
            .map(|i| (8000.0 * (i as f64 * std::f64::consts::TAU / period).sin()) as i16)
            .collect()
    }

    #[test]
    fn compressing_a_periodic_signal_leaves_no_click() {
        let first = tone(160, 57.0, 0);
        let second = tone(160, 57.0, 160);
        let mut out = [0i16; 160];
        compress_two_frames(&first, &second, &mut out);
        let max_step = out
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap();
        // The tone itself moves at most 2*pi*8000/57 ~ 882 per sample.
        assert!(max_step < 1000, "splice click: step {max_step}");
        assert_eq!(out[0], first[0]);
        assert_eq!(out[159], second[159]);
    }

    #[test]
    fn quiet_detection() {
        assert!(is_quiet(&[0; 160]));
        assert!(is_quiet(&[100; 160]));
        assert!(!is_quiet(&tone(160, 40.0, 0)));
    }
}
