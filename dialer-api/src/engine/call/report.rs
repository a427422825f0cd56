//! How a call went: the one JSON object `trunkline call` prints, and the
//! outcome the scheduler records.

use serde::Serialize;
use sip_core::endpoint::{CallEnd, FinalResponse};
use sip_core::sdp::SdpError;

use crate::scheduler::{CallOutcome, CallQuality, FinalStatus, HangupBy};

/// The report of one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallReport {
    /// The number called, E.164.
    pub to: String,
    /// The SIP Call-ID (`null` when no INVITE was sent).
    pub call_id: Option<String>,
    /// The Twilio-style call SID the handler saw.
    pub call_sid: String,
    /// completed, busy, no_answer, failed or canceled.
    pub status: FinalStatus,
    /// The final SIP status of the INVITE (200 for an answered call).
    pub sip_status: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
    /// Who ended an answered call: callee, handler or trunkline.
    pub hangup_by: Option<HangupBy>,
    /// INVITE to the first 180/183, in ms.
    pub ring_ms: Option<u64>,
    /// INVITE to the answer, in ms.
    pub answer_ms: Option<u64>,
    /// Answer to hang-up, in ms (0 when not answered).
    pub duration_ms: u64,
    /// The negotiated codec.
    pub codec: Option<String>,
    /// RTP packets sent to the callee.
    pub packets_sent: u64,
    /// RTP packets received from the callee.
    pub packets_received: u64,
    /// Fraction of the callee's packets lost or too late (0..1).
    pub loss: Option<f64>,
    /// Interarrival jitter of the callee's stream, in ms.
    pub jitter_ms: Option<f64>,
    /// Estimated mean opinion score (1..4.5).
    pub mos: Option<f64>,
    /// Why the call failed or ended early, in words a person can act on.
    pub error: Option<String>,
}

impl CallReport {
    /// A report for a call to `to` that has not started.
    pub(crate) fn new(to: &str, call_sid: &str) -> CallReport {
        CallReport {
            to: to.to_owned(),
            call_id: None,
            call_sid: call_sid.to_owned(),
            status: FinalStatus::Failed,
            sip_status: None,
            sip_reason: None,
            hangup_by: None,
            ring_ms: None,
            answer_ms: None,
            duration_ms: 0,
            codec: None,
            packets_sent: 0,
            packets_received: 0,
            loss: None,
            jitter_ms: None,
            mos: None,
            error: None,
        }
    }

    /// The report of `request` when it was never placed (canceled before
    /// dialling), saying why.
    pub fn not_placed(request: &super::CallRequest, reason: impl Into<String>) -> CallReport {
        let mut report = CallReport::new(&request.to, &request.metadata.call_sid);
        report.status = FinalStatus::Canceled;
        report.error = Some(reason.into());
        report
    }

    /// The call failed for `reason`.
    pub(crate) fn failed(mut self, reason: impl Into<String>) -> CallReport {
        self.status = FinalStatus::Failed;
        self.error = Some(reason.into());
        self
    }

    /// Answered and ended normally.
    pub fn succeeded(&self) -> bool {
        self.status == FinalStatus::Completed && self.error.is_none()
    }

    /// Sets status, SIP status and error from how a call that was never
    /// answered ended. `cancelled_by` is who asked to hang up, if anyone.
    pub(crate) fn unanswered(&mut self, end: &CallEnd, cancelled_by: Option<HangupBy>) {
        let (status, error) = match end {
            CallEnd::Rejected { status, reason, .. } => {
                self.sip_status = Some(status.as_u16());
                self.sip_reason = Some(reason.clone());
                let final_status = match status.as_u16() {
                    486 | 600 => FinalStatus::Busy,
                    408 | 480 => FinalStatus::NoAnswer,
                    _ => FinalStatus::Failed,
                };
                let error = match status.as_u16() {
                    486 | 600 => None,
                    488 | 606 => Some(format!(
                        "{end}: the trunk accepts none of the offered codecs"
                    )),
                    _ => Some(end.to_string()),
                };
                (final_status, error)
            }
            CallEnd::NoAnswer { response } => {
                self.final_response(response.as_ref());
                (FinalStatus::NoAnswer, Some("no answer".to_owned()))
            }
            CallEnd::Cancelled { response } => {
                self.final_response(response.as_ref());
                let who = cancelled_by.map_or("trunkline", HangupBy::as_str);
                (
                    FinalStatus::Canceled,
                    Some(format!("hung up by {who} before the answer")),
                )
            }
            CallEnd::Timeout { .. } | CallEnd::TransportError => (
                FinalStatus::Failed,
                Some(format!("cannot reach the trunk: {end}")),
            ),
            CallEnd::MediaFailed(e) => (FinalStatus::Failed, Some(media_failure(e))),
            other => (FinalStatus::Failed, Some(other.to_string())),
        };
        self.status = status;
        self.error = error;
    }

    /// Records the final response that ended an unanswered call we
    /// cancelled (normally 487), when one came.
    fn final_response(&mut self, response: Option<&FinalResponse>) {
        if let Some(r) = response {
            self.sip_status = Some(r.status.as_u16());
            self.sip_reason = Some(r.reason.clone());
        }
    }

    /// Sets status, hang-up side and error from how an answered call ended.
    /// `local` is who asked for our BYE, and why when it was not a normal
    /// hang-up (no audio, ...).
    pub(crate) fn answered_end(
        &mut self,
        end: &CallEnd,
        local: Option<(HangupBy, Option<String>)>,
    ) {
        self.sip_status = Some(200);
        self.sip_reason = Some("OK".to_owned());
        let (status, by, error) = match end {
            CallEnd::RemoteHangup => (FinalStatus::Completed, HangupBy::Callee, None),
            CallEnd::LocalHangup | CallEnd::Cancelled { .. } => match local {
                Some((by, Some(why))) => (FinalStatus::Failed, by, Some(why)),
                Some((by, None)) => (FinalStatus::Completed, by, None),
                None => (FinalStatus::Completed, HangupBy::Trunkline, None),
            },
            CallEnd::MediaFailed(e) => (
                FinalStatus::Failed,
                HangupBy::Trunkline,
                Some(media_failure(e)),
            ),
            other => (
                FinalStatus::Completed,
                HangupBy::Trunkline,
                Some(other.to_string()),
            ),
        };
        self.status = status;
        self.hangup_by = Some(by);
        self.error = error;
    }

    /// Copies the RTP figures of an answered call.
    pub(crate) fn quality(&mut self, q: &media::CallQuality) {
        self.packets_sent = q.packets_sent;
        self.packets_received = q.packets_received;
        self.loss = Some((q.loss_percent / 100.0).clamp(0.0, 1.0));
        self.jitter_ms = Some(q.jitter.as_secs_f64() * 1000.0);
        self.mos = Some(q.mos);
    }
}

fn media_failure(e: &SdpError) -> String {
    match e {
        SdpError::NoCommonCodec { .. } | SdpError::NoCommonCodecInOffer { .. } => {
            format!("no audio: no common codec: {e}")
        }
        other => format!("no audio: unusable SDP answer: {other}"),
    }
}

impl From<CallReport> for CallOutcome {
    fn from(r: CallReport) -> CallOutcome {
        let answered = r.answer_ms.is_some();
        CallOutcome {
            status: r.status,
            sip_status: r.sip_status,
            sip_reason: r.sip_reason,
            hangup_by: r.hangup_by,
            ring_ms: r.ring_ms,
            answer_ms: r.answer_ms,
            talk_ms: r.duration_ms,
            codec: r.codec,
            quality: match (answered, r.loss, r.jitter_ms, r.mos) {
                (true, Some(loss), Some(jitter_ms), Some(mos)) => Some(CallQuality {
                    loss,
                    jitter_ms,
                    mos,
                }),
                _ => None,
            },
            failure_reason: r.error,
        }
    }
}
