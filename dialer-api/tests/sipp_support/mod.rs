//! Shared pieces of the SIPp interop tests: SIPp as the trunk, a media peer
//! the trunk's SDP points at, test AI handlers, and the engine under test.

#![allow(dead_code)]

pub mod audio;
pub mod available;
pub mod bots;
pub mod call;
pub mod rtp_peer;
pub mod sipp;

use std::time::{Duration, Instant};

use codecs::Codec;
use dialer_api::config::ProxyAddr;
use dialer_api::engine::{Engine, EngineSettings, Trunk};
use dialer_api::scheduler::{CallProgress, ProgressState};
use tokio::sync::mpsc;

/// An engine on a free loopback port, hanging up after `no_audio` of silence.
pub async fn engine(no_audio: Duration) -> Engine {
    let settings = EngineSettings {
        sip_bind: "127.0.0.1:0".parse().unwrap(),
        rtp_port_min: 20_000,
        rtp_port_max: 40_000,
        no_audio_timeout: no_audio,
        shutdown_grace: Duration::from_secs(3),
        ..EngineSettings::default()
    };
    Engine::start(settings).await.unwrap()
}

/// The test trunk: caller ID +60123456789 "My Company", account alice/s3cret.
pub fn trunk(name: &str, proxies: &[String], codecs: &[Codec]) -> Trunk {
    Trunk {
        name: name.to_owned(),
        proxies: proxies
            .iter()
            .map(|p| ProxyAddr::parse(p).unwrap())
            .collect(),
        username: "alice".into(),
        password: "s3cret".into(),
        domain: None,
        caller_id: "+60123456789".into(),
        display_name: Some("My Company".into()),
        codecs: codecs.to_vec(),
        register: false,
        register_expires: 3600,
    }
}

/// Records progress reports with the time they arrived.
pub fn progress_recorder() -> (
    mpsc::UnboundedSender<CallProgress>,
    tokio::task::JoinHandle<Vec<(Instant, ProgressState)>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<CallProgress>();
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(p) = rx.recv().await {
            seen.push((Instant::now(), p.state));
        }
        seen
    });
    (tx, task)
}
