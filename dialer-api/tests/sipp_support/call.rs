//! One call through the engine to a SIPp trunk, with a media peer and a
//! test bot, and the checks every call test shares: the RTP Trunkline sent
//! is one well-formed stream at a steady 20 ms, and it carries the bot's tone.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use codecs::Codec;
use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::engine::{CallReport, CallRequest, EngineStats};
use dialer_api::scheduler::ProgressState;

use super::audio::{decode, decode_with_oracle, gaps_ms, quantile, rms, tone_share};
use super::bots::{BotPlan, BotRun, audiosocket_bot, bot_listener, pcm_bot, twilio_bot};
use super::rtp_peer::{Packet, RtpPeer};
use super::sipp::{Sipp, SippResult};
use super::{engine, progress_recorder, trunk};

/// Which handler answers.
#[derive(Debug, Clone)]
pub enum Bot {
    /// Twilio Media Streams.
    Twilio(BotPlan),
    /// Raw PCM at this rate.
    Pcm(BotPlan, u32),
    /// AudioSocket.
    AudioSocket(BotPlan),
}

/// What to set up.
#[derive(Debug, Clone)]
pub struct Setup {
    /// SIPp scenario file.
    pub scenario: &'static str,
    /// Scenarios of SIPp trunks listed before it among the proxies (failover).
    pub before: Vec<&'static str>,
    /// More SIPp arguments.
    pub sipp_args: Vec<String>,
    /// The payload type and name the trunk's SDP answers with, when not `codec`'s.
    pub sdp_codec: Option<(u8, &'static str)>,
    /// The codec the trunk answers with.
    pub codec: Codec,
    /// The codecs Trunkline offers, in order.
    pub offer: Vec<Codec>,
    /// The handler.
    pub bot: Bot,
    /// The tone the callee sends (None: the callee is mute).
    pub peer_tone: Option<f64>,
    /// A key the callee presses (RFC 4733 event code) after this many packets.
    pub peer_dtmf: Option<(u8, usize)>,
    /// Hang up after this much talk.
    pub max_duration: Duration,
    /// No-audio timeout of the engine.
    pub no_audio: Duration,
    /// Ring timeout of the call (None: the engine's 60 s).
    pub ring_timeout: Option<Duration>,
}

impl Setup {
    /// The trunk answers with `codec` (scenario `engine_answer.xml`), the
    /// callee sends 440 Hz, the bot is `bot`.
    pub fn answer(codec: Codec, bot: Bot) -> Setup {
        Setup {
            scenario: "engine_answer.xml",
            before: Vec::new(),
            sipp_args: Vec::new(),
            sdp_codec: None,
            codec,
            offer: vec![Codec::Pcmu, Codec::Pcma, Codec::G729, Codec::Gsm],
            bot,
            peer_tone: Some(440.0),
            peer_dtmf: None,
            max_duration: Duration::from_secs(30),
            no_audio: Duration::from_secs(10),
            ring_timeout: None,
        }
    }
}

/// Everything a call left behind.
#[derive(Debug)]
pub struct Run {
    /// The engine's report.
    pub report: CallReport,
    /// The request placed (its metadata is what the handler saw).
    pub request: CallRequest,
    /// What the bot saw.
    pub bot: BotRun,
    /// RTP the callee's media end received from Trunkline.
    pub packets: Vec<Packet>,
    /// RTP packets the callee's media end sent.
    pub peer_sent: u64,
    /// Progress reports with their arrival time.
    pub progress: Vec<(Instant, ProgressState)>,
    /// SIPp's verdict.
    pub sipp: SippResult,
    /// The verdicts of the SIPp trunks listed before it.
    pub before: Vec<SippResult>,
    /// Engine counters after the call.
    pub stats: EngineStats,
}

impl Run {
    /// When a progress state was reported.
    pub fn progress_at(&self, state: ProgressState) -> Option<Instant> {
        self.progress
            .iter()
            .find(|(_, s)| *s == state)
            .map(|(t, _)| *t)
    }
}

/// Places one call as `setup` says.
pub async fn run(setup: Setup) -> Run {
    let pt = setup.codec.payload_type();
    let peer = RtpPeer::start_with_dtmf(setup.codec, pt, setup.peer_tone, setup.peer_dtmf).await;
    let (sdp_pt, sdp_name) = setup.sdp_codec.unwrap_or((pt, setup.codec.encoding_name()));
    let mut args: Vec<String> = [
        "-key",
        "codec_pt",
        &sdp_pt.to_string(),
        "-key",
        "codec_name",
        sdp_name,
        "-key",
        "rtp_ip",
        "127.0.0.1",
        "-key",
        "rtp_port",
        &peer.addr().port().to_string(),
        "-key",
        "realm",
        "trunk.test",
        "-key",
        "user",
        "alice",
        "-key",
        "pass",
        "s3cret",
        "-d",
        "300",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(setup.sipp_args.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut before = Vec::new();
    for scenario in &setup.before {
        before.push(Sipp::start(scenario, &args).await);
    }
    let sipp = Sipp::start(setup.scenario, &args).await;
    let engine = engine(setup.no_audio).await;
    let mut proxies: Vec<String> = before.iter().map(Sipp::proxy).collect();
    proxies.push(sipp.proxy());
    engine
        .add_trunk(trunk("t", &proxies, &setup.offer))
        .await
        .unwrap();
    let (listener, addr) = bot_listener().await;
    let (handler, bot) = match setup.bot.clone() {
        Bot::Twilio(plan) => (
            HandlerConfig::new(
                &format!("ws://{addr}/stream"),
                HandlerProtocol::Twilio,
                None,
            ),
            twilio_bot(listener, plan),
        ),
        Bot::Pcm(plan, rate) => (
            HandlerConfig::new(
                &format!("ws://{addr}/pcm"),
                HandlerProtocol::Pcm,
                Some(rate),
            ),
            pcm_bot(listener, plan, rate),
        ),
        Bot::AudioSocket(plan) => (
            HandlerConfig::new(&format!("tcp://{addr}"), HandlerProtocol::AudioSocket, None),
            audiosocket_bot(listener, plan),
        ),
    };
    let params = BTreeMap::from([("order".to_owned(), "A-1".to_owned())]);
    let mut request =
        CallRequest::new("t", "+60198765432", "+60123456789", handler.unwrap()).with_params(params);
    request.max_duration = setup.max_duration;
    request.ring_timeout = setup.ring_timeout;
    let (progress, recorder) = progress_recorder();
    let kept = request.clone();
    request.progress = Some(progress);
    let report = tokio::time::timeout(Duration::from_secs(60), engine.call(request))
        .await
        .expect("the call did not end");
    let bot = bot.await.unwrap();
    let (packets, peer_sent) = peer.stop().await;
    let sipp = sipp.finish(Duration::from_secs(20)).await;
    let mut before_results = Vec::new();
    for s in before {
        before_results.push(s.finish(Duration::from_secs(20)).await);
    }
    let stats = engine.stats();
    engine.shutdown().await;
    Run {
        report,
        request: kept,
        bot,
        packets,
        peer_sent,
        progress: recorder.await.unwrap(),
        sipp,
        before: before_results,
        stats,
    }
}

/// Checks the RTP Trunkline sent is one stream of payload type `pt`:
/// one SSRC, consecutive sequence numbers, timestamps 160 apart.
pub fn assert_one_stream(packets: &[Packet], pt: u8) {
    assert!(packets.len() > 20, "only {} RTP packets", packets.len());
    let ssrc = packets[0].ssrc;
    for w in packets.windows(2) {
        assert_eq!(w[1].ssrc, ssrc, "SSRC changed");
        assert_eq!(w[1].pt, pt, "payload type");
        assert_eq!(
            w[1].seq,
            w[0].seq.wrapping_add(1),
            "sequence gap or reorder"
        );
        assert_eq!(w[1].ts.wrapping_sub(w[0].ts), 160, "timestamp step");
    }
}

/// Checks the packets arrived at a steady 20 ms: the mean gap within
/// 0.5 ms of 20, the median gap within 2 ms of 20, and no packet more than
/// 60 ms off the 20 ms grid (the sender runs on an absolute clock, so a late
/// wake-up is caught up, never carried forward as drift). The bounds leave
/// room for a loaded 2-core machine; the figures are printed.
pub fn assert_steady_cadence(packets: &[Packet]) {
    let gaps = gaps_ms(packets);
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let errors: Vec<f64> = gaps.iter().map(|g| (g - 20.0).abs()).collect();
    let (p50, p90) = (quantile(&errors, 0.5), quantile(&errors, 0.9));
    let max = gaps.iter().cloned().fold(0.0, f64::max);
    let first = packets[0].at;
    let offsets: Vec<f64> = packets
        .iter()
        .enumerate()
        .map(|(i, p)| p.at.duration_since(first).as_secs_f64() * 1000.0 - 20.0 * i as f64)
        .collect();
    let low = offsets.iter().cloned().fold(f64::INFINITY, f64::min);
    let high = offsets.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let spread = high - low;
    eprintln!(
        "cadence: {} packets, mean gap {mean:.3} ms, |gap-20| p50 {p50:.2} ms p90 {p90:.2} ms, \
         max gap {max:.1} ms, grid spread {spread:.1} ms",
        packets.len()
    );
    assert!((mean - 20.0).abs() < 0.5, "mean gap {mean} ms");
    assert!(p50 < 2.0, "median gap {p50} ms off 20 ms");
    assert!(
        spread < 60.0,
        "packets spread {spread} ms around the 20 ms grid"
    );
}

/// The indices of the frames (decoded with `codec`) that carry a tone at
/// `hz`: most of their energy at that frequency, and loud.
pub fn tone_frames(codec: Codec, packets: &[Packet], hz: f64) -> Vec<usize> {
    tone_frames_in(&decode(codec, packets), hz)
}

fn tone_frames_in(decoded: &[Vec<i16>], hz: f64) -> Vec<usize> {
    decoded
        .iter()
        .enumerate()
        .filter(|(_, f)| tone_share(f, hz, 8000) > 0.8 && rms(f) > 2000.0)
        .map(|(i, _)| i)
        .collect()
}

/// Checks the bot's 1 s tone reached the callee as one run of about 50
/// frames, with silence after it.
pub fn assert_tone_reached_the_callee(codec: Codec, packets: &[Packet], hz: f64) {
    let frames = tone_frames(codec, packets, hz);
    assert!(
        (46..=51).contains(&frames.len()),
        "{} frames of the {hz} Hz tone ({codec:?}), expected about 50",
        frames.len()
    );
    let (first, last) = (frames[0], frames[frames.len() - 1]);
    assert!(last - first < 52, "tone frames spread over {first}..{last}");
    // Then silence (lossy codecs ring down for a few frames first).
    let decoded = decode(codec, packets);
    let tail: Vec<f64> = decoded
        .iter()
        .skip(last + 10)
        .take(20)
        .map(|f| rms(f))
        .collect();
    assert!(
        tail.iter().all(|&r| r < 300.0),
        "no silence after the bot's audio: rms {tail:?}"
    );
    // The reference decoder (libgsm, bcg729) hears the same tone in the same frames.
    if let Some(reference) = decode_with_oracle(codec, packets) {
        let heard = tone_frames_in(&reference, hz);
        // The same run of frames, give or take one at each edge (onsets differ).
        let same = heard.len().abs_diff(frames.len()) <= 2
            && heard.first().is_some_and(|f| f.abs_diff(first) <= 1)
            && heard.last().is_some_and(|l| l.abs_diff(last) <= 1);
        assert!(
            same,
            "the {codec:?} reference decoder hears the {hz} Hz tone in frames {heard:?}, ours in {frames:?}"
        );
    }
}
