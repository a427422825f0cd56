//! A single session driven directly with hand-made packets: the counters
//! it reports in `CallQuality`, stalls of the driver, comfort noise and
//! concealment of payloads the decoder rejects.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use codecs::{Codec, CodecError, Encoder};
use media::rtp::RtpHeader;
use media::{FrameKind, InboundFrame, MediaConfig, MediaSession};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

const TICK: Duration = Duration::from_millis(20);

fn remote() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 2], 4000))
}

fn session(codec: Codec, start: Instant) -> MediaSession {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    MediaSession::new(MediaConfig::new(codec, remote()), &mut rng, start).expect("session")
}

fn rtp(pt: u8, sequence: u16, timestamp: u32, payload: &[u8]) -> Bytes {
    let mut out = BytesMut::new();
    RtpHeader {
        marker: false,
        payload_type: pt,
        sequence,
        timestamp,
        ssrc: 0x1234,
    }
    .write(payload, &mut out);
    out.freeze()
}

/// Drains everything a tick produced; returns the inbound frames.
fn drain(s: &mut MediaSession) -> Vec<InboundFrame> {
    while s.poll_transmit().is_some() {}
    while s.poll_event().is_some() {}
    std::iter::from_fn(|| s.poll_inbound_frame()).collect()
}

#[test]
fn a_stalled_driver_and_an_undrained_inbound_queue_are_counted() {
    let start = Instant::now();
    let mut s = session(Codec::Pcmu, start);
    s.handle_timeout(start);
    drain(&mut s);
    // The driver sleeps 1 s: 10 ticks are caught up, the other 40 skipped.
    s.handle_timeout(start + Duration::from_secs(1));
    let q = s.stats();
    assert_eq!(q.ticks_skipped, 40);
    assert_eq!(q.inbound_frames_dropped, 0);
    // Nobody takes the inbound frames for 100 ticks: only the last 50 stay.
    drain(&mut s);
    let resume = start + Duration::from_secs(1) + TICK;
    for k in 0..100 {
        s.handle_timeout(resume + TICK * k);
        while s.poll_transmit().is_some() {}
    }
    assert_eq!(s.stats().inbound_frames_dropped, 50);
    assert_eq!(drain(&mut s).len(), 50);
    assert_eq!(s.stats().encode_errors, 0);
    assert_eq!(s.stats().decode_errors, 0);
}

/// An encoder that refuses every frame, to see the session count it.
struct Refusing;

impl Encoder for Refusing {
    fn codec(&self) -> Codec {
        Codec::Pcmu
    }

    fn encode(&mut self, pcm: &[i16], _out: &mut [u8]) -> Result<usize, CodecError> {
        Err(CodecError::OutputTooSmall {
            needed: pcm.len(),
            capacity: 0,
        })
    }
}

#[test]
fn encoder_failures_are_counted_and_nothing_is_sent() {
    let start = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let decoder = codecs::decoder_for(Codec::Pcmu);
    let mut s = MediaSession::with_codecs(
        MediaConfig::new(Codec::Pcmu, remote()),
        Box::new(Refusing),
        decoder,
        &mut rng,
        start,
    )
    .unwrap();
    for k in 0..5 {
        s.handle_timeout(start + TICK * k);
    }
    let mut rtp_sent = 0;
    while let Some(t) = s.poll_transmit() {
        rtp_sent += usize::from(t.socket == media::SocketKind::Rtp);
    }
    assert_eq!(rtp_sent, 0);
    assert_eq!(s.stats().encode_errors, 5);
    assert_eq!(s.stats().packets_sent, 0);
}

#[test]
fn after_a_long_driver_stall_the_delay_returns_to_target_at_once() {
    let start = Instant::now();
    let mut s = session(Codec::Pcmu, start);
    let mut k = 0u32;
    // 20 ms PCMU packets, each arriving 30 ms after its media time; the
    // driver ticks in time, except between 3 s and 4 s.
    let mut step = |s: &mut MediaSession, tick: bool| {
        let now = start + TICK * k + Duration::from_millis(30);
        s.handle_rtp(now, remote(), rtp(0, k as u16, k * 160, &[0x55; 160]));
        if tick {
            s.handle_timeout(now);
            drain(s);
        }
        k += 1;
    };
    for _ in 0..150 {
        step(&mut s, true);
    }
    let before = s.stats().jitter_buffer;
    for _ in 0..50 {
        step(&mut s, false);
    }
    step(&mut s, true);
    let stalled = s.stats();
    assert_eq!(stalled.ticks_skipped, 41);
    // The frames of the skipped ticks are dropped, not played late.
    let dropped = stalled.jitter_buffer.frames_discarded - before.frames_discarded;
    assert!((40..=42).contains(&dropped), "{dropped} frames dropped");
    for _ in 0..50 {
        step(&mut s, true);
    }
    let after = s.stats().jitter_buffer;
    println!(
        "before {:?}, after {:?}",
        before.current_delay, after.current_delay
    );
    assert!(
        after.current_delay <= before.current_delay + TICK,
        "delay {:?} a second after the stall, {:?} before",
        after.current_delay,
        before.current_delay
    );
    assert_eq!(after.frames_missing, before.frames_missing);
}

fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// A 400 Hz tone of `n` samples at 8 kHz, amplitude 8000.
fn tone(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| (8000.0 * (i as f64 * 400.0 * std::f64::consts::TAU / 8000.0).sin()) as i16)
        .collect()
}

/// Where a hand-made stream starts, and which of its packets are lost.
#[derive(Default)]
struct Stream {
    sequence: u16,
    timestamp: u32,
    lost: Vec<u32>,
}

/// Sends one packet per tick in real time (arriving 30 ms after its media
/// time) and returns the frames played: `(packet index at the tick, frame)`.
fn play(
    codec: Codec,
    packets: &[(u8, Vec<u8>)],
    extra_ticks: u32,
) -> (MediaSession, Vec<(u32, InboundFrame)>) {
    play_stream(codec, packets, extra_ticks, &Stream::default())
}

fn play_stream(
    codec: Codec,
    packets: &[(u8, Vec<u8>)],
    extra_ticks: u32,
    stream: &Stream,
) -> (MediaSession, Vec<(u32, InboundFrame)>) {
    let start = Instant::now();
    let mut s = session(codec, start);
    let mut frames = Vec::new();
    for k in 0..packets.len() as u32 + extra_ticks {
        let now = start + TICK * k + Duration::from_millis(30);
        if let Some((pt, payload)) = packets
            .get(k as usize)
            .filter(|_| !stream.lost.contains(&k))
        {
            let sequence = stream.sequence.wrapping_add(k as u16);
            let timestamp = stream.timestamp.wrapping_add(k * 160);
            s.handle_rtp(now, remote(), rtp(*pt, sequence, timestamp, payload));
        }
        s.handle_timeout(now);
        frames.extend(drain(&mut s).into_iter().map(|f| (k, f)));
    }
    (s, frames)
}

/// `seconds` of a tone as 20 ms PCMU packets.
fn pcmu_tone(seconds: usize) -> Vec<(u8, Vec<u8>)> {
    let mut encoder = codecs::encoder_for(Codec::Pcmu);
    tone(8000 * seconds)
        .chunks(160)
        .map(|c| {
            let mut out = [0u8; 160];
            let n = encoder.encode(c, &mut out).unwrap();
            (0, out[..n].to_vec())
        })
        .collect()
}

#[test]
fn the_timestamp_and_sequence_wraps_pass_unnoticed() {
    let stream = Stream {
        sequence: 65_500,
        timestamp: 0xFFFF_F000,
        lost: Vec::new(),
    };
    // 10 s: the timestamp wraps after 0.5 s, the sequence after 0.72 s.
    let (s, frames) = play_stream(Codec::Pcmu, &pcmu_tone(10), 0, &stream);
    let q = s.stats();
    // RFC 3550 A.1: counting starts with the packet that ends probation.
    assert_eq!(q.packets_expected, 499);
    assert_eq!(q.packets_received, 499);
    assert_eq!(q.packets_lost, 0);
    assert_eq!(q.jitter_buffer.resyncs, 0);
    assert_eq!(q.jitter_buffer.frames_missing, 0);
    assert_eq!(
        q.jitter_buffer.frames_late + q.jitter_buffer.frames_discarded,
        0
    );
    let playing: Vec<&InboundFrame> = frames
        .iter()
        .map(|(_, f)| f)
        .skip_while(|f| f.kind == FrameKind::Silence)
        .collect();
    assert!(playing.len() >= 495, "{} frames played", playing.len());
    for (k, f) in playing.iter().enumerate() {
        assert!(
            matches!(f.kind, FrameKind::Audio | FrameKind::Compressed) && rms(&f.samples) > 3000.0,
            "frame {k}: {:?}, RMS {}",
            f.kind,
            rms(&f.samples)
        );
    }
}

#[test]
fn the_burst_ratio_comes_from_loss_runs() {
    // 20 s with 4.5 % loss: 45 isolated packets, or 9 runs of five.
    let packets = pcmu_tone(20);
    let isolated = Stream {
        lost: (1..=45).map(|k| k * 20).collect(),
        ..Stream::default()
    };
    let bursty = Stream {
        lost: (1..=9).flat_map(|k| k * 100..k * 100 + 5).collect(),
        ..Stream::default()
    };
    let (single, _) = play_stream(Codec::Pcmu, &packets, 0, &isolated);
    let (burst, _) = play_stream(Codec::Pcmu, &packets, 0, &bursty);
    let (a, b) = (single.stats(), burst.stats());
    println!(
        "isolated {:?}\nbursty {:?}",
        a.jitter_buffer, b.jitter_buffer
    );
    // A lost frame may be skipped instead of concealed when the delay is
    // above target; every one concealed is its own run.
    let (missing, runs) = (a.jitter_buffer.frames_missing, a.jitter_buffer.loss_events);
    assert_eq!(missing, runs);
    assert!(
        missing + a.jitter_buffer.frames_skipped >= 45,
        "{missing} missing"
    );
    let (missing, runs) = (b.jitter_buffer.frames_missing, b.jitter_buffer.loss_events);
    assert_eq!(runs, 9);
    assert!((40..=45).contains(&missing), "{missing} missing in bursts");
    assert!(
        (a.loss_percent - b.loss_percent).abs() < 0.01,
        "{} {}",
        a.loss_percent,
        b.loss_percent
    );
    // Same loss, but bursts sound worse (G.107 BurstR about 5 x 0.955).
    // Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl): about 2 points of R here.
    assert!(
        b.r_factor < a.r_factor - 1.5,
        "R {} bursty, {} isolated",
        b.r_factor,
        a.r_factor
    );
}

#[test]
fn comfort_noise_plays_at_the_level_the_remote_party_signalled() {
    let mut packets = pcmu_tone(1);
    // RFC 3389: level 40 -dBov, then the sender stays silent.
    packets.push((13, vec![40]));
    let (s, frames) = play(Codec::Pcmu, &packets, 50);
    let noise: Vec<&InboundFrame> = frames
        .iter()
        .filter(|(k, _)| *k > 60)
        .map(|(_, f)| f)
        .collect();
    assert_eq!(noise.len(), 40);
    let expected = 32767.0 * 10f64.powf(-40.0 / 20.0);
    for f in noise {
        assert_eq!(f.kind, FrameKind::ComfortNoise);
        let level = rms(&f.samples);
        assert!(
            (expected * 0.8..expected * 1.25).contains(&level),
            "comfort noise RMS {level}, signalled {expected}"
        );
    }
    // The silence after comfort noise is neither loss nor concealment.
    let jb = s.stats().jitter_buffer;
    assert_eq!(jb.frames_missing, 0);
    assert_eq!(jb.concealment_events, 0);
}

#[test]
fn a_payload_the_decoder_rejects_is_concealed_and_counted() {
    let mut encoder = codecs::encoder_for(Codec::Gsm);
    let pcm = tone(160 * 40);
    let mut packets: Vec<(u8, Vec<u8>)> = pcm
        .chunks(160)
        .map(|c| {
            let mut out = [0u8; 33];
            let n = encoder.encode(c, &mut out).unwrap();
            (3, out[..n].to_vec())
        })
        .collect();
    // Frame 20 loses the GSM signature (its top nibble must be 0xD).
    packets[20].1[0] &= 0x0f;
    let (s, frames) = play(Codec::Gsm, &packets, 10);
    assert_eq!(s.stats().decode_errors, 1);
    let kinds: Vec<FrameKind> = frames
        .iter()
        .map(|(_, f)| f.kind)
        .skip_while(|k| *k == FrameKind::Silence)
        .take(40)
        .collect();
    let concealed: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| **k != FrameKind::Audio)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(concealed, vec![20], "{kinds:?}");
    assert_eq!(kinds[20], FrameKind::Concealed);
    // The concealment continues the tone rather than going silent.
    let frame_20 = &frames
        .iter()
        .find(|(_, f)| f.kind == FrameKind::Concealed)
        .unwrap()
        .1;
    assert!(rms(&frame_20.samples) > 1000.0);
}
