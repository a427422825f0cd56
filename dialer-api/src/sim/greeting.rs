//! A speech-like greeting made by formant synthesis: a glottal pulse train
//! with a falling pitch contour, shaped by three vowel resonators, in
//! syllables separated by short pauses. No recording is needed, and the
//! signal exercises a codec the way speech does (harmonics, formants,
//! onsets and silences).

use std::f64::consts::PI;
use std::time::Duration;

/// The sample rate of the greeting.
pub const GREETING_RATE: u32 = 8000;

/// Formant frequencies (F1, F2, F3 in Hz) of five vowels.
const VOWELS: [[f64; 3]; 5] = [
    [730.0, 1090.0, 2440.0], // a
    [530.0, 1840.0, 2480.0], // e
    [270.0, 2290.0, 3010.0], // i
    [570.0, 840.0, 2410.0],  // o
    [300.0, 870.0, 2240.0],  // u
];

/// Formant bandwidths in Hz.
const BANDWIDTHS: [f64; 3] = [80.0, 100.0, 140.0];

/// The "sentence": (vowel, syllable length in ms, pause after it in ms).
const SYLLABLES: [(usize, u32, u32); 12] = [
    (1, 160, 30),
    (3, 260, 120),
    (2, 140, 20),
    (2, 150, 40),
    (0, 120, 30),
    (4, 200, 40),
    (2, 150, 30),
    (0, 230, 250),
    (3, 180, 40),
    (1, 160, 30),
    (0, 210, 40),
    (4, 300, 400),
];

/// A two-pole resonator (a digital formant filter).
struct Resonator {
    a: f64,
    b: f64,
    c: f64,
    y1: f64,
    y2: f64,
}

impl Resonator {
    fn new(frequency: f64, bandwidth: f64) -> Resonator {
        let t = 1.0 / f64::from(GREETING_RATE);
        let c = -(-2.0 * PI * bandwidth * t).exp();
        let b = 2.0 * (-PI * bandwidth * t).exp() * (2.0 * PI * frequency * t).cos();
        Resonator {
            a: 1.0 - b - c,
            b,
            c,
            y1: 0.0,
            y2: 0.0,
        }
    }

    fn run(&mut self, x: f64) -> f64 {
        let y = self.a * x + self.b * self.y1 + self.c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// One voiced syllable of `samples` samples on `vowel`, pitch falling from
/// `f0_start` to `f0_end`.
fn syllable(vowel: [f64; 3], samples: usize, f0_start: f64, f0_end: f64, out: &mut Vec<f64>) {
    let mut filters: Vec<Resonator> = vowel
        .iter()
        .zip(BANDWIDTHS)
        .map(|(f, bw)| Resonator::new(*f, bw))
        .collect();
    let ramp = (f64::from(GREETING_RATE) * 0.025) as usize;
    let mut phase = 0.0f64;
    for n in 0..samples {
        let progress = n as f64 / samples.max(1) as f64;
        let f0 = f0_start + (f0_end - f0_start) * progress;
        phase += f0 / f64::from(GREETING_RATE);
        // A smooth glottal pulse: the open phase is a raised cosine over the
        // first 40 % of each period, then the glottis is closed.
        let within = phase.fract();
        let pulse = if within < 0.4 {
            0.5 - 0.5 * (2.0 * PI * within / 0.4).cos()
        } else {
            0.0
        };
        // Differentiate (lip radiation) by taking the pulse minus its mean.
        let mut y = pulse - 0.2;
        for f in &mut filters {
            y = f.run(y);
        }
        let envelope = if n < ramp {
            0.5 - 0.5 * (PI * n as f64 / ramp as f64).cos()
        } else if samples - n < ramp {
            0.5 - 0.5 * (PI * (samples - n) as f64 / ramp as f64).cos()
        } else {
            1.0
        };
        out.push(y * envelope);
    }
}

/// About `length` of synthetic speech at 8 kHz (whole syllables, at least
/// one), peaking at about -6 dBFS.
pub fn greeting(length: Duration) -> Vec<i16> {
    let wanted = (length.as_secs_f64() * f64::from(GREETING_RATE)) as usize;
    let mut signal: Vec<f64> = Vec::with_capacity(wanted + GREETING_RATE as usize);
    let mut k = 0usize;
    while signal.is_empty() || signal.len() < wanted {
        let (vowel, ms, pause) = SYLLABLES[k % SYLLABLES.len()];
        // The pitch falls over each phrase and a little within each syllable.
        let phrase_pos = (k % 8) as f64 / 8.0;
        let f0 = 150.0 - 40.0 * phrase_pos;
        let samples = (ms * GREETING_RATE / 1000) as usize;
        syllable(VOWELS[vowel], samples, f0, f0 - 12.0, &mut signal);
        let silence = (pause * GREETING_RATE / 1000) as usize;
        signal.resize(signal.len() + silence, 0.0);
        k += 1;
    }
    signal.truncate(wanted.max(1).min(signal.len()));
    let peak = signal.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let gain = if peak > 0.0 { 16_000.0 / peak } else { 0.0 };
    signal
        .iter()
        .map(|x| (x * gain).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(x: &[i16]) -> f64 {
        (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
    }

    /// Power at `freq` by correlation with a sine and a cosine (Goertzel-like).
    fn power_at(x: &[i16], freq: f64) -> f64 {
        let w = 2.0 * PI * freq / 8000.0;
        let (mut re, mut im) = (0.0, 0.0);
        for (n, s) in x.iter().enumerate() {
            re += f64::from(*s) * (w * n as f64).cos();
            im += f64::from(*s) * (w * n as f64).sin();
        }
        (re * re + im * im) / x.len() as f64
    }

    #[test]
    fn sounds_like_speech_not_silence_or_a_tone() {
        let g = greeting(Duration::from_secs(3));
        assert_eq!(g.len(), 24_000);
        let peak = g.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!((15_000..=16_001).contains(&peak), "peak {peak}");
        // Frames of 20 ms: some loud (syllables), some silent (pauses).
        let frames: Vec<f64> = g.chunks(160).map(rms).collect();
        let loud = frames.iter().filter(|r| **r > 1000.0).count();
        let silent = frames.iter().filter(|r| **r < 10.0).count();
        assert!(loud > 60, "{loud} loud frames");
        assert!(silent > 15, "{silent} silent frames");
        // Energy sits in the speech band: more near the first formants than
        // far above the third.
        let low: f64 = [300.0, 500.0, 700.0, 900.0]
            .iter()
            .map(|f| power_at(&g, *f))
            .sum();
        let high: f64 = [3600.0, 3800.0].iter().map(|f| power_at(&g, *f)).sum();
        assert!(low > 50.0 * high, "low {low} high {high}");
        // Deterministic.
        assert_eq!(g, greeting(Duration::from_secs(3)));
        assert!(!greeting(Duration::ZERO).is_empty());
    }
}
