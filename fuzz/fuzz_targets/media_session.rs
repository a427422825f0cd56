//! A media session of each codec fed arbitrary RTP and RTCP datagrams from
//! three sources (the signalled address, a NAT-rewritten one, a stranger),
//! well-formed headers with arbitrary payloads (audio, comfort noise,
//! telephone events), bot audio, marks, clears, DTMF and timeouts: never a
//! panic, exactly one inbound frame per 20 ms tick, bounded queues.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use codecs::Codec;
use libfuzzer_sys::fuzz_target;
use media::dtmf::TelephoneEvent;
use media::{MediaConfig, MediaSession};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const CODECS: [Codec; 4] = [Codec::Pcmu, Codec::Pcma, Codec::Gsm, Codec::G729];

fuzz_target!(|data: &[u8]| {
    let Some((&setup, mut rest)) = data.split_first() else {
        return;
    };
    let codec = CODECS[usize::from(setup & 3)];
    let sources = [
        SocketAddr::from(([10, 0, 0, 2], 4000)),
        SocketAddr::from(([192, 0, 2, 7], 31000)),
        SocketAddr::from(([203, 0, 113, 9], 5004)),
    ];
    let mut config = MediaConfig::new(codec, sources[0]);
    config.rtcp_mux = setup & 4 != 0;
    config.send_silence = setup & 8 != 0;
    if setup & 16 != 0 {
        config.ptime = MediaConfig::ptime_for(codec, Some(u32::from(setup >> 5) * 10));
    }
    let start = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(setup));
    let Ok(mut session) = MediaSession::new(config, &mut rng, start) else {
        return;
    };
    let mut now = start;
    let mut ticks_due = 1u64;
    let mut frames = 0u64;
    // Each record: op, source, time advance (u16, 100 µs units), length, then `length` bytes.
    while let [op, source, t0, t1, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(len);
        rest = next;
        now += Duration::from_micros(u64::from(u16::from_le_bytes([*t0, *t1])) * 100);
        let from = sources[usize::from(*source % 3)];
        match op % 9 {
            0 => session.handle_rtp(now, from, Bytes::copy_from_slice(body)),
            1 | 2 => {
                // A well-formed header: audio, comfort noise, an event or any type.
                let pt = [codec.payload_type(), 13, 101, source >> 1][usize::from(op >> 4) % 4];
                let ts = u32::from(*t0) << 24 | u32::from(*t1) << 8;
                let mut raw = vec![0x80, pt | (op & 0x80), *source, *t0];
                raw.extend_from_slice(&ts.to_be_bytes());
                raw.extend_from_slice(&[0, 0, 0, op >> 6]);
                raw.extend_from_slice(body);
                if pt == 101 {
                    let _ = TelephoneEvent::parse(body);
                }
                session.handle_rtp(now, from, Bytes::from(raw));
            }
            3 => session.handle_rtcp(now, from, Bytes::copy_from_slice(body)),
            4 => {
                let pcm: Vec<i16> = body
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
                let rate = [8000, 16000, 24000, 48000, 44100][usize::from(*source % 5)];
                let _ = session.queue_outbound(&pcm, rate);
            }
            5 => {
                let _ = session.mark(String::from_utf8_lossy(body).into_owned());
            }
            6 => session.clear(),
            7 => {
                let digit = char::from(body.first().copied().unwrap_or(b'5'));
                let _ = session.send_dtmf(digit, Duration::from_millis(u64::from(*t0) * 4));
            }
            _ => session.set_remote(from, None),
        }
        if let Some(deadline) = session.poll_timeout() {
            if deadline <= now {
                session.handle_timeout(now);
            }
        }
        while session.poll_transmit().is_some() {}
        while session.poll_event().is_some() {}
        while session.poll_inbound_frame().is_some() {
            frames += 1;
        }
        ticks_due = (now - start).as_micros() as u64 / 20_000 + 1;
        assert!(session.outbound_queued() <= Duration::from_secs(121));
    }
    // Never more than one frame per tick (ticks skipped after a stall give none).
    assert!(frames <= ticks_due, "{frames} frames in {ticks_due} ticks");
    let _ = session.stats();
});
