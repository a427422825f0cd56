//! The raw PCM WebSocket and AudioSocket handlers end to end through a SIPp
//! trunk: the bot's audio reaches the callee as RTP at a steady 20 ms, the
//! callee's audio reaches the bot at the bot's rate, and the bot's hang-up
//! ends the call with BYE.

mod sipp_support;

use std::time::Duration;

use codecs::Codec;
use dialer_api::scheduler::{FinalStatus, HangupBy};
use serde_json::json;
use sipp_support::audio::{rms, tone_share};
use sipp_support::bots::BotPlan;
use sipp_support::call::{
    Bot, Setup, assert_one_stream, assert_steady_cadence, assert_tone_reached_the_callee, run,
};
use sipp_support::sipp;

fn samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcm_at_16_khz() {
    if !sipp::available() {
        return;
    }
    let setup = Setup::answer(
        Codec::Pcmu,
        Bot::Pcm(BotPlan::tone_then_hangup(2.0), 16_000),
    );
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.hangup_by, Some(HangupBy::Handler));

    let meta = &run.request.metadata;
    let (_, start) = &run.bot.json[0];
    assert_eq!(
        start,
        &json!({
            "event": "start", "encoding": "L16", "sampleRate": 16000, "channels": 1,
            "callId": meta.call_id.to_string(), "callSid": meta.call_sid, "accountSid": meta.account_sid,
            "from": "+60123456789", "to": "+60198765432",
            "customParameters": {
                "user_id": "", "campaign_id": "", "prompt_id": "", "customer_name": "",
                "from_number": "+60123456789", "to_number": "+60198765432", "order": "A-1"
            }
        })
    );
    // 20 ms frames at 16 kHz carrying the callee's 440 Hz.
    assert!(run.bot.frames.len() > 80, "{} frames", run.bot.frames.len());
    assert!(run.bot.frames.iter().all(|(_, _, f)| f.len() == 640));
    let toned = run
        .bot
        .frames
        .iter()
        .filter(|(_, _, f)| {
            let s = samples(f);
            tone_share(&s, 440.0, 16_000) > 0.8 && rms(&s) > 2000.0
        })
        .count();
    assert!(
        toned * 10 >= run.bot.frames.len() * 7,
        "{toned} of {} frames",
        run.bot.frames.len()
    );
    // The mark came back after its second of audio was played.
    let (at, mark) = run
        .bot
        .json
        .iter()
        .find(|(_, m)| m["event"] == "mark")
        .unwrap();
    assert_eq!(mark["name"], "m1");
    assert!(*at - run.bot.tone_sent_at.unwrap() >= Duration::from_millis(900));

    assert_one_stream(&run.packets, 0);
    assert_steady_cadence(&run.packets);
    assert_tone_reached_the_callee(Codec::Pcmu, &run.packets, 1000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audiosocket() {
    if !sipp::available() {
        return;
    }
    let setup = Setup::answer(
        Codec::Pcma,
        Bot::AudioSocket(BotPlan::tone_then_hangup(2.0)),
    );
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.hangup_by, Some(HangupBy::Handler));

    // The call's UUID first, then 20 ms frames of 8 kHz audio.
    let frames = &run.bot.frames;
    assert_eq!(frames[0].1, 0x01);
    assert_eq!(
        frames[0].2,
        run.request.metadata.call_id.as_bytes().to_vec()
    );
    let audio: Vec<&Vec<u8>> = frames[1..]
        .iter()
        .filter(|f| f.1 == 0x10)
        .map(|f| &f.2)
        .collect();
    assert!(
        audio.len() > 80 && audio.iter().all(|f| f.len() == 320),
        "{} audio frames",
        audio.len()
    );
    let toned = audio
        .iter()
        .filter(|f| {
            let s = samples(f);
            tone_share(&s, 440.0, 8000) > 0.8 && rms(&s) > 2000.0
        })
        .count();
    assert!(
        toned * 10 >= audio.len() * 7,
        "{toned} of {} frames",
        audio.len()
    );

    assert_one_stream(&run.packets, 8);
    assert_steady_cadence(&run.packets);
    assert_tone_reached_the_callee(Codec::Pcma, &run.packets, 1000.0);
}
