//! G.711 and GSM 06.10 on one 20 ms frame; G.711 beside a plain
//! sample-by-sample G.191 computation, GSM side by side with libgsm.
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

/// The baseline G.711 is compared with: the ITU-T G.191 algorithm computed
/// sample by sample (segment search, no table), as a straightforward
/// implementation does it. Checked against `codecs::g711` on every input
/// before timing, so both sides compute the same thing.
mod plain_g711 {
    /// u-law code of one sample (G.191 `ulaw_compress`).
    pub fn ulaw_encode(x: i16) -> u8 {
        let magnitude = if x < 0 { !x >> 2 } else { x >> 2 };
        let biased = (i32::from(magnitude) + 33).min(0x1fff);
        let mut segment = 1;
        let mut i = biased >> 6;
        while i != 0 {
            segment += 1;
            i >>= 1;
        }
        let high = 8 - segment;
        let low = 0xf - ((biased >> segment) & 0xf);
        let code = (high << 4) | low;
        (if x >= 0 { code | 0x80 } else { code }) as u8
    }

    /// Sample of one u-law code (G.191 `ulaw_expand`).
    pub fn ulaw_decode(code: u8) -> i16 {
        let inverted = !code;
        let exponent = i32::from((inverted >> 4) & 7);
        let mantissa = i32::from(inverted & 0xf);
        let step = 4 << (exponent + 1);
        let magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
        (if code < 0x80 { -magnitude } else { magnitude }) as i16
    }

    /// A-law code of one sample (G.191 `alaw_compress`).
    pub fn alaw_encode(x: i16) -> u8 {
        let mut ix = i32::from(if x < 0 { !x >> 4 } else { x >> 4 });
        if ix > 15 {
            let mut exponent = 1;
            while ix > 16 + 15 {
                ix >>= 1;
                exponent += 1;
            }
            ix = ix - 16 + (exponent << 4);
        }
        if x >= 0 {
            ix |= 0x80;
        }
        (ix ^ 0x55) as u8
    }

    /// Sample of one A-law code (G.191 `alaw_expand`).
    pub fn alaw_decode(code: u8) -> i16 {
        let ix = i32::from((code ^ 0x55) & 0x7f);
        let exponent = ix >> 4;
        let mut mantissa = ix & 0xf;
        if exponent > 0 {
            mantissa += 16;
        }
        mantissa = (mantissa << 4) + 8;
        if exponent > 1 {
            mantissa <<= exponent - 1;
        }
        (if code > 127 { mantissa } else { -mantissa }) as i16
    }
}

/// Panics unless the plain baseline and `codecs::g711` agree on all
/// 65,536 samples and all 256 codes.
fn check_plain_g711_matches() {
    for x in i16::MIN..=i16::MAX {
        assert_eq!(
            g711::ulaw_encode(x),
            plain_g711::ulaw_encode(x),
            "u-law {x}"
        );
        assert_eq!(
            g711::alaw_encode(x),
            plain_g711::alaw_encode(x),
            "A-law {x}"
        );
    }
    for code in 0..=255u8 {
        assert_eq!(
            g711::ulaw_decode(code),
            plain_g711::ulaw_decode(code),
            "u-law {code}"
        );
        assert_eq!(
            g711::alaw_decode(code),
            plain_g711::alaw_decode(code),
            "A-law {code}"
        );
    }
}

fn g711(c: &mut Criterion) {
    check_plain_g711_matches();
    let pcm = frames(&input());
    let pcm = pcm[pcm.len() / 2];
    let mut codes = [0u8; FRAME_SAMPLES];
    let mut out = [0i16; FRAME_SAMPLES];
    let mut group = c.benchmark_group("g711_20ms");
    group.bench_function("ulaw_encode", |b| {
        b.iter(|| g711::ulaw_encode_slice(black_box(&pcm), black_box(&mut codes)))
    });
    group.bench_function("ulaw_encode_plain_g191", |b| {
        b.iter(|| {
            for (c, &x) in codes.iter_mut().zip(black_box(&pcm)) {
                *c = plain_g711::ulaw_encode(x);
            }
            black_box(&codes);
        })
    });
    g711::ulaw_encode_slice(&pcm, &mut codes);
    group.bench_function("ulaw_decode", |b| {
        b.iter(|| g711::ulaw_decode_slice(black_box(&codes), black_box(&mut out)))
    });
    group.bench_function("ulaw_decode_plain_g191", |b| {
        b.iter(|| {
            for (o, &c) in out.iter_mut().zip(black_box(&codes)) {
                *o = plain_g711::ulaw_decode(c);
            }
            black_box(&out);
        })
    });
    group.bench_function("alaw_encode", |b| {
        b.iter(|| g711::alaw_encode_slice(black_box(&pcm), black_box(&mut codes)))
    });
    group.bench_function("alaw_encode_plain_g191", |b| {
        b.iter(|| {
            for (c, &x) in codes.iter_mut().zip(black_box(&pcm)) {
                *c = plain_g711::alaw_encode(x);
            }
            black_box(&codes);
        })
    });
    g711::alaw_encode_slice(&pcm, &mut codes);
    group.bench_function("alaw_decode", |b| {
        b.iter(|| g711::alaw_decode_slice(black_box(&codes), black_box(&mut out)))
    });
    group.bench_function("alaw_decode_plain_g191", |b| {
        b.iter(|| {
            for (o, &c) in out.iter_mut().zip(black_box(&codes)) {
                *o = plain_g711::alaw_decode(c);
            }
            black_box(&out);
        })
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
