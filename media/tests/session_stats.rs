//! A single session driven directly: the counters it reports in
//! `CallQuality`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use codecs::{Codec, CodecError, Encoder};
use media::{InboundFrame, MediaConfig, MediaSession};
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
    let decoder = codecs::decoder_for(Codec::Pcmu).unwrap();
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
