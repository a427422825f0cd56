//! The resampler's stated figures, measured: passband flatness, stopband
//! rejection (aliases when decimating, images when interpolating), the
//! 8k -> 16k -> 8k round trip, and the group delay.

use codecs::Resampler;
use codecs::resample::SUPPORTED_RATES;
use std::f64::consts::PI;

const AMPLITUDE: f64 = 30000.0;

/// `seconds` of a sine at `freq` Hz sampled at `rate`.
fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| (AMPLITUDE * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()).round() as i16)
        .collect()
}

fn resample(from: u32, to: u32, input: &[i16]) -> Vec<i16> {
    let mut r = Resampler::new(from, to).unwrap();
    let mut out = Vec::new();
    for chunk in input.chunks(from as usize / 50) {
        r.process(chunk, &mut out);
    }
    out
}

/// The last second of `signal`: a whole number of cycles of any integer frequency.
fn last_second(signal: &[i16], rate: u32) -> &[i16] {
    &signal[signal.len() - rate as usize..]
}

/// Least-squares fit of a sine at `freq` over whole cycles: (amplitude, phase in radians).
fn fit(signal: &[i16], freq: f64, rate: u32) -> (f64, f64) {
    let (mut s, mut c) = (0.0, 0.0);
    for (i, &x) in signal.iter().enumerate() {
        let w = 2.0 * PI * freq * i as f64 / f64::from(rate);
        s += f64::from(x) * w.sin();
        c += f64::from(x) * w.cos();
    }
    let n = signal.len() as f64;
    let (s, c) = (2.0 * s / n, 2.0 * c / n);
    ((s * s + c * c).sqrt(), c.atan2(s))
}

/// RMS of what is left of `signal` after removing its component at `freq`.
fn residual_rms(signal: &[i16], freq: f64, rate: u32) -> f64 {
    let (amp, phase) = fit(signal, freq, rate);
    let sum: f64 = signal
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let w = 2.0 * PI * freq * i as f64 / f64::from(rate) + phase;
            (f64::from(x) - amp * w.sin()).powi(2)
        })
        .sum();
    (sum / signal.len() as f64).sqrt()
}

fn rms(signal: &[i16]) -> f64 {
    (signal.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / signal.len() as f64).sqrt()
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

fn pairs() -> impl Iterator<Item = (u32, u32)> {
    SUPPORTED_RATES
        .into_iter()
        .flat_map(|a| SUPPORTED_RATES.into_iter().map(move |b| (a, b)))
        .filter(|(a, b)| a != b)
}

#[test]
fn one_khz_survives_8k_16k_8k_within_a_tenth_of_a_db() {
    let input = tone(1000.0, 8000, 1.5);
    let back = resample(16000, 8000, &resample(8000, 16000, &input));
    let (amp_in, _) = fit(last_second(&input, 8000), 1000.0, 8000);
    let (amp_out, _) = fit(last_second(&back, 8000), 1000.0, 8000);
    let change = db(amp_out / amp_in);
    assert!(change.abs() < 0.1, "1 kHz changed by {change:.4} dB");
    // And nothing else appears: the rest is at least 75 dB down.
    let rest = db(residual_rms(last_second(&back, 8000), 1000.0, 8000) / (amp_out / 2f64.sqrt()));
    assert!(rest < -75.0, "residual {rest:.1} dB");
}

#[test]
fn every_round_trip_keeps_a_one_khz_tone() {
    for (from, to) in pairs() {
        let input = tone(1000.0, from, 1.5);
        let back = resample(to, from, &resample(from, to, &input));
        let (amp_in, _) = fit(last_second(&input, from), 1000.0, from);
        let (amp_out, _) = fit(last_second(&back, from), 1000.0, from);
        let change = db(amp_out / amp_in);
        assert!(
            change.abs() < 0.02,
            "{from} -> {to} -> {from}: {change:.4} dB"
        );
    }
}

#[test]
fn passband_is_flat_within_a_hundredth_of_a_db_and_images_are_rejected() {
    for (from, to) in pairs() {
        let edge = 0.85 * f64::from(from.min(to)) / 2.0;
        for freq in [100.0, 300.0, 1000.0, edge / 2.0, edge].map(f64::round) {
            let out = resample(from, to, &tone(freq, from, 1.5));
            let window = last_second(&out, to);
            let (amp, _) = fit(window, freq, to);
            let (amp_in, _) = fit(last_second(&tone(freq, from, 1.5), from), freq, from);
            let ripple = db(amp / amp_in);
            assert!(
                ripple.abs() < 0.01,
                "{from} -> {to} at {freq} Hz: {ripple:.4} dB"
            );
            let images = db(residual_rms(window, freq, to) / (amp / 2f64.sqrt()));
            assert!(
                images < -75.0,
                "{from} -> {to} at {freq} Hz: images at {images:.1} dB"
            );
        }
    }
}

#[test]
fn six_khz_is_rejected_by_more_than_60_db_on_16k_to_8k() {
    let input = tone(6000.0, 16000, 1.5);
    let out = resample(16000, 8000, &input);
    let rejection = db(rms(last_second(&input, 16000)) / rms(last_second(&out, 8000)));
    assert!(rejection > 60.0, "6 kHz rejected by only {rejection:.1} dB");
}

#[test]
fn stopband_is_rejected_by_75_db_on_every_decimation() {
    for (from, to) in pairs().filter(|(from, to)| to < from) {
        let nyquist_low = f64::from(to) / 2.0;
        let nyquist_high = f64::from(from) / 2.0;
        for fraction in [1.02, 1.1, 1.5, 1.9, 3.0, 5.0] {
            let freq = (fraction * nyquist_low).round();
            if freq >= 0.98 * nyquist_high {
                continue;
            }
            let input = tone(freq, from, 1.5);
            let out = resample(from, to, &input);
            let rejection = db(rms(last_second(&input, from)) / rms(last_second(&out, to)));
            assert!(
                rejection > 75.0,
                "{from} -> {to} at {freq} Hz: {rejection:.1} dB"
            );
        }
    }
}

#[test]
fn group_delay_is_as_documented() {
    for (from, to) in pairs() {
        let r = Resampler::new(from, to).unwrap();
        assert_eq!(
            r.group_delay().fract(),
            0.0,
            "{from} -> {to}: {}",
            r.group_delay()
        );
        let delay = r.group_delay() / f64::from(to);
        // The docs state 33.5 to 34 samples at the lower rate.
        let at_low = delay * f64::from(from.min(to));
        assert!(
            (33.5..=34.0).contains(&at_low),
            "{from} -> {to}: {at_low} samples"
        );
        // A 100 Hz tone comes out late by exactly that much.
        let freq = 100.0;
        let input = tone(freq, from, 1.5);
        let out = resample(from, to, &input);
        let (_, phase_in) = fit(last_second(&input, from), freq, from);
        let (_, phase_out) = fit(last_second(&out, to), freq, to);
        // The windows start at the same instant (1.5 s minus 1 s on both sides).
        let lag = (phase_in - phase_out).rem_euclid(2.0 * PI) / (2.0 * PI * freq);
        assert!(
            (lag - delay).abs() < 2e-6,
            "{from} -> {to}: measured {lag:e} s, stated {delay:e} s"
        );
    }
}
