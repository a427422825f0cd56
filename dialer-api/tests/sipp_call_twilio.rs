//! Calls through a SIPp trunk bridged to a Twilio Media Streams bot: every
//! message the bot gets is checked field by field, the bot's audio must
//! reach the callee as correctly encoded RTP at a steady 20 ms, and the
//! callee's audio must reach the bot.

mod sipp_support;

use std::time::Duration;

use base64::Engine as _;
use codecs::Codec;
use dialer_api::scheduler::{FinalStatus, HangupBy, ProgressState};
use serde_json::{Value, json};
use sipp_support::audio::{rms, tone_share};
use sipp_support::bots::BotPlan;
use sipp_support::call::{
    Bot, Setup, assert_one_stream, assert_steady_cadence, assert_tone_reached_the_callee, run,
};
use sipp_support::sipp;

/// The callee's audio as the bot got it: `media` payloads, u-law decoded.
fn inbound_frames(messages: &[(std::time::Instant, Value)]) -> Vec<Vec<i16>> {
    messages
        .iter()
        .filter(|(_, m)| m["event"] == "media")
        .map(|(_, m)| {
            let payload = m["media"]["payload"].as_str().unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .unwrap();
            bytes
                .iter()
                .map(|&b| codecs::g711::ulaw_decode(b))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_call_behind_a_digest_challenge_end_to_end() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::Pcmu, Bot::Twilio(BotPlan::tone_then_hangup(2.5)));
    setup.scenario = "engine_answer_auth.xml";
    // The callee presses 5 after a second.
    setup.peer_dtmf = Some((5, 50));
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);

    // The report.
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.error, None);
    assert_eq!(
        (r.sip_status, r.sip_reason.as_deref()),
        (Some(200), Some("OK"))
    );
    assert_eq!(r.hangup_by, Some(HangupBy::Handler));
    assert_eq!(r.codec.as_deref(), Some("PCMU"));
    assert_eq!(r.to, "+60198765432");
    assert!(r.call_id.as_deref().is_some_and(|c| !c.is_empty()));
    let (ring, answer) = (r.ring_ms.unwrap(), r.answer_ms.unwrap());
    assert!(
        ring < answer && answer >= 300,
        "ring {ring} ms, answer {answer} ms"
    );
    assert!(
        (2300..3500).contains(&r.duration_ms),
        "talked {} ms",
        r.duration_ms
    );
    let expected = r.duration_ms / 20;
    assert!(
        r.packets_sent.abs_diff(expected) <= 6,
        "{} packets sent in {} ms",
        r.packets_sent,
        r.duration_ms
    );
    assert!(
        r.packets_received + 10 >= run.peer_sent && r.packets_received > 80,
        "{} of {} received",
        r.packets_received,
        run.peer_sent
    );
    assert!(
        r.loss.unwrap() < 0.02 && r.jitter_ms.unwrap() < 20.0 && r.mos.unwrap() > 4.0,
        "{r:?}"
    );

    // Progress: dialing, ringing, in progress, in that order.
    let states: Vec<ProgressState> = run.progress.iter().map(|(_, s)| *s).collect();
    assert_eq!(
        states,
        [
            ProgressState::Dialing,
            ProgressState::Ringing,
            ProgressState::InProgress
        ]
    );

    // The Twilio messages, field by field.
    let msgs = &run.bot.json;
    assert_eq!(
        msgs[0].1,
        json!({"event":"connected","protocol":"Call","version":"1.0.0"})
    );
    let start = &msgs[1].1;
    let sid = start["streamSid"].as_str().unwrap().to_owned();
    assert!(
        sid.len() == 34 && sid.starts_with("MZ") && sid[2..].chars().all(|c| c.is_ascii_hexdigit()),
        "{sid}"
    );
    let meta = &run.request.metadata;
    assert_eq!(
        start,
        &json!({
            "event": "start", "sequenceNumber": "1", "streamSid": sid,
            "start": {
                "streamSid": sid, "accountSid": meta.account_sid, "callSid": meta.call_sid,
                "tracks": ["inbound"],
                "customParameters": {
                    "user_id": "", "campaign_id": "", "prompt_id": "", "customer_name": "",
                    "from_number": "+60123456789", "to_number": "+60198765432", "order": "A-1"
                },
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
            }
        })
    );
    // `start` reached the bot within a few ms of the 200 OK, by SIPp's own
    // clock: the time its scenario logged right after sending the 200.
    let answered = run
        .sipp
        .logs
        .lines()
        .find_map(|l| l.trim().strip_prefix("200 OK sent "))
        .and_then(sipp::parse_timestamp)
        .unwrap_or_else(|| panic!("SIPp logged no 200 OK time:\n{}", run.sipp.logs));
    let start_wall = run.bot.start_wall.unwrap();
    // (SIPp may be descheduled between its send and its log line, so the
    // difference is taken both ways.)
    let skew = match start_wall.duration_since(answered) {
        Ok(after) => after,
        Err(before) => before.duration(),
    };
    assert!(
        skew < Duration::from_millis(50),
        "start {skew:?} from the 200 OK"
    );

    let media: Vec<&Value> = msgs
        .iter()
        .map(|(_, m)| m)
        .filter(|m| m["event"] == "media")
        .collect();
    assert!(media.len() > 100, "{} media messages", media.len());
    let mut last_ts = 0u64;
    let mut sequence = 1u64;
    for (i, m) in media.iter().enumerate() {
        let obj = m.as_object().unwrap();
        assert_eq!(obj.len(), 4, "{m}");
        assert_eq!(m["streamSid"], sid.as_str());
        assert_eq!(m["media"]["track"], "inbound");
        assert_eq!(m["media"]["chunk"], (i + 1).to_string());
        let seq: u64 = m["sequenceNumber"].as_str().unwrap().parse().unwrap();
        assert!(seq > sequence, "sequenceNumber {seq} after {sequence}");
        sequence = seq;
        let ts: u64 = m["media"]["timestamp"].as_str().unwrap().parse().unwrap();
        assert!(ts >= last_ts, "timestamp went back");
        last_ts = ts;
    }
    assert!(
        last_ts.abs_diff(media.len() as u64 * 20) < 300,
        "last timestamp {last_ts} ms for {} chunks",
        media.len()
    );
    // Every message's sequence number: 1, 2, 3, ... across media and marks.
    let numbers: Vec<u64> = msgs[1..]
        .iter()
        .map(|(_, m)| m["sequenceNumber"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        numbers.iter().enumerate().all(|(i, &n)| n == i as u64 + 1),
        "{numbers:?}"
    );

    // The mark came back only once its second of audio had been played.
    let marks: Vec<&(std::time::Instant, Value)> =
        msgs.iter().filter(|(_, m)| m["event"] == "mark").collect();
    assert_eq!(marks.len(), 1);
    assert_eq!(
        marks[0].1,
        json!({"event":"mark","sequenceNumber":marks[0].1["sequenceNumber"],"streamSid":sid,"mark":{"name":"m1"}})
    );
    let played_after = marks[0].0 - run.bot.tone_sent_at.unwrap();
    assert!(
        played_after >= Duration::from_millis(900),
        "mark after {played_after:?}"
    );

    // The key press reached the bot once.
    let dtmf: Vec<&Value> = msgs
        .iter()
        .map(|(_, m)| m)
        .filter(|m| m["event"] == "dtmf")
        .collect();
    assert_eq!(dtmf.len(), 1, "{dtmf:?}");
    assert_eq!(
        dtmf[0],
        &json!({"event":"dtmf","streamSid":sid,"sequenceNumber":dtmf[0]["sequenceNumber"],"dtmf":{"track":"inbound_track","digit":"5"}})
    );

    // The callee's 440 Hz reached the bot.
    let inbound = inbound_frames(msgs);
    let toned = inbound
        .iter()
        .filter(|f| f.len() == 160 && tone_share(f, 440.0, 8000) > 0.8 && rms(f) > 2000.0)
        .count();
    assert!(
        toned * 10 >= inbound.len() * 8,
        "{toned} of {} frames carry the callee's tone",
        inbound.len()
    );

    // The bot's tone reached the callee as PCMU RTP at a steady 20 ms.
    assert_one_stream(&run.packets, 0);
    assert_steady_cadence(&run.packets);
    assert_tone_reached_the_callee(Codec::Pcmu, &run.packets, 1000.0);
    assert!(run.bot.bot_hung_up);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callee_hanging_up_stops_the_stream() {
    if !sipp::available() {
        return;
    }
    let mut plan = BotPlan::tone_then_hangup(30.0);
    plan.hangup_after = None;
    let mut setup = Setup::answer(Codec::Pcma, Bot::Twilio(plan));
    setup.scenario = "engine_callee_bye.xml";
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.hangup_by, Some(HangupBy::Callee));
    assert_eq!(r.codec.as_deref(), Some("PCMA"));
    assert!(
        (1800..2600).contains(&r.duration_ms),
        "talked {} ms",
        r.duration_ms
    );
    // The last message is `stop`, then Trunkline closed the socket.
    let (_, stop) = run.bot.json.last().unwrap();
    let meta = &run.request.metadata;
    assert_eq!(stop["event"], "stop");
    assert_eq!(
        stop["stop"],
        json!({"accountSid": meta.account_sid, "callSid": meta.call_sid})
    );
    assert!(!run.bot.bot_hung_up);
    assert_one_stream(&run.packets, 8);
    assert_tone_reached_the_callee(Codec::Pcma, &run.packets, 1000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_media_does_not_start_the_stream() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::Pcmu, Bot::Twilio(BotPlan::tone_then_hangup(0.5)));
    setup.scenario = "engine_early_media.xml";
    setup.sipp_args = vec!["-d".into(), "1000".into()];
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    assert_eq!(
        run.report.status,
        FinalStatus::Completed,
        "{:?}",
        run.report
    );
    let ringing = run.progress_at(ProgressState::Ringing).unwrap();
    let start = run.bot.start_at.unwrap();
    // 183 with SDP at once, 200 one second later: `start` waits for the 200.
    assert!(
        start - ringing >= Duration::from_millis(900),
        "start {:?} after the 183",
        start - ringing
    );
    assert!(run.report.answer_ms.unwrap() >= 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_silences_the_callee_from_the_next_frame() {
    if !sipp::available() {
        return;
    }
    // 3 s of tone, then `clear` after 1 s: the rest is dropped at once.
    let plan = BotPlan {
        tone_hz: 1000.0,
        tone_ms: 3000,
        mark: Some("m1"),
        clear_after: Some(Duration::from_secs(1)),
        hangup_after: Some(Duration::from_millis(2500)),
    };
    let run = run(Setup::answer(Codec::Pcmu, Bot::Twilio(plan))).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    let cleared = run.bot.clear_sent_at.unwrap();
    // The pending mark came back at the clear, not after 3 s of audio.
    let (mark_at, _) = run
        .bot
        .json
        .iter()
        .find(|(_, m)| m["event"] == "mark")
        .unwrap();
    assert!(
        *mark_at - cleared < Duration::from_millis(100),
        "mark {:?} after the clear",
        *mark_at - cleared
    );
    let frames = sipp_support::call::tone_frames(Codec::Pcmu, &run.packets, 1000.0);
    let last = run.packets[*frames.last().unwrap()].at;
    let after = if last > cleared {
        last - cleared
    } else {
        Duration::ZERO
    };
    assert!(
        after <= Duration::from_millis(60),
        "tone went on {after:?} after the clear"
    );
    assert!(
        (35..=65).contains(&frames.len()),
        "{} tone frames",
        frames.len()
    );
    assert_one_stream(&run.packets, 0);
}
