//! The media engine per 20 ms and per second of a call, beside a baseline
//! of the least any RTP receiver does (parse the header, copy the payload).
//!
//! `cargo bench -p benches --bench media`

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use codecs::{Codec, PACKET_SAMPLES, decoder_for, encoder_for};
use criterion::{BatchSize, Criterion};
use media::inbound::InboundAudio;
use media::jitter::JitterConfig;
use media::playout::PlayoutQueue;
use media::rtp::{RtpHeader, RtpPacket};
use media::{MediaConfig, MediaSession};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use test_oracles::signals;

const TICK: Duration = Duration::from_millis(20);

/// Ten seconds of speech-like 8 kHz audio (espeak when available, else a sweep).
fn speech() -> Vec<i16> {
    let mut s = signals::speech().unwrap_or_else(|| signals::sweep(80_000));
    s.truncate(80_000);
    s
}

/// The encoded 20 ms payloads of `pcm` for `codec`.
fn payloads(codec: Codec, pcm: &[i16]) -> Vec<Vec<u8>> {
    let mut enc = encoder_for(codec);
    pcm.chunks_exact(PACKET_SAMPLES)
        .map(|f| {
            let mut out = vec![0u8; 200];
            let n = enc.encode(f, &mut out).expect("encode");
            out.truncate(n);
            out
        })
        .collect()
}

/// Builds the datagram of packet `k` of a stream.
fn datagram(codec: Codec, payloads: &[Vec<u8>], k: u64) -> Bytes {
    let mut out = BytesMut::with_capacity(200);
    RtpHeader {
        marker: k == 0,
        payload_type: codec.payload_type(),
        sequence: k as u16,
        timestamp: (k * PACKET_SAMPLES as u64) as u32,
        ssrc: 0x1234_5678,
    }
    .write(&payloads[k as usize % payloads.len()], &mut out);
    out.freeze()
}

fn baseline(c: &mut Criterion) {
    let p = payloads(Codec::Pcmu, &speech());
    let mut k = 0;
    let mut out = [0u8; 160];
    c.bench_function("media_baseline_20ms/rtp_parse_and_copy", |b| {
        b.iter_batched(
            || {
                k += 1;
                datagram(Codec::Pcmu, &p, k)
            },
            |d| {
                let packet = RtpPacket::parse(d).expect("valid");
                let payload = packet.payload_bytes();
                out[..payload.len()].copy_from_slice(payload);
                black_box((&out, packet.sequence(), packet.timestamp()));
            },
            BatchSize::SmallInput,
        )
    });
}

fn receive(c: &mut Criterion) {
    let pcm = speech();
    let mut group = c.benchmark_group("media_receive_20ms");
    for codec in [Codec::Pcmu, Codec::Gsm] {
        let p = payloads(codec, &pcm);
        let start = Instant::now();
        let mut inbound = InboundAudio::new(JitterConfig::default(), decoder_for(codec));
        let mut k = 0u64;
        let mut next = 0u64;
        group.bench_function(codec.encoding_name(), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    datagram(codec, &p, k)
                },
                |d| {
                    let now = start + TICK * next as u32;
                    next += 1;
                    let packet = RtpPacket::parse(d).expect("valid");
                    inbound.push(now, packet.timestamp(), packet.payload(), false);
                    black_box(inbound.pop(now));
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn send(c: &mut Criterion) {
    let pcm = speech();
    let mut group = c.benchmark_group("media_send_20ms");
    for codec in [Codec::Pcmu, Codec::Gsm] {
        let mut queue = PlayoutQueue::new(8000 * 10);
        let mut encoder = encoder_for(codec);
        let mut frame = [0i16; PACKET_SAMPLES];
        let mut encoded = [0u8; 400];
        let mut marks = Vec::new();
        let mut arena = BytesMut::with_capacity(16 * 1024);
        let mut k = 0usize;
        group.bench_function(codec.encoding_name(), |b| {
            b.iter(|| {
                let chunk =
                    &pcm[(k * PACKET_SAMPLES) % (pcm.len() - PACKET_SAMPLES)..][..PACKET_SAMPLES];
                k += 1;
                queue.push(chunk, 8000).expect("room");
                queue.next_frame(&mut frame, &mut marks);
                let n = encoder.encode(&frame, &mut encoded).expect("encode");
                if arena.capacity() < 1500 {
                    arena.reserve(16 * 1024);
                }
                RtpHeader {
                    marker: false,
                    payload_type: codec.payload_type(),
                    sequence: k as u16,
                    timestamp: (k * PACKET_SAMPLES) as u32,
                    ssrc: 1,
                }
                .write(&encoded[..n], &mut arena);
                black_box(arena.split().freeze());
            })
        });
    }
    group.finish();
}

/// One second of a two-way call at one end: 50 packets in (jitter buffer,
/// decode, inbound frames out), 1 s of bot audio queued in 20 ms chunks at
/// 8 kHz (Twilio Media Streams) or 16 kHz (raw PCM, resampled), encoded and
/// sent as 50 packets, RTCP, events: everything but the sockets.
fn call(c: &mut Criterion) {
    let pcm = speech();
    let bot: Vec<i16> = signals::sweep(16_000);
    let mut group = c.benchmark_group("media_call_1s");
    for (codec, rate) in [
        (Codec::Pcmu, 8000),
        (Codec::Pcmu, 16_000),
        (Codec::Gsm, 8000),
    ] {
        let chunk = rate as usize / 50;
        let p = payloads(codec, &pcm);
        let remote = SocketAddr::from(([10, 0, 0, 2], 4000));
        let start = Instant::now();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut session =
            MediaSession::new(MediaConfig::new(codec, remote), &mut rng, start).expect("session");
        let mut k = 0u64;
        let mut second = 0u32;
        group.bench_function(
            format!("{}_bot_{}k", codec.encoding_name(), rate / 1000),
            |b| {
                b.iter_batched(
                    || {
                        (0..50)
                            .map(|_| {
                                k += 1;
                                datagram(codec, &p, k)
                            })
                            .collect::<Vec<Bytes>>()
                    },
                    |datagrams| {
                        let base = start + Duration::from_secs(u64::from(second));
                        second += 1;
                        for (i, d) in datagrams.into_iter().enumerate() {
                            let now = base + TICK * i as u32;
                            session.handle_rtp(now, remote, d);
                            session
                                .queue_outbound(&bot[(i * chunk) % 15_000..][..chunk], rate)
                                .expect("room");
                            session.handle_timeout(now);
                            while let Some(t) = session.poll_transmit() {
                                black_box(t);
                            }
                            while let Some(e) = session.poll_event() {
                                black_box(e);
                            }
                            while let Some(f) = session.poll_inbound_frame() {
                                black_box(f);
                            }
                        }
                    },
                    BatchSize::SmallInput,
                )
            },
        );
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    baseline(&mut c);
    receive(&mut c);
    send(&mut c);
    call(&mut c);
    c.final_summary();
}
