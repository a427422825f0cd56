//! G.729A encode and decode of one 10 ms frame, ours beside bcg729.
//!
//! `cargo bench -p benches --bench g729`

use std::hint::black_box;

use codecs::g729::{G729Decoder, G729Encoder};
use criterion::Criterion;
use test_oracles::bcg729::Bcg729;
use test_oracles::signals;

/// Two seconds of speech-like input (espeak speech when available, else the sweep), in 80-sample frames.
fn frames() -> Vec<[i16; 80]> {
    let mut signal = signals::speech().unwrap_or_else(|| signals::sweep(16_000));
    signal.truncate(16_000);
    signal
        .chunks_exact(80)
        .filter_map(|c| c.try_into().ok())
        .collect()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let pcm = frames();
    let bcg729 = Bcg729::load();
    let coded: Vec<[u8; 10]> = {
        let mut enc = G729Encoder::new();
        pcm.iter().map(|f| enc.encode_frame(f)).collect()
    };
    let mut i = 0;

    let mut group = c.benchmark_group("g729_encode_10ms");
    let mut enc = G729Encoder::new();
    group.bench_function("trunkline", |b| {
        b.iter(|| {
            i = (i + 1) % pcm.len();
            enc.encode_frame(black_box(&pcm[i]))
        })
    });
    if let Some(lib) = &bcg729 {
        let mut enc = lib.encoder(false);
        let mut out = [0u8; 10];
        group.bench_function("bcg729", |b| {
            b.iter(|| {
                i = (i + 1) % pcm.len();
                enc.encode_into(black_box(&pcm[i]), &mut out)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("g729_decode_10ms");
    let mut dec = G729Decoder::new();
    group.bench_function("trunkline", |b| {
        b.iter(|| {
            i = (i + 1) % coded.len();
            dec.decode_frame(black_box(&coded[i]))
        })
    });
    if let Some(lib) = &bcg729 {
        let mut dec = lib.decoder();
        group.bench_function("bcg729", |b| {
            b.iter(|| {
                i = (i + 1) % coded.len();
                dec.decode(black_box(&coded[i]), false, false)
            })
        });
    }
    group.finish();
    c.final_summary();
}
