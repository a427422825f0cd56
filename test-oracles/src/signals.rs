//! The test signals every codec is checked on, all 8 kHz mono 16-bit PCM.
//!
//! The synthetic ones are deterministic; [`speech`] is made with espeak-ng
//! and resampled with sox, and follows the same oracle policy as [`crate::load`].

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// Sample rate of every signal here.
pub const RATE: u32 = 8000;

/// `n` samples of digital silence.
pub fn silence(n: usize) -> Vec<i16> {
    vec![0; n]
}

/// A full-scale square wave at `freq` Hz: +32767 and -32768.
pub fn square(n: usize, freq: f64) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let phase = (i as f64 * freq / RATE as f64).fract();
            if phase < 0.5 { i16::MAX } else { i16::MIN }
        })
        .collect()
}

/// A linear frequency sweep from 200 Hz to 3400 Hz over `n` samples at half scale.
pub fn sweep(n: usize) -> Vec<i16> {
    let (f0, f1) = (200.0, 3400.0);
    let duration = n as f64 / RATE as f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let phase =
                2.0 * std::f64::consts::PI * (f0 * t + (f1 - f0) * t * t / (2.0 * duration));
            (phase.sin() * 16384.0) as i16
        })
        .collect()
}

/// Uniform white noise over the whole 16-bit range, from a fixed xorshift seed.
pub fn white_noise(n: usize, seed: u64) -> Vec<i16> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 48) as u16 as i16
        })
        .collect()
}

/// A 440 Hz sine driven to twice full scale and hard-clipped to 16 bits.
pub fn clipped(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let x = (2.0 * std::f64::consts::PI * 440.0 * t).sin() * 65536.0;
            x.clamp(i16::MIN as f64, i16::MAX as f64) as i16
        })
        .collect()
}

/// A few seconds of English speech made with espeak-ng, resampled to 8 kHz by sox.
///
/// Made once per process (later calls return a copy) and identical from run
/// to run: sox is told not to dither. Returns `None` (with a skip notice)
/// when the tools are missing outside CI; panics when they are missing and
/// `CI` is set.
pub fn speech() -> Option<Vec<i16>> {
    static SPEECH: OnceLock<Option<Vec<i16>>> = OnceLock::new();
    let speech = SPEECH.get_or_init(|| {
        let made = make_speech();
        if made.is_none() {
            let message = "espeak-ng and sox are needed for the speech signal; install them with `apt-get install espeak-ng sox`";
            if std::env::var_os("CI").is_some() {
                panic!("{message}: required when CI is set");
            }
            eprintln!("SKIPPED: {message}");
        }
        made
    });
    speech.clone()
}

/// Runs espeak-ng and sox in a directory of this process's own (only one
/// call per process, see [`speech`]), removed afterwards.
fn make_speech() -> Option<Vec<i16>> {
    let dir = std::env::temp_dir().join(format!("trunkline-speech-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let samples = speech_in(&dir);
    std::fs::remove_dir_all(&dir).ok();
    samples
}

fn speech_in(dir: &Path) -> Option<Vec<i16>> {
    let wav = dir.join("speech.wav");
    let raw = dir.join("speech.raw");
    let text = "Hello, this is Trunkline calling about your appointment on Tuesday. \
                Please press one to confirm, or two to speak with someone.";
    let espeak = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg(text)
        .status()
        .ok()?;
    if !espeak.success() {
        return None;
    }
    // `-D`: no dither, so the samples are the same on every run.
    let sox = Command::new("sox")
        .arg("-D")
        .arg(&wav)
        .args([
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-t",
            "raw",
        ])
        .arg(&raw)
        .status()
        .ok()?;
    if !sox.success() {
        return None;
    }
    let bytes = std::fs::read(&raw).ok()?;
    Some(
        bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
    )
}

/// Every synthetic signal with its name, `n` samples each, for table-driven tests.
pub fn synthetic(n: usize) -> Vec<(&'static str, Vec<i16>)> {
    vec![
        ("silence", silence(n)),
        ("square", square(n, 500.0)),
        ("sweep", sweep(n)),
        ("white_noise", white_noise(n, 0x7472_756e_6b6c_696e)),
        ("clipped", clipped(n)),
    ]
}

/// Signal-to-noise ratio of `test` against `reference`, in dB, over their common length.
/// Returns infinity when they are identical.
pub fn snr_db(reference: &[i16], test: &[i16]) -> f64 {
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&r, &t) in reference.iter().zip(test) {
        signal += f64::from(r).powi(2);
        noise += (f64::from(r) - f64::from(t)).powi(2);
    }
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal.max(1.0) / noise).log10()
    }
}

/// Segmental SNR in dB over 10 ms segments, each clamped to [-10, 35] dB and
/// skipping segments where the reference is silent.
pub fn segmental_snr_db(reference: &[i16], test: &[i16]) -> f64 {
    let segments: Vec<f64> = reference
        .chunks(80)
        .zip(test.chunks(80))
        .filter(|(r, _)| r.iter().any(|&x| x.unsigned_abs() > 64))
        .map(|(r, t)| snr_db(r, t).clamp(-10.0, 35.0))
        .collect();
    if segments.is_empty() {
        35.0
    } else {
        segments.iter().sum::<f64>() / segments.len() as f64
    }
}
