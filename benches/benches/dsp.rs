//! Resampling, loss concealment and the codec factory on 20 ms chunks, each
//! next to a baseline measured in the same run.
//!
//! `cargo bench -p benches --bench dsp`

use std::hint::black_box;

use codecs::gsm::{GsmDecoder, GsmEncoder};
use codecs::{Codec, PACKET_SAMPLES, Plc, Resampler, decoder_for, encoder_for};
use criterion::{BatchSize, Criterion};
use test_oracles::signals;

/// A sine sweep at `rate`, long enough for 50 chunks of 20 ms.
fn sweep(rate: u32) -> Vec<i16> {
    let n = rate as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let phase = 2.0 * std::f64::consts::PI * (200.0 * t + 1600.0 * t * t);
            (phase.sin() * 12000.0) as i16
        })
        .collect()
}

/// Two seconds of 8 kHz speech (espeak when available, else a sweep).
fn speech() -> Vec<i16> {
    let mut s = signals::speech().unwrap_or_else(|| signals::sweep(16_000));
    s.truncate(16_000);
    s
}

/// The baseline: streaming linear interpolation with an exact integer phase,
/// no anti-alias filter.
struct Linear {
    from: usize,
    to: usize,
    /// Position of the next output in input samples times `to`, counted
    /// from the previous chunk's last sample.
    position: usize,
    previous: i16,
}

impl Linear {
    fn new(from: u32, to: u32) -> Linear {
        Linear {
            from: from as usize,
            to: to as usize,
            position: 0,
            previous: 0,
        }
    }

    fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        let end = input.len() * self.to;
        while self.position < end {
            let i = self.position / self.to;
            let frac = (self.position % self.to) as i32;
            let a = if i == 0 { self.previous } else { input[i - 1] };
            let b = input[i.min(input.len() - 1)];
            let (a, b) = (i32::from(a), i32::from(b));
            out.push((a + (b - a) * frac / self.to as i32) as i16);
            self.position += self.from;
        }
        self.position -= end;
        self.previous = *input.last().unwrap_or(&self.previous);
    }
}

fn resample(c: &mut Criterion) {
    for (from, to) in [(8000, 16000), (16000, 8000), (8000, 24000), (48000, 8000)] {
        let input = sweep(from);
        let chunk = from as usize / 50;
        let chunks: Vec<&[i16]> = input.chunks_exact(chunk).collect();
        let mut out = Vec::with_capacity(to as usize / 50 + 8);
        let mut group =
            c.benchmark_group(format!("resample_{}k_to_{}k_20ms", from / 1000, to / 1000));
        let mut r = Resampler::new(from, to).unwrap();
        let mut i = 0;
        group.bench_function("polyphase", |b| {
            b.iter(|| {
                i = (i + 1) % chunks.len();
                out.clear();
                r.process(black_box(chunks[i]), &mut out);
                black_box(out.len())
            })
        });
        let mut linear = Linear::new(from, to);
        group.bench_function("linear_interpolation_baseline", |b| {
            b.iter(|| {
                i = (i + 1) % chunks.len();
                out.clear();
                linear.process(black_box(chunks[i]), &mut out);
                black_box(out.len())
            })
        });
        group.bench_function("copy_baseline", |b| {
            b.iter(|| {
                i = (i + 1) % chunks.len();
                out.clear();
                out.extend_from_slice(black_box(chunks[i]));
                black_box(out.len())
            })
        });
        group.finish();
    }
}

fn plc(c: &mut Criterion) {
    let speech = speech();
    let frames: Vec<&[i16]> = speech.chunks_exact(PACKET_SAMPLES).collect();
    // A concealer whose history ends in loud (voiced) speech.
    let loudest = (4..frames.len())
        .max_by_key(|&i| frames[i].iter().map(|&x| i64::from(x).abs()).sum::<i64>())
        .unwrap_or(4);
    let mut primed = Plc::new();
    for f in &frames[..loudest] {
        primed.good_frame(&mut f.to_vec());
    }
    let mut group = c.benchmark_group("plc_20ms");
    group.bench_function("conceal_first_lost_frame", |b| {
        b.iter_batched_ref(
            || (primed.clone(), [0i16; PACKET_SAMPLES]),
            |(plc, out)| plc.conceal(black_box(out)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("good_frame", |b| {
        let mut plc = primed.clone();
        let mut i = 0;
        let mut frame = [0i16; PACKET_SAMPLES];
        b.iter(|| {
            i = (i + 1) % frames.len();
            frame.copy_from_slice(frames[i]);
            plc.good_frame(black_box(&mut frame))
        })
    });
    let previous: [i16; PACKET_SAMPLES] = frames[loudest - 1].try_into().unwrap();
    group.bench_function("repeat_last_frame_baseline", |b| {
        let mut out = [0i16; PACKET_SAMPLES];
        b.iter(|| out.copy_from_slice(black_box(&previous)))
    });
    group.finish();
}

fn factory(c: &mut Criterion) {
    let speech = speech();
    let frames: Vec<&[i16]> = speech.chunks_exact(PACKET_SAMPLES).collect();
    let mut group = c.benchmark_group("factory_encode_decode_20ms");
    for codec in Codec::ALL {
        let (mut enc, mut dec) = (encoder_for(codec), decoder_for(codec));
        let mut payload = [0u8; PACKET_SAMPLES];
        let mut pcm = [0i16; PACKET_SAMPLES];
        let mut i = 0;
        group.bench_function(codec.encoding_name(), |b| {
            b.iter(|| {
                i = (i + 1) % frames.len();
                let n = enc.encode(black_box(frames[i]), &mut payload).unwrap();
                dec.decode(black_box(&payload[..n]), &mut pcm).unwrap()
            })
        });
    }
    // The raw GSM codec without trait objects or PLC: the factory's overhead.
    let mut enc = GsmEncoder::new();
    let mut dec = GsmDecoder::new();
    let mut i = 0;
    group.bench_function("GSM_raw_codec_baseline", |b| {
        b.iter(|| {
            i = (i + 1) % frames.len();
            let frame: &[i16; PACKET_SAMPLES] = frames[i].try_into().unwrap();
            let bytes = enc.encode_frame(black_box(frame));
            dec.decode_frame(black_box(&bytes)).unwrap()
        })
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    resample(&mut c);
    plc(&mut c);
    factory(&mut c);
    c.final_summary();
}
