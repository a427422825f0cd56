//! The bot's greeting: a rising three-note chime (A4, C#5, E5), easy to
//! tell apart from the trunk simulator's speech-like greeting.

use std::f64::consts::PI;

/// The notes in Hz.
pub const CHIME_NOTES: [f64; 3] = [440.0, 554.37, 659.25];
/// Samples per note at 8 kHz (200 ms).
const NOTE_SAMPLES: usize = 1600;
/// Fade in and out of each note (10 ms), so the notes do not click.
const FADE: usize = 80;

/// The chime as 8 kHz PCM (600 ms, peak about -12 dBFS).
pub fn chime() -> Vec<i16> {
    let mut out = Vec::with_capacity(NOTE_SAMPLES * CHIME_NOTES.len());
    for freq in CHIME_NOTES {
        for n in 0..NOTE_SAMPLES {
            let edge = n.min(NOTE_SAMPLES - 1 - n);
            let gain = if edge < FADE {
                edge as f64 / FADE as f64
            } else {
                1.0
            };
            let s = 8000.0 * gain * (2.0 * PI * freq * n as f64 / 8000.0).sin();
            out.push(s.round() as i16);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_notes_of_200_ms() {
        let c = chime();
        assert_eq!(c.len(), 4800);
        assert!(c.iter().all(|s| s.unsigned_abs() <= 8000));
        // Zero crossings per note give its frequency.
        for (k, freq) in CHIME_NOTES.iter().enumerate() {
            let note = &c[k * 1600 + 100..(k + 1) * 1600 - 100];
            let crossings = note.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
            let measured = crossings as f64 / 2.0 / (note.len() as f64 / 8000.0);
            assert!((measured - freq).abs() < 8.0, "{measured} vs {freq}");
        }
    }
}
