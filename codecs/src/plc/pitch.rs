//! Pitch period estimation on the concealment history.

/// Shortest period searched: 5 ms (200 Hz).
pub(super) const PITCH_MIN: usize = 40;
/// Longest period searched: 15 ms (about 67 Hz).
pub(super) const PITCH_MAX: usize = 120;
/// The stretch of recent signal matched against earlier signal: 20 ms.
const WINDOW: usize = 160;
/// History the estimator needs.
pub(super) const NEEDED: usize = WINDOW + PITCH_MAX;

/// The lag in `PITCH_MIN..=PITCH_MAX` at which the last 20 ms of `history`
/// best matches the signal before it (largest normalised cross-correlation).
///
/// Every lag is scored on every other sample, the best is refined by one lag
/// either way at full resolution, and a half or a third of it wins when it
/// scores nearly as well, so that a multiple of the true period is not chosen.
/// `history` shorter than [`NEEDED`] gives `PITCH_MAX`.
pub(super) fn detect(history: &[i16]) -> usize {
    let Some(start) = history.len().checked_sub(NEEDED) else {
        return PITCH_MAX;
    };
    let history = &history[start..];
    let target = &history[PITCH_MAX..];
    let score = |lag: usize, step: usize| -> f64 {
        let candidate = &history[PITCH_MAX - lag..NEEDED - lag];
        let (mut cross, mut energy) = (0.0f64, 0.0f64);
        for (&a, &b) in target.iter().zip(candidate).step_by(step) {
            cross += f64::from(a) * f64::from(b);
            energy += f64::from(b) * f64::from(b);
        }
        if energy > 0.0 {
            cross / energy.sqrt()
        } else {
            0.0
        }
    };
    let best_of = |lags: &mut dyn Iterator<Item = usize>, step: usize| -> (usize, f64) {
        let mut best = (PITCH_MAX, f64::NEG_INFINITY);
        for lag in lags {
            let s = score(lag, step);
            if s > best.1 {
                best = (lag, s);
            }
        }
        best
    };
    let refine = |lag: usize| {
        let around = lag.saturating_sub(1).max(PITCH_MIN)..=(lag + 1).min(PITCH_MAX);
        best_of(&mut around.into_iter(), 1)
    };
    let (coarse, _) = best_of(&mut (PITCH_MIN..=PITCH_MAX), 2);
    let (mut lag, mut best) = refine(coarse);
    for divisor in [3, 2] {
        let shorter = lag / divisor;
        if shorter >= PITCH_MIN {
            let (candidate, s) = refine(shorter);
            if s >= 0.95 * best {
                (lag, best) = (candidate, s);
            }
        }
    }
    lag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn harmonic(period: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let phase = 2.0 * std::f64::consts::PI * i as f64 / period;
                let x: f64 = (1..=8).map(|k| (k as f64 * phase).sin() / k as f64).sum();
                (x * 8000.0) as i16
            })
            .collect()
    }

    #[test]
    fn finds_the_period_of_a_harmonic_signal() {
        for period in [40, 41, 57, 59, 64, 80, 99, 120] {
            assert_eq!(detect(&harmonic(period as f64, 400)), period);
        }
    }

    #[test]
    fn finds_the_nearest_period_of_a_fractional_pitch() {
        let p = detect(&harmonic(72.7, 400));
        assert!((72..=73).contains(&p), "{p}");
    }

    #[test]
    fn short_or_silent_history_gives_a_period_in_range() {
        assert_eq!(detect(&[100; 50]), PITCH_MAX);
        assert!((PITCH_MIN..=PITCH_MAX).contains(&detect(&[0; 400])));
    }
}
