//! Property tests: no input sequence makes the parsers, the jitter buffer or
//! a whole session panic, and memory stays bounded whatever arrives.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use codecs::Codec;
use media::jitter::{JitterBuffer, JitterConfig, Playout};
use media::rtcp::parse_compound;
use media::rtp::RtpPacket;
use media::{MediaConfig, MediaSession};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x7452_554e_4b4c_494e),
        ..ProptestConfig::default()
    })]

    #[test]
    fn rtp_parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = RtpPacket::parse(Bytes::from(data.clone())) {
            prop_assert!(p.payload_bytes().len() <= data.len() - 12);
            prop_assert!(p.csrcs().count() <= 15);
        }
    }

    #[test]
    fn rtcp_parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(packets) = parse_compound(&Bytes::from(data.clone())) {
            prop_assert!(!packets.is_empty() && packets.len() <= data.len() / 4);
        }
    }

    #[test]
    fn jitter_buffer_survives_any_arrivals(
        ops in proptest::collection::vec((any::<bool>(), 0u64..200_000, any::<u32>(), any::<bool>()), 0..600)
    ) {
        let start = Instant::now();
        let mut now = start;
        let mut jb = JitterBuffer::new(JitterConfig::default(), 8000);
        let mut pops = 0u64;
        for (is_pop, advance_us, timestamp, cn) in ops {
            now += Duration::from_micros(advance_us);
            if is_pop {
                pops += 1;
                match jb.pop(now) {
                    Playout::Frame { .. } | Playout::Compress { .. } | Playout::Conceal | Playout::Silence => {}
                }
            } else {
                jb.push(now, timestamp, Bytes::from_static(&[0xff; 160]), cn);
            }
            prop_assert!(jb.len() <= 128, "buffer holds {} frames", jb.len());
        }
        let s = jb.stats();
        prop_assert!(s.frames_played <= s.frames_received);
        prop_assert!(s.concealed_samples <= pops * 160);
    }

    #[test]
    fn a_session_survives_any_input(
        seed in any::<u64>(),
        inputs in proptest::collection::vec(
            (0u8..8, 0u64..60_000, proptest::collection::vec(any::<u8>(), 0..200), any::<u16>(), any::<u32>(), 0u8..4),
            0..300,
        )
    ) {
        let start = Instant::now();
        let mut now = start;
        let remote = SocketAddr::from(([10, 0, 0, 2], 4000));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut config = MediaConfig::new(Codec::Pcmu, remote);
        config.max_outbound_queue = Duration::from_secs(2);
        let mut s = MediaSession::new(config, &mut rng, start).unwrap();
        for (kind, advance_us, body, seq, ts, source) in inputs {
            now += Duration::from_micros(advance_us);
            let from = SocketAddr::from(([10, 0, 0, 2 + source], 4000 + u16::from(source)));
            match kind {
                0 | 1 => {
                    // A well-formed header from one of four sources, any payload type.
                    let pt = [0u8, 13, 101, 8][usize::from(source)];
                    let mut raw = vec![0x80, pt | if seq % 7 == 0 { 0x80 } else { 0 }];
                    raw.extend_from_slice(&seq.to_be_bytes());
                    raw.extend_from_slice(&ts.to_be_bytes());
                    raw.extend_from_slice(&[0, 0, 0, source]);
                    raw.extend_from_slice(&body);
                    s.handle_rtp(now, from, Bytes::from(raw));
                }
                2 => s.handle_rtp(now, from, Bytes::from(body)),
                3 => s.handle_rtcp(now, from, Bytes::from(body)),
                4 => {
                    let pcm: Vec<i16> = body.iter().map(|&b| i16::from(b) << 6).collect();
                    let rate = [8000, 16000, 24000, 48000, 11025][usize::from(seq % 5)];
                    let _ = s.queue_outbound(&pcm, rate);
                    let marked = s.mark(format!("m{}", seq));
                    prop_assert!(marked.is_ok());
                }
                5 => s.clear(),
                6 => { let _ = s.send_dtmf(char::from(body.first().copied().unwrap_or(b'5')), Duration::from_millis(u64::from(seq))); }
                _ => {}
            }
            s.handle_timeout(now);
            let mut frames = 0;
            while s.poll_inbound_frame().is_some() { frames += 1; }
            prop_assert!(frames <= 50);
            while s.poll_transmit().is_some() {}
            while s.poll_event().is_some() {}
            prop_assert!(s.poll_timeout().is_some_and(|t| t > now));
            prop_assert!(s.outbound_queued() <= Duration::from_secs(2));
        }
        let _ = s.stats();
    }
}
