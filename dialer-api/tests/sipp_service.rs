//! The engine behind `trunkline serve`, through the scheduler's
//! `CallEngine` seam: a user's trunk registers (and un-registers at
//! shutdown), a job is placed and bridged with its contact's parameters,
//! progress is reported, and the API's hang-up ends the call.

mod sipp_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use dialer_api::engine::HANGUP_TOKEN_PARAMETER;
use dialer_api::scheduler::model::{Codec, HandlerProtocol, HandlerSpec, Transport};
use dialer_api::scheduler::{
    CallEngine, CallJob, FinalStatus, HangupBy, ProgressState, RegistrationState, TrunkSettings,
};
use sipp_support::bots::{BotPlan, bot_listener, twilio_bot};
use sipp_support::rtp_peer::RtpPeer;
use sipp_support::sipp::{self, Sipp, assert_sipp_ok};
use sipp_support::{engine, progress_recorder};

fn settings(proxy: String, register: bool) -> TrunkSettings {
    TrunkSettings {
        name: "user-1".into(),
        proxies: vec![proxy],
        transport: Transport::Udp,
        username: "alice".into(),
        password: "s3cret".into(),
        domain: None,
        caller_id: "+60123456789".into(),
        display_name: Some("My Company".into()),
        codecs: vec![Codec::Pcmu, Codec::G729, Codec::Gsm],
        register,
    }
}

async fn wait_for(engine: &dyn CallEngine, state: RegistrationState) {
    for _ in 0..100 {
        if engine.registration("user-1").state == state {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "registration is {:?}, not {state:?}",
        engine.registration("user-1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_trunk_registers_and_unregisters_at_shutdown() {
    if !sipp::available() {
        return;
    }
    let registrar = Sipp::start(
        "engine_registrar.xml",
        &[
            "-key",
            "user",
            "alice",
            "-key",
            "pass",
            "s3cret",
            "-key",
            "realm",
            "trunk.test",
            "-key",
            "expires",
            "600",
        ],
    )
    .await;
    let engine = engine(Duration::from_secs(10)).await;
    let seam: Arc<dyn CallEngine> = Arc::new(engine.clone());
    seam.apply_trunk("user-1", settings(registrar.proxy(), true));
    wait_for(seam.as_ref(), RegistrationState::Registered).await;
    assert_eq!(seam.registration("user-1").last_error, None);
    assert!(seam.registration("user-1").since.is_some());
    engine.shutdown().await;
    assert_eq!(
        seam.registration("user-1").state,
        RegistrationState::Unregistered
    );
    // SIPp checked the un-REGISTER (Expires: 0, digest) too.
    assert_sipp_ok(registrar).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_placed_bridged_and_hung_up_by_the_api() {
    if !sipp::available() {
        return;
    }
    let peer = RtpPeer::start(codecs::Codec::Pcmu, 0, Some(440.0)).await;
    let trunk = Sipp::answering(&peer, 0, "PCMU", "200").await;
    let engine = engine(Duration::from_secs(10)).await;
    let seam: Arc<dyn CallEngine> = Arc::new(engine.clone());
    seam.apply_trunk("user-1", settings(trunk.proxy(), false));
    wait_for(seam.as_ref(), RegistrationState::NotRequired).await;

    let (listener, addr) = bot_listener().await;
    let mut plan = BotPlan::tone_then_hangup(30.0);
    plan.hangup_after = None;
    let bot = twilio_bot(listener, plan);
    let (progress, recorder) = progress_recorder();
    let call_id = uuid::Uuid::new_v4().to_string();
    let job = CallJob {
        call_id: call_id.clone(),
        call_sid: "CA0123456789abcdef0123456789abcdef".into(),
        account_sid: "AC00112233445566778899aabbccddeeff".into(),
        hangup_token: "tok-123".into(),
        user_id: "user-1".into(),
        batch_id: "b-1".into(),
        campaign_id: "camp-9".into(),
        prompt_id: "prompt-4".into(),
        phone: "+60198765432".into(),
        customer_name: "Aminah".into(),
        params: BTreeMap::from([("plan".to_owned(), "gold".to_owned())]),
        attempt: 1,
        trunk: settings(trunk.proxy(), false),
        handler: HandlerSpec {
            url: format!("ws://{addr}/stream"),
            protocol: HandlerProtocol::Twilio,
            sample_rate: 8000,
        },
        max_duration: Duration::from_secs(60),
        progress,
    };
    let placing = tokio::spawn(seam.place(job));
    // Hang up through the seam (as the Twilio REST route does) once talking.
    let mut hung_up = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if engine.stats().active_calls == 1 && peer.packets().len() > 50 {
            hung_up = seam.hangup(&call_id, HangupBy::Handler);
            break;
        }
    }
    assert!(hung_up, "the call was not live");
    let outcome = tokio::time::timeout(Duration::from_secs(20), placing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.status, FinalStatus::Completed, "{outcome:?}");
    assert_eq!(outcome.hangup_by, Some(HangupBy::Handler));
    assert_eq!(outcome.sip_status, Some(200));
    assert_eq!(outcome.codec.as_deref(), Some("PCMU"));
    assert!(outcome.talk_ms > 900, "{outcome:?}");
    let q = outcome.quality.unwrap();
    assert!(q.loss < 0.02 && q.mos > 4.0, "{q:?}");
    assert!(
        !seam.hangup(&call_id, HangupBy::Handler),
        "the call is over"
    );

    let states: Vec<ProgressState> = recorder
        .await
        .unwrap()
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        states,
        [
            ProgressState::Dialing,
            ProgressState::Ringing,
            ProgressState::InProgress
        ]
    );
    let run = bot.await.unwrap();
    let start = &run.json[1].1["start"];
    assert_eq!(start["callSid"], "CA0123456789abcdef0123456789abcdef");
    assert_eq!(start["accountSid"], "AC00112233445566778899aabbccddeeff");
    let params = &start["customParameters"];
    assert_eq!(params["user_id"], "user-1");
    assert_eq!(params["campaign_id"], "camp-9");
    assert_eq!(params["prompt_id"], "prompt-4");
    assert_eq!(params["customer_name"], "Aminah");
    assert_eq!(params["plan"], "gold");
    assert_eq!(params[HANGUP_TOKEN_PARAMETER], "tok-123");
    assert_eq!(run.json.last().unwrap().1["event"], "stop");
    engine.shutdown().await;
    assert_sipp_ok(trunk).await;
    peer.stop().await;
}
