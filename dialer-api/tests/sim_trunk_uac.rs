//! The trunk simulator against a caller written here on sip-core: the RTP it
//! sends (greeting bytes, cadence, echo, RTCP), retransmissions, the missing
//! ACK, CANCEL, authentication variants, codec refusal, re-INVITE, the
//! no-answer timeout and shutdown.

mod sim_support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use codecs::g711;
use dialer_api::event_line::EventLine;
use dialer_api::sim::{
    CallEnd, InviteAuth, OutcomeRule, OutcomeWeights, SimConfig, SimEvent, SimTrunk, WrongPassword,
    greeting,
};
use media::rtp::{RtpHeader, RtpPacket};
use sim_support::uac::{PATIENCE, Uac};
use sim_support::*;
use sip_core::sdp::{Codec, SessionDescription};
use sip_core::transaction::TimerConfig;
use sip_core::{Message, Method, StatusCode};

fn always_answer() -> OutcomeWeights {
    OutcomeWeights {
        answer: 1.0,
        busy: 0.0,
        no_answer: 0.0,
        unavailable: 0.0,
    }
}

fn config() -> SimConfig {
    let mut c = SimConfig::loopback();
    c.plan.weights = always_answer();
    c.plan.ring_min = Duration::from_millis(200);
    c.plan.ring_max = Duration::from_millis(400);
    c
}

fn fast_timers() -> TimerConfig {
    TimerConfig {
        t1: Duration::from_millis(100),
        t2: Duration::from_millis(400),
        t4: Duration::from_millis(500),
    }
}

fn rule(text: &str) -> OutcomeRule {
    text.parse().unwrap()
}

/// Power of `x` at `freq` (8 kHz samples), normalised by length.
fn power_at(x: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, s) in x.iter().enumerate() {
        re += f64::from(*s) * (w * n as f64).cos();
        im += f64::from(*s) * (w * n as f64).sin();
    }
    (re * re + im * im) / x.len().max(1) as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_call_plays_the_greeting_then_echoes_at_a_steady_20ms() {
    let mut c = config();
    c.greeting = Duration::from_secs(1);
    c.talk_time = Duration::from_secs(4);
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "trunkline", "secret").await;
    let offer = uac.offer(&[Codec::pcmu()], "sendrecv");
    uac.invite_with_auth("+60123456789", &offer).await;
    let ringing = uac.expect(180).await;
    assert!(ringing.headers.to().unwrap().tag().is_some());
    let answer = uac.expect(200).await;
    let request = uac.ack_2xx(&answer);
    uac.send(&request).await;
    let sdp = SessionDescription::parse(&answer.body).unwrap();
    let m = &sdp.media[0];
    assert_eq!(m.formats, ["0", "101"], "PCMU and telephone-event");
    let sim_rtp = std::net::SocketAddr::new(IpAddr::from([127, 0, 0, 1]), m.port);

    // Send a 1 kHz tone at 20 ms for 3 s while recording what arrives.
    let tone: Vec<i16> = (0..8000 * 3)
        .map(|n| (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / 8000.0).sin()) as i16)
        .collect();
    let rtp = &uac.rtp;
    let rtcp = &uac.rtcp;
    // Our RTP goes out from the socket we receive on (the simulator latches
    // on the source address, as symmetric RTP wants).
    let mut chunks = tone.chunks(160).enumerate();
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    let mut arrivals: Vec<(Instant, RtpPacket)> = Vec::new();
    let mut rtcp_types: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 2048];
    let mut rbuf = vec![0u8; 2048];
    let until = tokio::time::Instant::now() + Duration::from_millis(3500);
    loop {
        tokio::select! {
            r = rtp.recv_from(&mut buf) => {
                let (n, _) = r.unwrap();
                arrivals.push((Instant::now(), RtpPacket::parse(Bytes::copy_from_slice(&buf[..n])).unwrap()));
            }
            r = rtcp.recv_from(&mut rbuf) => {
                let (n, _) = r.unwrap();
                rtcp_types.push(rbuf[1.min(n - 1)]);
            }
            _ = pace.tick() => {
                if let Some((k, chunk)) = chunks.next() {
                    let mut ulaw = [0u8; 160];
                    g711::ulaw_encode_slice(chunk, &mut ulaw);
                    let header = RtpHeader {
                        marker: k == 0,
                        payload_type: 0,
                        sequence: k as u16,
                        timestamp: (k * 160) as u32,
                        ssrc: 0x5151_5151,
                    };
                    let mut out = bytes::BytesMut::new();
                    header.write(&ulaw, &mut out);
                    rtp.send_to(&out, sim_rtp).await.unwrap();
                }
            }
            () = tokio::time::sleep_until(until) => break,
        }
    }

    // The greeting starts a talk spurt (marker) one tick after it was queued, the playout
    // queue's lead for audio streamed in chunks; silence before it. Then it is the first
    // second, byte for byte.
    let expected = greeting(Duration::from_secs(1));
    assert!(arrivals.len() > 150, "{} packets", arrivals.len());
    let start = arrivals.iter().position(|(_, p)| p.marker());
    assert_eq!(start, Some(1), "the greeting's first packet");
    let mut silence = [0u8; 160];
    g711::ulaw_encode_slice(&[0; 160], &mut silence);
    assert_eq!(arrivals[0].1.payload_bytes(), &silence[..]);
    for (k, (_, p)) in arrivals.iter().skip(1).take(50).enumerate() {
        let mut ulaw = [0u8; 160];
        g711::ulaw_encode_slice(&expected[k * 160..(k + 1) * 160], &mut ulaw);
        assert_eq!(p.payload_bytes(), &ulaw[..], "greeting packet {k}");
        assert_eq!(p.payload_type(), 0);
    }
    for w in arrivals.windows(2) {
        assert_eq!(w[1].1.sequence(), w[0].1.sequence().wrapping_add(1));
        assert_eq!(w[1].1.timestamp(), w[0].1.timestamp().wrapping_add(160));
        assert_eq!(w[1].1.ssrc(), w[0].1.ssrc());
    }
    // A steady 20 ms cadence.
    let gaps: Vec<f64> = arrivals
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).as_secs_f64() * 1000.0)
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted[sorted.len() * 95 / 100];
    // The mean is exact whatever the load; single gaps stretch when this
    // 2-core machine is busy (the sender catches up), so the bound on them
    // only catches a stalled task.
    assert!((mean - 20.0).abs() < 0.5, "mean gap {mean} ms");
    assert!(p95 < 60.0, "95th percentile gap {p95} ms");
    assert!(
        sorted[sorted.len() - 1] < 150.0,
        "longest gap {} ms",
        sorted[sorted.len() - 1]
    );
    // After the greeting the tone comes back.
    let echoed: Vec<i16> = arrivals[75..]
        .iter()
        .flat_map(|(_, p)| p.payload_bytes().iter().map(|b| g711::ulaw_decode(*b)))
        .collect();
    let at_tone = power_at(&echoed, 1000.0);
    assert!(
        at_tone > 100.0 * power_at(&echoed, 1500.0),
        "echo is not the tone"
    );
    assert!(
        at_tone > 100.0 * power_at(&echoed, 600.0),
        "echo is not the tone"
    );

    // The simulator hangs up after the talk time.
    let bye = uac.expect_request(Method::Bye, PATIENCE).await;
    assert_eq!(
        bye.headers.to().unwrap().tag().unwrap().as_str(),
        uac.from_tag
    );
    uac.reply(&bye, StatusCode::OK).await;
    // RTCP: at least the closing compound (report + BYE) arrives.
    let mut rbuf = vec![0u8; 2048];
    while let Ok(Ok((n, _))) =
        tokio::time::timeout(Duration::from_millis(500), rtcp.recv_from(&mut rbuf)).await
    {
        rtcp_types.push(rbuf[1.min(n - 1)]);
    }
    assert!(
        rtcp_types.iter().any(|t| *t == 200 || *t == 201),
        "{rtcp_types:?}"
    );
    let events = events_until(&mut trunk, PATIENCE, |s| !reports(s).is_empty()).await;
    let report = reports(&events)[0].clone();
    assert_eq!(report.end, CallEnd::SimulatorHungUp);
    let media = report.media.unwrap();
    assert!((148..=152).contains(&media.packets_received), "{media:?}");
    assert!(media.echoed_frames > 80, "{media:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retransmissions_are_absorbed_and_the_200_repeats_until_acked() {
    let mut c = config();
    c.sip_timers = fast_timers();
    c.invite_auth = InviteAuth::Ip(vec![IpAddr::from([127, 0, 0, 1])]);
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "trunkline", "secret").await;
    let offer = uac.offer(&[Codec::pcma()], "sendrecv");
    let invite = uac.invite("+3312345", 1, Some(&offer));
    uac.send(&invite).await;
    uac.send(&invite).await;
    let answer = uac.expect(200).await;
    // No ACK yet: the 200 comes again (T1 = 100 ms: at 100, 300, 700 ms).
    let mut repeats = 0;
    while let Some(Message::Response(r)) = uac.recv_within(Duration::from_millis(800)).await {
        if r.status == StatusCode::OK {
            repeats += 1;
        }
        if repeats == 3 {
            break;
        }
    }
    assert_eq!(repeats, 3);
    let ack = uac.ack_2xx(&answer);
    uac.send(&ack).await;
    uac.send(&ack).await;
    // Let the last retransmission in flight pass, then nothing more.
    while uac.recv_within(Duration::from_millis(150)).await.is_some() {}
    assert!(uac.recv_within(Duration::from_millis(1000)).await.is_none());

    let bye = uac.in_dialog(Method::Bye, &answer, 2);
    uac.send(&bye).await;
    assert_eq!(
        uac.expect(200).await.headers.cseq().unwrap().method,
        Method::Bye
    );
    uac.send(&bye).await;
    assert_eq!(
        uac.expect(200).await.headers.cseq().unwrap().method,
        Method::Bye
    );

    let events = events_until(&mut trunk, PATIENCE, |s| !reports(s).is_empty()).await;
    let count = |name: &str| events.iter().filter(|e| e.name() == name).count();
    assert_eq!(count("invite"), 1, "{events:?}");
    assert_eq!(count("challenged"), 0);
    assert_eq!(count("acked"), 1);
    assert_eq!(count("bye_received"), 1);
    let report = reports(&events)[0];
    assert_eq!(report.end, CallEnd::CallerHungUp);
    assert_eq!(report.media.as_ref().unwrap().codec, "PCMA");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_never_acknowledged_is_hung_up() {
    let mut c = config();
    c.sip_timers = TimerConfig {
        t1: Duration::from_millis(30),
        ..fast_timers()
    };
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "trunkline", "secret").await;
    let offer = uac.offer(&[Codec::gsm()], "sendrecv");
    uac.invite_with_auth("+3312346", &offer).await;
    uac.expect(200).await;
    let started = Instant::now();
    // 64*T1 = 1.92 s after the 200 the simulator gives up with BYE.
    let bye = loop {
        match uac.recv_within(PATIENCE).await {
            Some(Message::Request(r)) if r.method == Method::Bye => break r,
            Some(Message::Response(_)) => continue,
            other => panic!("{other:?}"),
        }
    };
    let waited = started.elapsed();
    assert!(
        waited > Duration::from_millis(1800) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    uac.reply(&bye, StatusCode::OK).await;
    let events = events_until(&mut trunk, PATIENCE, |s| !reports(s).is_empty()).await;
    assert_eq!(reports(&events)[0].end, CallEnd::NoAck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_gets_487_and_strays_get_481() {
    let mut c = config();
    c.plan.rules = vec![rule("*0=no-answer")];
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "trunkline", "secret").await;
    let offer = uac.offer(&[Codec::pcmu()], "sendrecv");
    let invite = uac.invite_with_auth("+4420", &offer).await;
    uac.expect(180).await;
    let cancel = sip_core::transaction::cancel_for(&invite);
    uac.send(&cancel).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        match uac.recv_within(PATIENCE).await {
            Some(Message::Response(r)) if r.status.is_final() => got.push(r),
            Some(_) => {}
            None => panic!("no answer to CANCEL: {got:?}"),
        }
    }
    let (ok, terminated): (Vec<_>, Vec<_>) = got
        .into_iter()
        .partition(|r| r.headers.cseq().unwrap().method == Method::Cancel);
    assert_eq!(ok[0].status, StatusCode::OK);
    assert_eq!(terminated[0].status, StatusCode::REQUEST_TERMINATED);
    uac.send(&Uac::ack_non_2xx(&invite, &terminated[0])).await;
    // The CANCEL again: its transaction repeats the 200.
    uac.send(&cancel).await;
    assert_eq!(
        uac.expect(200).await.headers.cseq().unwrap().method,
        Method::Cancel
    );

    // A BYE and a CANCEL for nothing.
    uac.new_call("stray");
    let stray = uac.invite("+4421", 1, Some(&offer));
    let stray_cancel = sip_core::transaction::cancel_for(&stray);
    uac.send(&stray_cancel).await;
    uac.expect(481).await;
    let mut bye = uac.invite("+4421", 2, None);
    bye.method = Method::Bye;
    bye.headers.set(sip_core::HeaderName::CSeq, "2 BYE");
    uac.send(&bye).await;
    uac.expect(481).await;

    let events = events_until(&mut trunk, PATIENCE, |s| !reports(s).is_empty()).await;
    assert_eq!(reports(&events)[0].end, CallEnd::Canceled);
    assert_eq!(reports(&events)[0].status, 487);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_and_addresses_are_refused_as_configured() {
    let offer_for = |uac: &Uac| uac.offer(&[Codec::pcmu()], "sendrecv");
    // Forbidden (default): 403 to the INVITE with bad credentials.
    let mut trunk = SimTrunk::start(config()).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "trunkline", "wrong").await;
    let offer = offer_for(&uac);
    uac.invite_with_auth("+1555", &offer).await;
    uac.expect(403).await;
    // Challenge: another 407, and 401 again for REGISTER.
    let mut c = config();
    c.wrong_password = WrongPassword::Challenge;
    let mut trunk2 = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk2.local_addr(), "trunkline", "wrong").await;
    let offer = offer_for(&uac);
    uac.invite_with_auth("+1555", &offer).await;
    uac.expect(407).await;
    // IP authentication: no challenge from an allowed address, 403 otherwise.
    let mut c = config();
    c.invite_auth = InviteAuth::Ip(vec![IpAddr::from([127, 0, 0, 1])]);
    let mut trunk3 = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk3.local_addr(), "nobody", "nothing").await;
    let offer = offer_for(&uac);
    let request = uac.invite("+1556", 1, Some(&offer));
    uac.send(&request).await;
    uac.expect(180).await;
    let mut c = config();
    c.invite_auth = InviteAuth::Ip(vec![IpAddr::from([10, 0, 0, 1])]);
    let mut trunk4 = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk4.local_addr(), "nobody", "nothing").await;
    let offer = offer_for(&uac);
    let request = uac.invite("+1557", 1, Some(&offer));
    uac.send(&request).await;
    uac.expect(403).await;

    let rejected = |events: Vec<SimEvent>| -> Vec<u16> {
        events
            .iter()
            .filter_map(|e| match e {
                SimEvent::Rejected { status, .. } => Some(*status),
                _ => None,
            })
            .collect()
    };
    trunk.stop().await;
    trunk2.stop().await;
    trunk4.stop().await;
    assert_eq!(rejected(drain(&mut trunk)), [403]);
    assert_eq!(rejected(drain(&mut trunk2)), [407]);
    assert_eq!(rejected(drain(&mut trunk4)), [403]);
    trunk3.stop().await;
    assert!(rejected(drain(&mut trunk3)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_without_a_common_codec_or_without_sdp_get_488() {
    let mut c = config();
    c.invite_auth = InviteAuth::Ip(vec![IpAddr::from([127, 0, 0, 1])]);
    c.codecs = vec![codecs::Codec::Gsm];
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "x", "y").await;
    let pcmu_only = uac.offer(&[Codec::pcmu(), Codec::pcma()], "sendrecv");
    let request = uac.invite("+1", 1, Some(&pcmu_only));
    uac.send(&request).await;
    uac.expect(488).await;
    uac.new_call("late");
    let request = uac.invite("+2", 1, None);
    uac.send(&request).await;
    uac.expect(488).await;
    uac.new_call("gsm");
    let gsm = uac.offer(&[Codec::pcmu(), Codec::gsm()], "sendrecv");
    let request = uac.invite("+3", 1, Some(&gsm));
    uac.send(&request).await;
    let answer = uac.expect(200).await;
    let sdp = SessionDescription::parse(&answer.body).unwrap();
    assert_eq!(sdp.media[0].formats, ["3", "101"]);
    trunk.stop().await;
    let events = drain(&mut trunk);
    let reasons: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Rejected {
                reason,
                status: 488,
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{events:?}");
    assert!(reasons[1].contains("without an SDP offer"), "{reasons:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_reinvite_is_answered_with_the_codec_in_use() {
    let mut c = config();
    c.invite_auth = InviteAuth::Ip(vec![IpAddr::from([127, 0, 0, 1])]);
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "x", "y").await;
    let offer = uac.offer(&[Codec::pcma(), Codec::pcmu()], "sendrecv");
    let request = uac.invite("+5", 1, Some(&offer));
    uac.send(&request).await;
    let answer = uac.expect(200).await;
    let request = uac.ack_2xx(&answer);
    uac.send(&request).await;
    let hold = uac.offer(&[Codec::pcmu(), Codec::pcma()], "sendonly");
    let mut reinvite = uac.in_dialog(Method::Invite, &answer, 2);
    reinvite.set_body("application/sdp", hold.into_bytes());
    uac.send(&reinvite).await;
    let held = uac.expect(200).await;
    let sdp = SessionDescription::parse(&held.body).unwrap();
    assert_eq!(
        sdp.media[0].formats,
        ["8", "101"],
        "PCMA, the first codec of the first offer, stays"
    );
    assert!(sdp.media[0].has_attribute("recvonly"), "{}", sdp.to_text());
    assert!(sdp.origin.session_version > 1);
    let request = uac.ack_2xx(&held);
    uac.send(&request).await;
    let bye = uac.in_dialog(Method::Bye, &answer, 3);
    uac.send(&bye).await;
    uac.expect(200).await;
    let events = events_until(&mut trunk, PATIENCE, |s| !reports(s).is_empty()).await;
    assert!(events.iter().any(|e| e.name() == "reinvite"), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_calls_time_out_with_480_and_stop_ends_calls() {
    let mut c = config();
    c.invite_auth = InviteAuth::Ip(vec![IpAddr::from([127, 0, 0, 1])]);
    c.plan.rules = vec![rule("+9*=no-answer")];
    c.no_answer_timeout = Duration::from_millis(600);
    let mut trunk = SimTrunk::start(c).await.unwrap();
    let mut uac = Uac::new(trunk.local_addr(), "x", "y").await;
    let offer = uac.offer(&[Codec::pcmu()], "sendrecv");
    let invite = uac.invite("+91", 1, Some(&offer));
    uac.send(&invite).await;
    uac.expect(180).await;
    let t0 = Instant::now();
    let gone = uac.expect(480).await;
    assert!(t0.elapsed() > Duration::from_millis(500));
    uac.send(&Uac::ack_non_2xx(&invite, &gone)).await;

    // One answered call and one ringing call when the simulator stops.
    uac.new_call("talking");
    let request = uac.invite("+81", 1, Some(&offer));
    uac.send(&request).await;
    let answer = uac.expect(200).await;
    let request = uac.ack_2xx(&answer);
    uac.send(&request).await;
    let mut ringer = Uac::new(trunk.local_addr(), "x", "y").await;
    let ring_invite = ringer.invite("+92", 1, Some(&offer));
    ringer.send(&ring_invite).await;
    ringer.expect(180).await;
    let stopping = tokio::spawn(async move {
        trunk.stop().await;
        trunk
    });
    let bye = uac.expect_request(Method::Bye, PATIENCE).await;
    uac.reply(&bye, StatusCode::OK).await;
    ringer.expect(480).await;
    let mut trunk = stopping.await.unwrap();
    let events = drain(&mut trunk);
    let mut ends: Vec<String> = reports(&events)
        .iter()
        .map(|r| format!("{:?}", r.end))
        .collect();
    ends.sort();
    assert_eq!(
        ends,
        ["NoAnswerTimeout", "NoAnswerTimeout", "SimulatorHungUp"],
        "{events:?}"
    );
}
