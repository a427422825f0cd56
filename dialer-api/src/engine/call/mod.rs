//! One call from the handler check to the report: connect the handler,
//! take an RTP port pair, INVITE, follow the progress, then (answered) run
//! the media loop in [`talk`], and hang up however the call ends.
//!
//! ```text
//!  handler::connect ─fail─▶ report "handler ws://...: connection refused" (no INVITE)
//!       │
//!  RTP ports ─▶ INVITE ─▶ 180/183: ringing (no `start` to the handler)
//!       │                 3xx-6xx, timeout, ring timeout (CANCEL) ─▶ report
//!       ▼
//!  200 OK ─▶ Bridge::start ─▶ talk: media loop until BYE (either side), the
//!            handler hangs up, max duration or no audio ─▶ stop ─▶ report
//! ```

mod report;
mod talk;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sip_core::endpoint::{CallEnd, CallEvent, CallHandle, InviteRequest};
use sip_core::sdp::{LocalMedia, NegotiatedMedia};
use tokio::sync::{mpsc, oneshot};

pub use report::CallReport;

use super::Inner;
use super::ports::RtpPorts;
use super::sip_driver::{CallSignal, DriverCommand};
use super::trunk::sdp_codec;
use crate::config::HandlerConfig;
use crate::handler::{self, CallMetadata, FinishReason, HandlerEvent, HandlerEvents};
use crate::scheduler::{CallProgress, HangupBy, ProgressState};

/// One call to place.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// The key for [`Engine::hangup`](super::Engine::hangup), unique among
    /// live calls (the call id).
    pub key: String,
    /// The trunk to dial through (its name).
    pub trunk: String,
    /// The number to call, E.164.
    pub to: String,
    /// The AI handler.
    pub handler: HandlerConfig,
    /// What the handler is told in `start`.
    pub metadata: CallMetadata,
    /// Hang up after this much talk time.
    pub max_duration: Duration,
    /// Cancel when nobody answers within this time (`None`: the engine's default).
    pub ring_timeout: Option<Duration>,
    /// Progress (dialing, ringing, in progress) as it happens.
    pub progress: Option<mpsc::UnboundedSender<CallProgress>>,
}

impl CallRequest {
    /// A call to `to` through `trunk`, bridged to `handler`, with metadata
    /// for a new call id, up to one hour long.
    pub fn new(trunk: &str, to: &str, from: &str, handler: HandlerConfig) -> CallRequest {
        let id = uuid::Uuid::new_v4();
        CallRequest {
            key: id.to_string(),
            trunk: trunk.to_owned(),
            to: to.to_owned(),
            handler,
            metadata: CallMetadata::new(id, from, to),
            max_duration: Duration::from_secs(3600),
            ring_timeout: None,
            progress: None,
        }
    }

    /// Adds per-call parameters for the handler's `customParameters`.
    pub fn with_params(mut self, params: BTreeMap<String, String>) -> CallRequest {
        self.metadata.params.extend(params);
        self
    }
}

/// Removes a call from the engine's table when its task ends, however it ends.
struct Registration {
    inner: Arc<Inner>,
    key: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.inner.forget_call(&self.key);
    }
}

/// A hang-up asked for locally: who, and why when it is a failure.
type LocalHangup = (HangupBy, Option<String>);

/// The part of a call that both phases share.
struct Dialog {
    inner: Arc<Inner>,
    handle: CallHandle,
    signals: mpsc::UnboundedReceiver<CallSignal>,
    hangups: mpsc::UnboundedReceiver<HangupBy>,
    progress: Option<mpsc::UnboundedSender<CallProgress>>,
    report: CallReport,
    invited_at: Instant,
    local: Option<LocalHangup>,
}

impl Dialog {
    fn progress(&self, state: ProgressState) {
        if let Some(p) = &self.progress {
            let _ = p.send(CallProgress {
                state,
                at: Utc::now(),
            });
        }
    }

    /// Asks the SIP driver to end the call (once); the call goes on until
    /// its `Ended` event.
    fn hang_up(&mut self, by: HangupBy, why: Option<String>) {
        if self.local.is_none() {
            self.local = Some((by, why));
            let _ = self.inner.driver.send(DriverCommand::Hangup {
                handle: self.handle,
            });
        }
    }

    /// Notes the SIP Call-ID; returns a call event, if the signal was one.
    fn signal(&mut self, signal: CallSignal) -> Option<CallEvent> {
        match signal {
            CallSignal::SipCallId(id) => {
                self.report.call_id = Some(id);
                None
            }
            CallSignal::Event(e) => Some(e),
        }
    }
}

/// How the unanswered phase ended.
enum Early {
    Answered(NegotiatedMedia),
    Ended(CallEnd),
    EngineGone,
}

/// Places `req` (see the module documentation) and reports how it went.
pub(crate) async fn run(inner: Arc<Inner>, req: CallRequest) -> CallReport {
    let report = CallReport::new(&req.to, &req.metadata.call_sid);
    let Some(mut hangups) = inner.track_call(&req.key) else {
        return report.failed(format!("a call with id {} is already in progress", req.key));
    };
    let _registration = Registration {
        inner: Arc::clone(&inner),
        key: req.key.clone(),
    };
    let Some((codecs, local_ip)) = inner.trunk_media(&req.trunk) else {
        return report.failed(format!("no trunk named '{}'", req.trunk));
    };
    let (bridge, handler_events) =
        match handler::connect(&req.handler, &inner.settings.handler).await {
            Ok(b) => b,
            Err(e) => return report.failed(e.to_string()),
        };
    let ports = match inner.ports.allocate().await {
        Ok(p) => p,
        Err(e) => {
            bridge.finish(FinishReason::Trunkline).await;
            return report.failed(e.to_string());
        }
    };
    // Hung up while the handler was being connected: nobody is dialled.
    if let Ok(by) = hangups.try_recv() {
        bridge.finish(FinishReason::Trunkline).await;
        let mut report = report.failed(format!("hung up by {} before dialling", by.as_str()));
        report.status = crate::scheduler::FinalStatus::Canceled;
        return report;
    }
    let mut media = LocalMedia::new(local_ip, ports.port());
    media.codecs = codecs.into_iter().map(sdp_codec).collect();
    let request = InviteRequest {
        target: req.to.clone(),
        media,
        ring_timeout: Some(req.ring_timeout.unwrap_or(inner.settings.ring_timeout)),
        extra_headers: Vec::new(),
    };
    let handle = inner.next_handle();
    let (signals_tx, signals) = mpsc::unbounded_channel();
    let (reply, replied) = oneshot::channel();
    let sent = inner.driver.send(DriverCommand::Invite {
        trunk: req.trunk.clone(),
        handle,
        request: Box::new(request),
        signals: signals_tx,
        reply,
    });
    let invited = match (sent, replied.await) {
        (Ok(()), Ok(result)) => result.map_err(|e| e.to_string()),
        _ => Err(super::error::EngineError::Stopped.to_string()),
    };
    if let Err(e) = invited {
        bridge.finish(FinishReason::Trunkline).await;
        return report.failed(e);
    }
    let mut dialog = Dialog {
        inner,
        handle,
        signals,
        hangups,
        progress: req.progress.clone(),
        report,
        invited_at: Instant::now(),
        local: None,
    };
    dialog.progress(ProgressState::Dialing);
    let mut handler_events = handler_events;
    match ring(&mut dialog, &ports, &mut handler_events).await {
        Early::Answered(negotiated) => {
            talk::talk(
                &mut dialog,
                &req,
                &ports,
                &bridge,
                &mut handler_events,
                negotiated,
            )
            .await;
            let reason = match dialog.report.hangup_by {
                Some(HangupBy::Callee) => FinishReason::Callee,
                _ => FinishReason::Trunkline,
            };
            bridge.finish(reason).await;
        }
        Early::Ended(end) => {
            let by = dialog.local.as_ref().map(|(by, _)| *by);
            dialog.report.unanswered(&end, by);
            bridge.finish(FinishReason::Trunkline).await;
        }
        Early::EngineGone => {
            bridge.finish(FinishReason::Trunkline).await;
            dialog.report = dialog.report.failed("the call engine stopped");
        }
    }
    drop(ports);
    dialog.report
}

/// The unanswered phase: progress, early media (read and dropped), hang-up
/// requests, until the answer or the end.
async fn ring(dialog: &mut Dialog, ports: &RtpPorts, handler_events: &mut HandlerEvents) -> Early {
    let mut rtp_buf = [0u8; 2048];
    let mut rtcp_buf = [0u8; 2048];
    let mut handler_open = true;
    let mut hangups_open = true;
    loop {
        tokio::select! {
            signal = dialog.signals.recv() => {
                let Some(signal) = signal else { return Early::EngineGone };
                match dialog.signal(signal) {
                    Some(CallEvent::Progress { status, .. })
                        if status.as_u16() >= 180 && dialog.report.ring_ms.is_none() =>
                    {
                        dialog.report.ring_ms = Some(elapsed_ms(dialog.invited_at));
                        dialog.progress(ProgressState::Ringing);
                    }
                    Some(CallEvent::Answered(media)) => return Early::Answered(media),
                    Some(CallEvent::Ended(end)) => return Early::Ended(end),
                    Some(CallEvent::EarlyMedia(m)) => {
                        tracing::debug!(codec = %m.codec.name, from = %m.remote_rtp, "early media (not bridged)");
                    }
                    _ => {}
                }
            }
            event = handler_events.recv(), if handler_open => match event {
                Some(HandlerEvent::HungUp(cause)) => {
                    tracing::info!(%cause, "the handler hung up before the answer");
                    handler_open = false;
                    dialog.hang_up(HangupBy::Handler, None);
                }
                None => {
                    handler_open = false;
                    dialog.hang_up(HangupBy::Handler, None);
                }
                Some(_) => {}
            },
            by = dialog.hangups.recv(), if hangups_open => match by {
                Some(by) => dialog.hang_up(by, None),
                None => hangups_open = false,
            },
            _ = ports.rtp.recv_from(&mut rtp_buf) => {}
            _ = ports.rtcp.recv_from(&mut rtcp_buf) => {}
        }
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
