//! Two media sessions talking through a seeded simulated network, driven by
//! always advancing to the earliest deadline (no real time passes).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use codecs::Codec;
use media::rtp::RtpPacket;
use media::{FrameKind, InboundFrame, MediaConfig, MediaEvent, MediaSession, SocketKind};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

const TICK: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy)]
struct Link {
    delay: Duration,
    jitter: Duration,
    loss: f64,
}

impl Link {
    const CLEAN: Link = Link {
        delay: Duration::from_millis(40),
        jitter: Duration::ZERO,
        loss: 0.0,
    };
}

struct Datagram {
    to: SocketAddr,
    from: SocketAddr,
    rtcp: bool,
    payload: Bytes,
}

struct Peer {
    session: MediaSession,
    rtp: SocketAddr,
    rtcp: SocketAddr,
    /// What the world sees as this peer's source address (NAT), if rewritten.
    nat: Option<SocketAddr>,
    frames: Vec<(Instant, InboundFrame)>,
    events: Vec<(Instant, MediaEvent)>,
    sent_rtp: Vec<(Instant, RtpPacket)>,
    sent_rtcp: Vec<(Instant, Bytes)>,
    muted: bool,
}

struct Pair {
    now: Instant,
    start: Instant,
    peers: [Peer; 2],
    link: Link,
    rng: ChaCha8Rng,
    queue: BinaryHeap<(Reverse<Instant>, Reverse<u64>, usize)>,
    in_flight: Vec<Option<Datagram>>,
    counter: u64,
}

fn addr(host: u8, port: u16) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, host], port))
}

fn peer(
    codec: Codec,
    me: u8,
    other: u8,
    seed: u64,
    now: Instant,
    tweak: impl Fn(&mut MediaConfig),
) -> Peer {
    let mut config = MediaConfig::new(codec, addr(other, 4000));
    config.cname = format!("peer{me}@test");
    tweak(&mut config);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Peer {
        session: MediaSession::new(config, &mut rng, now).expect("session"),
        rtp: addr(me, 4000),
        rtcp: addr(me, 4001),
        nat: None,
        frames: Vec::new(),
        events: Vec::new(),
        sent_rtp: Vec::new(),
        sent_rtcp: Vec::new(),
        muted: false,
    }
}

impl Pair {
    fn new(codec: Codec, link: Link, seed: u64) -> Pair {
        Pair::with(codec, link, seed, |_| {})
    }

    fn with(codec: Codec, link: Link, seed: u64, tweak: impl Fn(&mut MediaConfig) + Copy) -> Pair {
        let start = Instant::now();
        Pair {
            now: start,
            start,
            peers: [
                peer(codec, 1, 2, seed, start, tweak),
                peer(codec, 2, 1, seed + 1, start, tweak),
            ],
            link,
            rng: ChaCha8Rng::seed_from_u64(seed + 100),
            queue: BinaryHeap::new(),
            in_flight: Vec::new(),
            counter: 0,
        }
    }

    fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn drain(&mut self, i: usize) {
        let now = self.now;
        while let Some(t) = self.peers[i].session.poll_transmit() {
            let p = &mut self.peers[i];
            let rtcp = t.socket == SocketKind::Rtcp;
            let from = match (p.nat, rtcp) {
                (Some(nat), false) => nat,
                (_, false) => p.rtp,
                (_, true) => p.rtcp,
            };
            if rtcp {
                p.sent_rtcp.push((now, t.payload.clone()));
            } else {
                p.sent_rtp.push((
                    now,
                    RtpPacket::parse(t.payload.clone()).expect("own RTP parses"),
                ));
            }
            if p.muted || self.unit() < self.link.loss {
                continue;
            }
            let jitter = self.link.jitter.mul_f64(self.unit());
            let at = now + self.link.delay + jitter;
            self.counter += 1;
            self.in_flight.push(Some(Datagram {
                to: t.to,
                from,
                rtcp,
                payload: t.payload,
            }));
            self.queue
                .push((Reverse(at), Reverse(self.counter), self.in_flight.len() - 1));
        }
        while let Some(e) = self.peers[i].session.poll_event() {
            self.peers[i].events.push((now, e));
        }
        while let Some(f) = self.peers[i].session.poll_inbound_frame() {
            self.peers[i].frames.push((now, f));
        }
    }

    /// Inject a datagram as if it arrived from `from` at peer `i` now.
    fn inject(&mut self, i: usize, from: SocketAddr, payload: Bytes) {
        self.peers[i].session.handle_rtp(self.now, from, payload);
        self.drain(i);
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            let mut next = end;
            for p in &self.peers {
                if let Some(t) = p.session.poll_timeout() {
                    next = next.min(t);
                }
            }
            if let Some((Reverse(t), _, _)) = self.queue.peek() {
                next = next.min(*t);
            }
            if next > end || (next == end && self.now == end) {
                break;
            }
            self.now = next.max(self.now);
            while self
                .queue
                .peek()
                .is_some_and(|(Reverse(t), _, _)| *t <= self.now)
            {
                let (_, _, index) = self.queue.pop().expect("peeked");
                let Some(d) = self.in_flight[index].take() else {
                    continue;
                };
                let Some(i) = self.peers.iter().position(|p| p.rtp.ip() == d.to.ip()) else {
                    continue;
                };
                if d.rtcp {
                    self.peers[i]
                        .session
                        .handle_rtcp(self.now, d.from, d.payload);
                } else {
                    self.peers[i]
                        .session
                        .handle_rtp(self.now, d.from, d.payload);
                }
            }
            for i in 0..2 {
                if self.peers[i]
                    .session
                    .poll_timeout()
                    .is_some_and(|t| t <= self.now)
                {
                    self.peers[i].session.handle_timeout(self.now);
                }
                self.drain(i);
            }
            if self.now == end {
                break;
            }
        }
    }
}

fn tone(rate: u32, ms: u32, freq: f64) -> Vec<i16> {
    let n = (rate * ms / 1000) as usize;
    (0..n)
        .map(|i| {
            (8000.0 * (i as f64 * freq * std::f64::consts::TAU / f64::from(rate)).sin()) as i16
        })
        .collect()
}

fn is_silence_payload(p: &RtpPacket) -> bool {
    p.payload_bytes().iter().all(|&b| b == 0xff)
}

fn energy(f: &InboundFrame) -> f64 {
    f.samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / f.samples.len() as f64
}

#[test]
fn one_frame_per_tick_and_the_tone_gets_through_a_jittery_lossy_link() {
    for codec in [Codec::Pcmu, Codec::Pcma, Codec::Gsm, Codec::G729] {
        let link = Link {
            delay: Duration::from_millis(30),
            jitter: Duration::from_millis(40),
            loss: 0.02,
        };
        let mut pair = Pair::new(codec, link, 7);
        pair.peers[0]
            .session
            .queue_outbound(&tone(16000, 4000, 440.0), 16000)
            .unwrap();
        pair.run_for(Duration::from_secs(10));
        let frames = &pair.peers[1].frames;
        // 10 s of ticks, the first at t = 0: 501 frames, each at its tick.
        assert_eq!(frames.len(), 501, "{codec}");
        for (k, (at, _)) in frames.iter().enumerate() {
            assert_eq!(
                *at,
                pair.start + TICK * k as u32,
                "{codec}: frame {k} off its tick"
            );
        }
        let loud = frames
            .iter()
            .filter(|(_, f)| {
                matches!(
                    f.kind,
                    FrameKind::Audio | FrameKind::Concealed | FrameKind::Compressed
                ) && energy(f) > 1.0e6
            })
            .count();
        // 4 s of tone = 200 frames, some concealed; the tone RMS is 5657 (3.2e7).
        assert!((190..=205).contains(&loud), "{codec}: {loud} loud frames");
        let q = pair.peers[1].session.stats();
        println!("{codec}: {q:#?}");
        assert!(
            q.jitter_buffer.frames_late as f64 <= 0.01 * q.packets_received as f64,
            "{codec}: {q:?}"
        );
    }
}

#[test]
fn dtmf_round_trip_reports_each_press_once() {
    for (link, seed) in [
        (Link::CLEAN, 1),
        (
            Link {
                loss: 0.15,
                ..Link::CLEAN
            },
            2,
        ),
    ] {
        let mut pair = Pair::new(Codec::Pcmu, link, seed);
        for digit in ['1', '#', '9', 'A'] {
            pair.peers[0]
                .session
                .send_dtmf(digit, Duration::from_millis(120))
                .unwrap();
        }
        pair.run_for(Duration::from_secs(3));
        let digits: Vec<(char, Duration)> = pair.peers[1]
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                MediaEvent::Dtmf { digit, duration } => Some((*digit, *duration)),
                _ => None,
            })
            .collect();
        assert_eq!(
            digits.iter().map(|d| d.0).collect::<String>(),
            "1#9A",
            "loss {}",
            link.loss
        );
        if link.loss == 0.0 {
            assert!(
                digits.iter().all(|d| d.1 == Duration::from_millis(120)),
                "{digits:?}"
            );
        }
        // The sender side of the first digit, packet by packet.
        let sent: Vec<&(Instant, RtpPacket)> = pair.peers[0]
            .sent_rtp
            .iter()
            .filter(|(_, p)| p.payload_type() == 101)
            .collect();
        assert_eq!(sent.len(), 4 * 6, "start, 2 updates, 3 ends per digit");
        let first = &sent[..6];
        let ts = first[0].1.timestamp();
        assert!(first[0].1.marker() && first[1..].iter().all(|(_, p)| !p.marker()));
        assert!(first.iter().all(|(_, p)| p.timestamp() == ts));
        for w in first.windows(2) {
            assert_eq!(w[1].1.sequence(), w[0].1.sequence().wrapping_add(1));
        }
        let durations: Vec<(u16, bool, u128)> = first
            .iter()
            .map(|(at, p)| {
                let b = p.payload_bytes();
                (
                    u16::from_be_bytes([b[2], b[3]]),
                    b[1] & 0x80 != 0,
                    (*at - first[0].0).as_millis(),
                )
            })
            .collect();
        assert_eq!(
            durations,
            vec![
                (0, false, 0),
                (400, false, 50),
                (800, false, 100),
                (960, true, 120),
                (960, true, 140),
                (960, true, 160)
            ]
        );
    }
}

#[test]
fn marks_complete_with_the_last_frame_and_clear_is_immediate() {
    let mut pair = Pair::new(Codec::Pcmu, Link::CLEAN, 3);
    let a = &mut pair.peers[0].session;
    a.queue_outbound(&tone(8000, 1000, 300.0), 8000).unwrap();
    a.mark("one-second").unwrap();
    a.queue_outbound(&tone(24000, 500, 300.0), 24000).unwrap();
    a.mark("and-a-half").unwrap();
    pair.run_for(Duration::from_secs(2));
    let peer = &pair.peers[0];
    let audio: Vec<Instant> = peer
        .sent_rtp
        .iter()
        .filter(|(_, p)| !is_silence_payload(p))
        .map(|(t, _)| *t)
        .collect();
    // 1.5 s of audio and the resampler's last 4 ms (its group delay).
    assert_eq!(audio.len(), 76);
    assert!(
        peer.sent_rtp
            .iter()
            .find(|(_, p)| !is_silence_payload(p))
            .is_some_and(|(_, p)| p.marker()),
        "talk spurt opens with the marker bit"
    );
    let marks: Vec<(Instant, String)> = peer
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            MediaEvent::MarkDone {
                name,
                cleared: false,
            } => Some((*t, name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        marks,
        vec![
            (audio[49], "one-second".to_owned()),
            (audio[75], "and-a-half".to_owned())
        ]
    );
    // The talk spurt starts one tick after its audio was queued.
    assert_eq!(audio[0], pair.start + TICK);
    assert_eq!(audio[49], pair.start + TICK * 50);

    // Barge-in: clear 200 ms into 3 s of speech.
    let a = &mut pair.peers[0].session;
    a.queue_outbound(&tone(8000, 3000, 300.0), 8000).unwrap();
    a.mark("greeting").unwrap();
    pair.run_for(Duration::from_millis(200));
    let sent_before = pair.peers[0].sent_rtp.len();
    pair.peers[0].session.clear();
    let event = pair.peers[0].session.poll_event();
    assert_eq!(
        event,
        Some(MediaEvent::MarkDone {
            name: "greeting".into(),
            cleared: true
        })
    );
    pair.run_for(Duration::from_millis(100));
    let after = &pair.peers[0].sent_rtp[sent_before..];
    assert_eq!(after.len(), 5);
    assert!(
        after
            .iter()
            .all(|(_, p)| is_silence_payload(p) && !p.marker()),
        "silence at once after clear"
    );
    assert_eq!(pair.peers[0].session.outbound_queued(), Duration::ZERO);
    pair.peers[0]
        .session
        .queue_outbound(&tone(8000, 100, 300.0), 8000)
        .unwrap();
    // Streaming audio (no mark after it yet) starts one tick later.
    pair.run_for(Duration::from_millis(40));
    let sent = &pair.peers[0].sent_rtp;
    let (held, next) = (&sent[sent.len() - 2].1, &sent[sent.len() - 1].1);
    assert!(is_silence_payload(held), "first tick held back");
    assert!(
        next.marker() && !is_silence_payload(next),
        "new talk spurt marked"
    );
}

#[test]
fn no_media_fires_after_ten_silent_seconds_and_resumes() {
    let mut pair = Pair::new(Codec::Pcmu, Link::CLEAN, 4);
    pair.peers[0].muted = true;
    pair.run_for(Duration::from_secs(12));
    let no_media: Vec<&(Instant, MediaEvent)> = pair.peers[1]
        .events
        .iter()
        .filter(|(_, e)| matches!(e, MediaEvent::NoMedia { .. }))
        .collect();
    assert_eq!(no_media.len(), 1);
    assert_eq!(no_media[0].0, pair.start + Duration::from_secs(10));
    pair.peers[0].muted = false;
    pair.run_for(Duration::from_secs(1));
    assert!(
        pair.peers[1]
            .events
            .iter()
            .any(|(_, e)| *e == MediaEvent::MediaResumed)
    );
}

#[test]
fn symmetric_rtp_latches_behind_nat_and_ignores_strays() {
    let mut pair = Pair::new(Codec::Pcmu, Link::CLEAN, 5);
    let nat = SocketAddr::from(([203, 0, 113, 5], 61000));
    pair.peers[0].nat = Some(nat);
    // B knows A only by its signalled address, but A's packets come from
    // the NAT. The harness routes by destination IP, so B's replies to the
    // NAT address would be lost: count them instead.
    pair.run_for(Duration::from_millis(200));
    let b = &pair.peers[1];
    assert!(
        b.events
            .iter()
            .any(|(_, e)| *e == MediaEvent::RemoteAddressLatched { address: nat })
    );
    assert_eq!(b.session.remote_rtp_address(), nat);
    // A stray packet from elsewhere, well-formed, with another SSRC.
    let stray = SocketAddr::from(([198, 51, 100, 66], 4000));
    let mut raw = vec![0x80, 0, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef];
    raw.extend_from_slice(&[0xff; 160]);
    for seq in 1..10u8 {
        raw[3] = seq;
        pair.inject(1, stray, Bytes::from(raw.clone()));
    }
    pair.run_for(Duration::from_millis(200));
    assert_eq!(pair.peers[1].session.remote_rtp_address(), nat);
    assert!(pair.peers[1].session.stats().ignored_packets >= 9);
}

#[test]
fn a_new_remote_source_is_followed() {
    let mut pair = Pair::new(Codec::Pcmu, Link::CLEAN, 6);
    pair.peers[0]
        .session
        .queue_outbound(&tone(8000, 5000, 500.0), 8000)
        .unwrap();
    pair.run_for(Duration::from_secs(1));
    let old_ssrc = pair.peers[0].session.local_ssrc();
    // The remote end restarts its media stack: new SSRC, sequence, timestamps.
    let replacement = peer(Codec::Pcmu, 1, 2, 999, pair.now, |_| {});
    pair.peers[0].session = replacement.session;
    pair.peers[0]
        .session
        .queue_outbound(&tone(8000, 2000, 500.0), 8000)
        .unwrap();
    let switch_at = pair.now;
    pair.run_for(Duration::from_secs(1));
    let new_ssrc = pair.peers[0].session.local_ssrc();
    assert!(pair.peers[1].events.iter().any(|(_, e)| *e
        == MediaEvent::RemoteSsrcChanged {
            old: old_ssrc,
            new: new_ssrc
        }));
    let resumed = pair.peers[1]
        .frames
        .iter()
        .find(|(t, f)| *t > switch_at && f.kind == FrameKind::Audio && energy(f) > 1.0e6)
        .map(|(t, _)| *t - switch_at)
        .expect("audio after the switch");
    assert!(
        resumed <= Duration::from_millis(200),
        "audio resumed after {resumed:?}"
    );
}

#[test]
fn rtcp_gives_round_trip_time_and_bye() {
    let mut pair = Pair::new(Codec::Pcmu, Link::CLEAN, 8);
    pair.peers[0]
        .session
        .queue_outbound(&tone(8000, 30_000, 500.0), 8000)
        .unwrap();
    pair.run_for(Duration::from_secs(60));
    for p in &pair.peers {
        let reports = p.sent_rtcp.len();
        // Intervals are uniform in [0.5, 1.5] x 5 s / 1.218 (the first 2.5 s).
        assert!((8..=30).contains(&reports), "{reports} reports in a minute");
        let rtt = p.session.stats().round_trip_time.expect("RTT measured");
        let error = rtt.as_secs_f64() - 0.080;
        assert!(error.abs() < 0.001, "RTT {rtt:?}");
    }
    let q = pair.peers[1].session.stats();
    assert_eq!(q.packets_lost, 0);
    assert!(q.mos > 4.3, "{q:?}");
    pair.peers[0].session.close(pair.now);
    pair.drain(0);
    pair.run_for(Duration::from_millis(100));
    assert!(
        pair.peers[1]
            .events
            .iter()
            .any(|(_, e)| *e == MediaEvent::RemoteBye)
    );
    assert_eq!(pair.peers[0].session.poll_timeout(), None);
}

#[test]
fn call_quality_reflects_loss() {
    let lossy = Link {
        loss: 0.05,
        ..Link::CLEAN
    };
    let mut pair = Pair::new(Codec::Pcmu, lossy, 9);
    pair.run_for(Duration::from_secs(60));
    let q = pair.peers[1].session.stats();
    println!("{q:#?}");
    assert!((3.5..6.5).contains(&q.loss_percent), "{q:?}");
    assert!(q.mos < 4.0 && q.mos > 2.5, "{q:?}");
    let remote = pair.peers[0]
        .session
        .stats()
        .remote_loss_percent
        .expect("peer reported");
    assert!(remote < 20.0, "{remote}");
}

#[test]
fn packets_of_10_to_60_ms_play_continuously() {
    let cases = [
        (Codec::Pcmu, 10),
        (Codec::Pcmu, 30),
        (Codec::Pcmu, 60),
        (Codec::Pcma, 50),
        (Codec::G729, 10),
        (Codec::G729, 30),
        (Codec::G729, 40),
        (Codec::Gsm, 40),
    ];
    for (codec, ptime_ms) in cases {
        let link = Link {
            delay: Duration::from_millis(30),
            jitter: Duration::from_millis(15),
            loss: 0.0,
        };
        let ptime = Duration::from_millis(ptime_ms);
        let mut pair = Pair::with(codec, link, 11, |c| c.ptime = ptime);
        pair.peers[0]
            .session
            .queue_outbound(&tone(8000, 3000, 440.0), 8000)
            .unwrap();
        pair.run_for(Duration::from_millis(600));
        let before = pair.peers[1].session.stats().jitter_buffer;
        let steady_from = pair.peers[1].frames.len();
        pair.run_for(Duration::from_millis(2200));
        let after = pair.peers[1].session.stats().jitter_buffer;
        let label = format!("{codec} at {ptime_ms} ms");

        // The sender packs ptime of audio per packet, one packet per ptime.
        let audio: Vec<_> = pair.peers[0]
            .sent_rtp
            .iter()
            .filter(|(_, p)| p.payload_type() == codec.payload_type())
            .collect();
        let samples = ptime_ms as usize * 8;
        let bytes = samples / codec.frame_samples() * codec.frame_bytes();
        for pair_of in audio.windows(2) {
            let ((t0, p0), (t1, p1)) = (pair_of[0], pair_of[1]);
            assert_eq!(p0.payload_bytes().len(), bytes, "{label}");
            assert_eq!(*t1 - *t0, ptime, "{label}");
            assert_eq!(
                p1.timestamp().wrapping_sub(p0.timestamp()),
                samples as u32,
                "{label}"
            );
        }

        // The receiver (20 ms frames) plays the tone without a gap.
        let steady = &pair.peers[1].frames[steady_from..];
        assert_eq!(steady.len(), 110, "{label}");
        for (at, frame) in steady {
            assert!(
                matches!(frame.kind, FrameKind::Audio | FrameKind::Compressed),
                "{label}: {:?} at {:?}",
                frame.kind,
                *at - pair.start
            );
            for half in frame.samples.chunks(80) {
                let e = half.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / 80.0;
                assert!(e > 1.0e6, "{label}: quiet 10 ms at {:?}", *at - pair.start);
            }
        }
        assert_eq!(after.concealed_samples, before.concealed_samples, "{label}");
        assert_eq!(after.frames_duplicated, 0, "{label}");
        assert_eq!(after.frames_late, 0, "{label}");
        assert!(after.frames_played > before.frames_played + 100, "{label}");
    }
}
