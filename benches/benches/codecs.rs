//! G.711 and GSM 06.10 on one 20 ms frame; GSM side by side with libgsm.
//!
//! `cargo bench -p benches --bench codecs`

use std::hint::black_box;

use codecs::g711;
use codecs::gsm::{FRAME_SAMPLES, GsmDecoder, GsmEncoder};
use criterion::Criterion;
use test_oracles::libgsm::Libgsm;
use test_oracles::signals;

/// Two seconds of speech-like input (espeak speech when available, else the sweep).
fn input() -> Vec<i16> {
    let mut signal = signals::speech().unwrap_or_else(|| signals::sweep(16_000));
    signal.truncate(16_000);
    signal
}

fn frames(signal: &[i16]) -> Vec<[i16; FRAME_SAMPLES]> {
    signal
        .chunks_exact(FRAME_SAMPLES)
        .filter_map(|c| c.try_into().ok())
        .collect()
}

fn g711(c: &mut Criterion) {
    let pcm = frames(&input());
    let pcm = pcm[pcm.len() / 2];
    let mut codes = [0u8; FRAME_SAMPLES];
    let mut out = [0i16; FRAME_SAMPLES];
    let mut group = c.benchmark_group("g711_20ms");
    group.bench_function("ulaw_encode", |b| {
        b.iter(|| g711::ulaw_encode_slice(black_box(&pcm), black_box(&mut codes)))
    });
    g711::ulaw_encode_slice(&pcm, &mut codes);
    group.bench_function("ulaw_decode", |b| {
        b.iter(|| g711::ulaw_decode_slice(black_box(&codes), black_box(&mut out)))
    });
    group.bench_function("alaw_encode", |b| {
        b.iter(|| g711::alaw_encode_slice(black_box(&pcm), black_box(&mut codes)))
    });
    g711::alaw_encode_slice(&pcm, &mut codes);
    group.bench_function("alaw_decode", |b| {
        b.iter(|| g711::alaw_decode_slice(black_box(&codes), black_box(&mut out)))
    });
    group.finish();
}

/// Each iteration codes the next frame of the signal, so state and input
/// vary as in a call; both codecs see the same sequence.
fn gsm(c: &mut Criterion) {
    let pcm = frames(&input());
    let coded: Vec<[u8; 33]> = {
        let mut enc = GsmEncoder::new();
        pcm.iter().map(|f| enc.encode_frame(f)).collect()
    };
    let libgsm = Libgsm::load();

    let mut group = c.benchmark_group("gsm_encode_20ms");
    let mut enc = GsmEncoder::new();
    let mut i = 0;
    group.bench_function("trunkline", |b| {
        b.iter(|| {
            i = (i + 1) % pcm.len();
            enc.encode_frame(black_box(&pcm[i]))
        })
    });
    if let Some(libgsm) = &libgsm {
        let mut enc = libgsm.encoder();
        group.bench_function("libgsm", |b| {
            b.iter(|| {
                i = (i + 1) % pcm.len();
                enc.encode(black_box(&pcm[i]))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("gsm_decode_20ms");
    let mut dec = GsmDecoder::new();
    group.bench_function("trunkline", |b| {
        b.iter(|| {
            i = (i + 1) % coded.len();
            dec.decode_frame(black_box(&coded[i]))
        })
    });
    if let Some(libgsm) = &libgsm {
        let mut dec = libgsm.decoder();
        group.bench_function("libgsm", |b| {
            b.iter(|| {
                i = (i + 1) % coded.len();
                dec.decode(black_box(&coded[i]))
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    g711(&mut c);
    gsm(&mut c);
    c.final_summary();
}
