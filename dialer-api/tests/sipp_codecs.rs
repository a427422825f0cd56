//! Each codec end to end through a SIPp trunk: the INVITE offers the
//! trunk's codecs in its order, the trunk answers with one, and the audio
//! both ways is encoded with it: the bot's tone reaches the callee's media
//! end as RTP of that codec at a steady 20 ms, and the callee's tone
//! reaches the bot.

mod sipp_support;

use base64::Engine as _;
use codecs::Codec;
use dialer_api::scheduler::FinalStatus;
use sipp_support::audio::{rms, tone_share};
use sipp_support::bots::BotPlan;
use sipp_support::call::{
    Bot, Setup, assert_one_stream, assert_steady_cadence, assert_tone_reached_the_callee, run,
};
use sipp_support::sipp;

/// The `m=` line of the first INVITE in SIPp's message trace.
fn offered_m_line(log: &str) -> String {
    let invite = log
        .find("INVITE sip:")
        .expect("no INVITE in the SIPp trace");
    log[invite..]
        .lines()
        .find(|l| l.starts_with("m=audio"))
        .expect("no m= line")
        .to_owned()
}

async fn call_with(codec: Codec, offer: &[Codec]) {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(codec, Bot::Twilio(BotPlan::tone_then_hangup(1.8)));
    setup.offer = offer.to_vec();
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    let pts: Vec<String> = offer.iter().map(|c| c.payload_type().to_string()).collect();
    let m = offered_m_line(&run.sipp.log);
    assert!(
        m.ends_with(&format!(" RTP/AVP {} 101", pts.join(" "))),
        "offer {m}"
    );

    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.codec.as_deref(), Some(codec.encoding_name()));
    assert!(r.loss.unwrap() < 0.02 && r.mos.unwrap() > 3.0, "{r:?}");

    assert_one_stream(&run.packets, codec.payload_type());
    if codec == Codec::G729 && cfg!(debug_assertions) {
        // Unoptimised G.729 takes longer than real time; CI runs --release.
        eprintln!("cadence not checked: G.729 in a debug build is slower than real time");
    } else {
        assert_steady_cadence(&run.packets);
    }
    assert_tone_reached_the_callee(codec, &run.packets, 1000.0);

    // The callee's 440 Hz, encoded with the codec, reached the bot.
    let frames: Vec<Vec<i16>> = run
        .bot
        .json
        .iter()
        .filter(|(_, m)| m["event"] == "media")
        .map(|(_, m)| {
            let b64 = m["media"]["payload"].as_str().unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            bytes
                .iter()
                .map(|&b| codecs::g711::ulaw_decode(b))
                .collect()
        })
        .collect();
    let toned = frames
        .iter()
        .filter(|f| tone_share(f, 440.0, 8000) > 0.8 && rms(f) > 2000.0)
        .count();
    assert!(
        toned * 10 >= frames.len() * 7,
        "{toned} of {} frames carry the callee's tone",
        frames.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcmu() {
    call_with(Codec::Pcmu, &[Codec::Pcmu, Codec::G729, Codec::Gsm]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcma() {
    call_with(Codec::Pcma, &[Codec::Pcma, Codec::Pcmu]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gsm() {
    call_with(Codec::Gsm, &[Codec::G729, Codec::Gsm, Codec::Pcmu]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g729() {
    call_with(Codec::G729, &[Codec::G729, Codec::Pcma]).await;
}
