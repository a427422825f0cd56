//! G.729A encode and decode of one 10 ms frame, ours beside bcg729.
//!
//! `cargo bench -p benches --bench g729`

use std::hint::black_box;
use std::time::Instant;

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
    if let Some(lib) = &bcg729 {
        fastest_passes(&pcm, &coded, lib);
    }
    c.final_summary();
}

/// Passes over the whole signal, ours and bcg729's interleaved, keeping
/// each side's fastest pass. The fastest pass is the cost of the code
/// when no other process interrupts it, so this ratio holds on a loaded
/// machine where criterion's means scatter.
fn fastest_passes(pcm: &[[i16; 80]], coded: &[[u8; 10]], lib: &Bcg729) {
    const PASSES: usize = 40;
    fn time(best: &mut f64, pass: impl FnOnce()) {
        let start = Instant::now();
        pass();
        *best = best.min(start.elapsed().as_secs_f64());
    }
    let (mut enc, mut dec) = (G729Encoder::new(), G729Decoder::new());
    let (mut c_enc, mut c_dec) = (lib.encoder(false), lib.decoder());
    let mut out = [0u8; 10];
    let mut best = [f64::MAX; 4];
    for _ in 0..PASSES {
        time(&mut best[0], || {
            for f in pcm {
                black_box(enc.encode_frame(black_box(f)));
            }
        });
        time(&mut best[1], || {
            for f in pcm {
                c_enc.encode_into(black_box(f), &mut out);
                black_box(&out);
            }
        });
        time(&mut best[2], || {
            for f in coded {
                black_box(dec.decode_frame(black_box(f)));
            }
        });
        time(&mut best[3], || {
            for f in coded {
                black_box(c_dec.decode(black_box(f), false, false));
            }
        });
    }
    let us = |t: f64, n: usize| t / n as f64 * 1e6;
    println!(
        "g729 fastest of {PASSES} passes (us per frame): encode {:.2} vs bcg729 {:.2} (ratio {:.2}), decode {:.2} vs bcg729 {:.2} (ratio {:.2})",
        us(best[0], pcm.len()),
        us(best[1], pcm.len()),
        best[0] / best[1],
        us(best[2], coded.len()),
        us(best[3], coded.len()),
        best[2] / best[3],
    );
}
