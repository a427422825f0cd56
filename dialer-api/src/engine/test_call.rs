//! A short test call (for `trunkline doctor`): INVITE a number with the
//! trunk's codecs, note the codec the trunk picks (from early media or the
//! answer), then CANCEL or BYE at once. No handler, no audio.
//!
//! ```text
//!  INVITE (our codecs) ─▶ 183 with SDP ─▶ codec ─▶ CANCEL
//!                      ─▶ 200 OK       ─▶ codec ─▶ ACK, BYE
//!                      ─▶ 3xx-6xx, no answer in time ─▶ TestCallError
//! ```

use std::sync::Arc;
use std::time::Duration;

use codecs::Codec;
use sip_core::endpoint::{CallEnd, CallEvent, InviteRequest};
use sip_core::sdp::{LocalMedia, NegotiatedMedia};
use tokio::sync::{mpsc, oneshot};

use super::error::EngineError;
use super::sip_driver::{CallSignal, DriverCommand};
use super::trunk::sdp_codec;
use super::{Engine, Inner};

/// How long the CANCEL or BYE that ends a test call may take to be answered.
const HANGUP_WAIT: Duration = Duration::from_secs(3);

/// What a test call found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCallOutcome {
    /// The codecs offered, in order.
    pub offered: Vec<Codec>,
    /// The media the trunk chose: its codec, address and payload types.
    pub media: NegotiatedMedia,
    /// True when the call was answered (200 OK), false when the codec came
    /// from early media (183 with SDP).
    pub answered: bool,
}

/// Why a test call told nothing about codecs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestCallError {
    /// The engine could not place the call (unknown trunk, no RTP port, stopping).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The trunk ended the call before any SDP answer (rejected, auth, timeout).
    #[error("{0}")]
    Ended(CallEnd),
    /// Neither early media nor an answer within the time allowed.
    #[error("no answer and no early media within {} s", .0.as_secs())]
    NoAnswer(Duration),
}

impl Engine {
    /// Calls `to` through trunk `trunk` (added with [`Engine::add_trunk`]),
    /// waits up to `limit` for the trunk's SDP (early media or the answer),
    /// then hangs up at once. Nothing is bridged to a handler.
    pub async fn test_call(
        &self,
        trunk: &str,
        to: &str,
        limit: Duration,
    ) -> Result<TestCallOutcome, TestCallError> {
        run(&self.inner, trunk, to, limit).await
    }
}

async fn run(
    inner: &Arc<Inner>,
    trunk: &str,
    to: &str,
    limit: Duration,
) -> Result<TestCallOutcome, TestCallError> {
    let (offered, local_ip) = inner
        .trunk_media(trunk)
        .ok_or_else(|| EngineError::UnknownTrunk(trunk.to_owned()))?;
    let ports = inner.ports.allocate().await?;
    let mut media = LocalMedia::new(local_ip, ports.port());
    media.codecs = offered.iter().copied().map(sdp_codec).collect();
    let request = InviteRequest {
        target: to.to_owned(),
        media,
        ring_timeout: Some(limit),
        extra_headers: Vec::new(),
    };
    let handle = inner.next_handle();
    let (signals_tx, mut signals) = mpsc::unbounded_channel();
    let (reply, replied) = oneshot::channel();
    inner
        .driver
        .send(DriverCommand::Invite {
            trunk: trunk.to_owned(),
            handle,
            request: Box::new(request),
            signals: signals_tx,
            reply,
        })
        .map_err(|_| EngineError::Stopped)?;
    replied.await.map_err(|_| EngineError::Stopped)??;
    let waited = tokio::time::timeout(limit, async {
        loop {
            match signals.recv().await {
                None => return Err(TestCallError::Engine(EngineError::Stopped)),
                Some(CallSignal::Event(CallEvent::EarlyMedia(m))) => return Ok((m, false)),
                Some(CallSignal::Event(CallEvent::Answered(m))) => return Ok((m, true)),
                Some(CallSignal::Event(CallEvent::Ended(CallEnd::NoAnswer { .. }))) => {
                    return Err(TestCallError::NoAnswer(limit));
                }
                Some(CallSignal::Event(CallEvent::Ended(end))) => {
                    return Err(TestCallError::Ended(end));
                }
                Some(_) => {}
            }
        }
    })
    .await
    .unwrap_or(Err(TestCallError::NoAnswer(limit)));
    // Hang up whatever happened: a call the trunk already ended is gone
    // from the driver (the command does nothing, the channel is closed).
    let _ = inner.driver.send(DriverCommand::Hangup { handle });
    let _ = tokio::time::timeout(HANGUP_WAIT, async {
        while let Some(signal) = signals.recv().await {
            if let CallSignal::Event(CallEvent::Ended(end)) = signal {
                tracing::debug!(%end, "test call ended");
                break;
            }
        }
    })
    .await;
    drop(ports);
    let (media, answered) = waited?;
    Ok(TestCallOutcome {
        offered,
        media,
        answered,
    })
}
