//! Loss concealment on voiced signals: no clicks at the splices, the
//! concealment resembles what was lost, long bursts fade to exact silence.

use codecs::Plc;
use std::f64::consts::PI;
use test_oracles::signals;

const FRAME: usize = 160;

/// A vowel-like signal: a glottal-ish harmonic series at `f0` Hz shaped by
/// two formants (700 Hz and 1200 Hz), 8 kHz.
fn vowel(f0: f64, n: usize) -> Vec<i16> {
    let harmonics: Vec<(f64, f64)> = (1..)
        .map(|k| k as f64 * f0)
        .take_while(|&f| f < 3600.0)
        .map(|f| {
            let formant = |centre: f64, width: f64| 1.0 / (1.0 + ((f - centre) / width).powi(2));
            (
                f,
                (formant(700.0, 150.0) + 0.6 * formant(1200.0, 200.0)) * f0 / f,
            )
        })
        .collect();
    let raw: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            harmonics
                .iter()
                .map(|&(f, a)| a * (2.0 * PI * f * t).sin())
                .sum()
        })
        .collect();
    let peak = raw.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    raw.iter().map(|x| (x / peak * 20000.0) as i16).collect()
}

/// Plays `signal` through a [`Plc`] in frames of `frame` samples, replacing
/// the frames for which `lost(index)` holds by concealment.
fn play(signal: &[i16], frame: usize, lost: impl Fn(usize) -> bool) -> Vec<i16> {
    let mut plc = Plc::new();
    let mut out = Vec::with_capacity(signal.len());
    for (index, chunk) in signal.chunks_exact(frame).enumerate() {
        let mut buf = chunk.to_vec();
        if lost(index) {
            plc.conceal(&mut buf);
        } else {
            plc.good_frame(&mut buf);
        }
        out.extend_from_slice(&buf);
    }
    out
}

fn largest_step(signal: &[i16]) -> i32 {
    signal
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap_or(0)
}

fn correlation(a: &[i16], b: &[i16]) -> f64 {
    let dot = |x: &[i16], y: &[i16]| -> f64 {
        x.iter()
            .zip(y)
            .map(|(&p, &q)| f64::from(p) * f64::from(q))
            .sum()
    };
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt().max(1.0)
}

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

#[test]
fn a_lost_frame_of_a_steady_vowel_is_rebuilt_closely() {
    // 125 Hz: a pitch period of exactly 64 samples.
    let signal = vowel(125.0, 8000);
    let out = play(&signal, FRAME, |i| i == 20);
    let lost = 20 * FRAME..21 * FRAME;
    // The first 10 ms are played at full level: a near-perfect copy.
    let first_half = lost.start..lost.start + 80;
    let snr = signals::snr_db(&signal[first_half.clone()], &out[first_half]);
    assert!(snr > 30.0, "first 10 ms: {snr:.1} dB");
    // Over the whole frame the fade (to 80 %) limits the match.
    let snr = signals::snr_db(&signal[lost.clone()], &out[lost]);
    assert!(snr > 18.0, "whole frame: {snr:.1} dB");
}

#[test]
fn a_fractional_pitch_is_followed_closely() {
    // 110 Hz: 72.7 samples per period, so repetition drifts a little.
    let signal = vowel(110.0, 8000);
    let out = play(&signal, FRAME, |i| i == 20);
    let lost = 20 * FRAME..20 * FRAME + 80;
    let c = correlation(&signal[lost.clone()], &out[lost]);
    assert!(c > 0.9, "correlation over the first 10 ms: {c:.3}");
}

#[test]
fn vowel_splices_do_not_click() {
    for f0 in [90.0, 110.0, 125.0, 160.0, 210.0] {
        let signal = vowel(f0, 16000);
        let own = largest_step(&signal);
        // Single losses, pairs, and a 60 ms burst.
        let out = play(
            &signal,
            FRAME,
            |i| matches!(i, 10 | 20 | 21 | 40..=42 | 60..=66),
        );
        let step = largest_step(&out);
        assert!(step <= own, "{f0} Hz: step {step} > the signal's own {own}");
    }
}

#[test]
fn speech_splices_do_not_click_and_concealment_resembles_the_speech() {
    let Some(speech) = signals::speech() else {
        return;
    };
    let own = largest_step(&speech);
    let frames = speech.len() / FRAME;
    let lost = |i: usize| i % 7 == 3;
    let out = play(&speech, FRAME, lost);
    let mut worst_splice = 0;
    let mut voiced = Vec::new();
    for i in (0..frames).filter(|&i| lost(i)) {
        let start = i * FRAME;
        // The jump into the concealment and into the next good frame.
        for at in [start, start + FRAME] {
            if at < out.len() {
                let jump = (i32::from(out[at]) - i32::from(out[at - 1])).abs();
                let local = largest_step(
                    &speech[at.saturating_sub(2 * FRAME)..(at + FRAME).min(speech.len())],
                );
                worst_splice = worst_splice.max(jump * 100 / local.max(1));
            }
        }
        let original = &speech[start..start + FRAME];
        let previous = &speech[start - FRAME..start];
        if rms(previous) > 1000.0 && rms(original) > 1000.0 {
            voiced.push(correlation(&original[..80], &out[start..start + 80]));
        }
    }
    assert!(
        largest_step(&out) <= own,
        "largest step {} > the speech's own {own}",
        largest_step(&out)
    );
    // A splice never jumps further than the largest step the speech itself
    // takes nearby.
    assert!(
        worst_splice <= 100,
        "a splice jumped {worst_splice}% of the local largest step"
    );
    // Where the speech is loud on both sides, the first 10 ms of concealment
    // follow it.
    let mean = voiced.iter().sum::<f64>() / voiced.len() as f64;
    assert!(voiced.len() >= 10, "only {} voiced losses", voiced.len());
    assert!(
        mean > 0.5,
        "mean correlation over {} voiced losses: {mean:.3}",
        voiced.len()
    );
}

#[test]
fn a_long_burst_fades_to_exact_silence_after_60_ms() {
    let signal = vowel(125.0, 8000);
    let out = play(&signal, FRAME, |i| (10..20).contains(&i));
    let start = 10 * FRAME;
    let tens: Vec<f64> = out[start..start + 480].chunks(80).map(rms).collect();
    assert!(tens[0] > 0.9 * rms(&signal[start..start + 80]), "{tens:?}");
    for w in tens[1..].windows(2) {
        assert!(w[1] < w[0], "level rose during the fade: {tens:?}");
    }
    assert!(out[start + 480..20 * FRAME].iter().all(|&x| x == 0));
    assert!(
        out[start + 400..start + 480].iter().any(|&x| x != 0),
        "silent too early"
    );
    // Playback resumes with a fade-in, not a jump from silence.
    let resume = 20 * FRAME;
    assert!(i32::from(out[resume]).abs() <= i32::from(signal[resume]).abs() / 10 + 1);
    assert!(largest_step(&out[resume - 1..resume + FRAME]) <= largest_step(&signal));
    assert_eq!(out[resume + 100..], signal[resume + 100..]);
}

#[test]
fn concealment_before_any_audio_is_silence() {
    let mut plc = Plc::new();
    let mut out = [1i16; 160];
    plc.conceal(&mut out);
    assert_eq!(out, [0; 160]);
}

#[test]
fn frame_length_does_not_matter() {
    let signal = vowel(140.0, 8000);
    let by_20ms = play(&signal, 160, |i| i == 20 || i == 21 || i == 30);
    let by_10ms = play(&signal, 80, |i| {
        (40..44).contains(&i) || (60..62).contains(&i)
    });
    assert_eq!(by_20ms, by_10ms);
    let by_5ms = play(&signal, 40, |i| {
        (80..88).contains(&i) || (120..124).contains(&i)
    });
    assert_eq!(by_20ms, by_5ms);
}

#[test]
fn good_frames_pass_through_untouched_without_loss() {
    let signal = vowel(100.0, 4000);
    assert_eq!(play(&signal, FRAME, |_| false), signal);
}
