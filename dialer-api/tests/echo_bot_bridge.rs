//! The echo bot end to end with Trunkline's own Twilio bridge as the client:
//! the call side receives the chime and the greeting mark, plays them, talks,
//! gets its words back, presses `*` over the reply and gets `clear`, and the
//! bot hangs up after its time.

use std::time::Duration;

use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::echo_bot::{
    BotEvent, CHIME_NOTES, EchoBot, EchoBotConfig, GREETING_MARK, HangupBy,
};
use dialer_api::handler::{
    CallMetadata, ConnectOptions, FinishReason, HandlerEvent, HandlerEvents, HangupCause, connect,
};
use uuid::Uuid;

const PATIENCE: Duration = Duration::from_secs(5);

async fn next(events: &mut HandlerEvents) -> HandlerEvent {
    tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("an event in time")
        .expect("the bridge is open")
}

/// Audio until the next mark: (samples, mark name).
async fn audio_then_mark(events: &mut HandlerEvents) -> (Vec<i16>, String) {
    let mut audio = Vec::new();
    loop {
        match next(events).await {
            HandlerEvent::Audio {
                samples,
                sample_rate,
            } => {
                assert_eq!(sample_rate, 8000);
                audio.extend(samples);
            }
            HandlerEvent::Mark(name) => return (audio, name),
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn tone(frames: usize, freq: f64) -> Vec<i16> {
    (0..frames * 160)
        .map(|n| (6000.0 * (2.0 * std::f64::consts::PI * freq * n as f64 / 8000.0).sin()) as i16)
        .collect()
}

fn zero_crossing_hz(x: &[i16]) -> f64 {
    let crossings = x.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    crossings as f64 / 2.0 / (x.len() as f64 / 8000.0)
}

#[tokio::test]
async fn a_call_through_the_twilio_bridge() {
    let config = EchoBotConfig {
        hangup_after: Some(Duration::from_secs(4)),
        pause: Duration::from_millis(300),
        ..EchoBotConfig::loopback()
    };
    let mut bot = EchoBot::start(config).await.unwrap();
    let handler = HandlerConfig::new(&bot.url(), HandlerProtocol::Twilio, None).unwrap();
    let (bridge, mut events) = connect(&handler, &ConnectOptions::default()).await.unwrap();
    let mut call = CallMetadata::new(Uuid::from_u128(7), "+60123456789", "+60198765432");
    call.customer_name = "Aminah".into();
    call.campaign_id = "c-1".into();
    bridge.start(call.clone()).unwrap();

    let (greeting, mark) = audio_then_mark(&mut events).await;
    assert_eq!(mark, GREETING_MARK);
    assert_eq!(greeting.len(), 4800);
    for (k, note) in CHIME_NOTES.iter().enumerate() {
        let hz = zero_crossing_hz(&greeting[k * 1600 + 100..(k + 1) * 1600 - 100]);
        assert!((hz - note).abs() < 10.0, "note {k}: {hz} Hz");
    }
    // The callee hears the greeting (600 ms), then the engine reports the mark.
    tokio::time::sleep(Duration::from_millis(600)).await;
    bridge.mark_played(&mark).unwrap();

    // The callee says something (a 1 kHz tone for 400 ms), then is silent.
    let said = tone(20, 1000.0);
    let silence = vec![0i16; 160];
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    for frame in said
        .chunks(160)
        .chain(std::iter::repeat_n(&silence[..], 20))
    {
        pace.tick().await;
        bridge.send_audio(frame).unwrap();
    }
    let (echo, mark) = audio_then_mark(&mut events).await;
    assert_eq!(mark, "echo-1");
    assert_eq!(echo.len(), said.len());
    // u-law both ways: the same tone within the companding error.
    let hz = zero_crossing_hz(&echo);
    assert!((hz - 1000.0).abs() < 10.0, "{hz} Hz");
    let worst = echo
        .iter()
        .zip(&said)
        .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
        .max()
        .unwrap();
    assert!(worst < 250, "largest difference {worst}");

    // The reply is playing; the callee presses * and the bot clears it.
    bridge.send_dtmf('*').unwrap();
    assert_eq!(next(&mut events).await, HandlerEvent::Clear);
    bridge.mark_played("echo-1").unwrap();

    // The bot hangs up 4 s after start.
    let cause = loop {
        match next(&mut events).await {
            HandlerEvent::HungUp(cause) => break cause,
            HandlerEvent::Audio { .. } | HandlerEvent::Mark(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    match cause {
        HangupCause::Closed { code, reason } => {
            assert_eq!(code, Some(1000));
            assert_eq!(reason, "echo bot hung up");
        }
        other => panic!("{other:?}"),
    }
    let stats = bridge.finish(FinishReason::Trunkline).await;
    assert_eq!(
        (stats.frames_sent, stats.frames_dropped),
        (40, 0),
        "{stats:?}"
    );
    assert_eq!((stats.malformed, stats.ignored), (0, 0), "{stats:?}");

    let report = loop {
        match tokio::time::timeout(PATIENCE, bot.next_event())
            .await
            .unwrap()
        {
            Some(BotEvent::Ended(r)) => break r,
            Some(_) => {}
            None => panic!("bot stopped"),
        }
    };
    assert_eq!(report.hangup_by, HangupBy::Bot);
    assert_eq!(report.call_sid, call.call_sid);
    assert_eq!(report.custom_parameters, call.custom_parameters());
    assert_eq!((report.utterances_echoed, report.frames_echoed), (1, 20));
    assert_eq!((report.marks_sent, report.marks_returned), (2, 2));
    assert_eq!(report.clears_sent, 1);
    assert_eq!(report.dtmf, "*");
    assert_eq!(report.media_received, 40);
    assert!(
        report.duration_ms >= 4000 && report.duration_ms < 4600,
        "{report:?}"
    );
}
