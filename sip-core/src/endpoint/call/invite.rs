//! Responses to our INVITE: progress, early media, the answer (ACK, and
//! re-ACK of its retransmissions), forks, challenges, 422 and failures.

use super::{Call, Cancel, MAX_FORKS, Phase, SentAck, Timer};
use crate::dialog::Dialog;
use crate::dialog::media::sdp_body;
use crate::dialog::session_timer::SessionTimer;
use crate::endpoint::challenge::learn_challenge;
use crate::endpoint::shared::{Owner, Shared};
use crate::endpoint::{CallEnd, CallEvent};
use crate::message::{HeaderName, Method, Response, StatusCode};
use crate::transaction::TransactionId;

/// 422 answers followed at most per call.
const MAX_INTERVAL_ROUNDS: u8 = 2;

impl Call {
    pub(super) fn on_invite_response(&mut self, cx: &mut Shared, resp: Response) {
        let status = resp.status;
        if status.is_provisional() {
            self.on_provisional(cx, resp);
        } else if status.is_success() {
            self.on_2xx(cx, resp);
        } else if !self.done {
            self.on_failure(cx, resp);
        }
    }

    fn on_provisional(&mut self, cx: &mut Shared, resp: Response) {
        if self.done || self.phase != Phase::Calling && self.phase != Phase::Early {
            return;
        }
        self.phase = Phase::Early;
        self.got_provisional = true;
        self.reached_callee |= resp.status.as_u16() > 100;
        self.emit(
            cx,
            CallEvent::Progress {
                status: resp.status,
                reason: resp.reason.to_string(),
            },
        );
        let tag = resp.headers.to().ok().and_then(|t| t.tag().cloned());
        if let (Some(tag), Some(body)) = (tag, sdp_body(&resp.headers, &resp.body)) {
            if let Ok(media) = self.media.read_answer(body) {
                if self.early_reported.as_ref() != Some(&media) {
                    self.early_reported = Some(media.clone());
                    self.emit(cx, CallEvent::EarlyMedia(media.clone()));
                }
                if let Some(slot) = self.early.iter_mut().find(|(t, _)| *t == tag) {
                    slot.1 = media;
                } else if self.early.len() < MAX_FORKS {
                    self.early.push((tag, media));
                }
            }
        }
        if self.cancel == Cancel::Wanted {
            self.send_cancel(cx);
        }
    }

    /// Sends the ACK for a 2xx on `dialog` and remembers it for
    /// retransmissions of that 2xx.
    fn ack_2xx(&mut self, cx: &mut Shared, dialog: &Dialog, seq: u32) {
        let via = cx.new_via();
        let mut ack = dialog
            .ack(seq, via)
            .header(HeaderName::UserAgent, cx.config.user_agent.clone())
            .build();
        if self.auth_rounds > 0 {
            cx.authorize(&mut ack, self.dest);
        }
        let wire = ack.to_bytes();
        cx.transmit(self.dest, wire.clone());
        if self.acks.len() < MAX_FORKS {
            self.acks.push(SentAck {
                tag: dialog.id.remote_tag.clone(),
                seq,
                wire,
            });
        }
    }

    fn on_2xx(&mut self, cx: &mut Shared, resp: Response) {
        let Some((_, invite)) = self.invite.clone() else {
            return;
        };
        let Some(tag) = resp.headers.to().ok().and_then(|t| t.tag().cloned()) else {
            return;
        };
        let seq = invite.headers.cseq().map(|c| c.seq).unwrap_or(self.cseq);
        if let Some(a) = self.acks.iter().find(|a| a.tag == tag && a.seq == seq) {
            // A retransmission: the ACK was lost.
            cx.transmit(self.dest, a.wire.clone());
            return;
        }
        let Ok(dialog) = Dialog::uac(&invite, &resp) else {
            return;
        };
        self.ack_2xx(cx, &dialog, seq);
        if self.dialog.is_some() || self.done || self.phase == Phase::Terminating {
            // A second fork answered, or we gave up already: end that dialog.
            Self::bye_detached(cx, dialog, self.dest);
            return;
        }
        self.timers.stop(Timer::NoAnswer);
        self.timers.stop(Timer::CancelGiveUp);
        self.remote_allows_update = resp
            .headers
            .allow()
            .is_ok_and(|m| m.contains(&Method::Update));
        cx.dialogs.insert(dialog.id.clone(), self.handle);
        self.dialog = Some(dialog);
        self.phase = Phase::Confirmed;
        if self.cancel != Cancel::No {
            // The 2xx crossed our CANCEL: the call is up, so end it with BYE.
            let end = self
                .ending
                .clone()
                .unwrap_or(CallEnd::Cancelled { response: None });
            self.send_bye(cx, end);
            return;
        }
        let answer = match sdp_body(&resp.headers, &resp.body) {
            Some(body) => self.media.read_answer(body),
            // No SDP in the 2xx: the answer came in a provisional response
            // of the same dialog, or never.
            None => match self.early.iter().find(|(t, _)| *t == tag) {
                Some((_, m)) => Ok(m.clone()),
                None => Err(crate::sdp::SdpError::NoAudio),
            },
        };
        match answer {
            Ok(media) => {
                self.media.negotiated = Some(media.clone());
                self.emit(cx, CallEvent::Answered(media));
                let session = if self.session_request.is_some() {
                    SessionTimer::from_response_as_uac(&resp)
                } else {
                    SessionTimer::from_response_as_uac(&resp).filter(|_| {
                        resp.headers
                            .require()
                            .is_ok_and(|r| r.iter().any(|t| t.eq_ignore_ascii_case("timer")))
                    })
                };
                self.set_session(cx, session);
            }
            Err(e) => self.send_bye(cx, CallEnd::MediaFailed(e)),
        }
    }

    /// ACKed already; send BYE for a dialog we do not want, owned by nobody.
    fn bye_detached(cx: &mut Shared, mut dialog: Dialog, dest: std::net::SocketAddr) {
        let via = cx.new_via();
        let bye = dialog.request(Method::Bye, via).build();
        let _ = cx.send_request(bye, dest, Owner::Detached);
    }

    fn on_failure(&mut self, cx: &mut Shared, resp: Response) {
        let status = resp.status;
        if self.cancel != Cancel::No {
            let end = if status == StatusCode::REQUEST_TERMINATED {
                self.ending
                    .clone()
                    .unwrap_or(CallEnd::Cancelled { response: None })
                    .with_response(status, &resp.reason)
            } else {
                self.rejected(&resp)
            };
            self.finish(cx, end);
            return;
        }
        match status.as_u16() {
            401 | 407 => {
                let Some((_, sent)) = self.invite.clone() else {
                    return;
                };
                match learn_challenge(&mut cx.auth, self.dest, &sent, &resp, &mut self.auth_rounds)
                {
                    Ok(()) => self.send_invite(cx),
                    Err(f) => self.finish(cx, CallEnd::AuthFailed(f)),
                }
            }
            422 => {
                let min = resp.headers.min_se().ok().flatten();
                self.interval_rounds += 1;
                match (min, &mut self.session_request) {
                    (Some(min), Some(st)) if self.interval_rounds <= MAX_INTERVAL_ROUNDS => {
                        self.min_se = self.min_se.max(min);
                        st.session_expires = st.session_expires.max(min);
                        self.send_invite(cx);
                    }
                    _ => {
                        let end = self.rejected(&resp);
                        self.finish(cx, end);
                    }
                }
            }
            503 if !self.reached_callee && self.next_proxy(cx) => self.send_invite(cx),
            _ => {
                let end = self.rejected(&resp);
                self.finish(cx, end);
            }
        }
    }

    fn rejected(&self, resp: &Response) -> CallEnd {
        CallEnd::Rejected {
            status: resp.status,
            reason: resp.reason.to_string(),
            retry_after: resp.headers.retry_after().ok().flatten().map(|r| r.delta),
            proxy: self.proxy_host.clone(),
        }
    }

    /// Moves the call to the next proxy of the account, if there is one.
    fn next_proxy(&mut self, cx: &mut Shared) -> bool {
        let next = self.proxy + 1;
        let Some(p) = cx.config.account.proxies.get(next).cloned() else {
            return false;
        };
        let Ok(uri) = super::request_uri(&self.target, &p.host) else {
            return false;
        };
        let tag = self.from.tag().map(|t| t.to_string()).unwrap_or_default();
        self.proxy = next;
        self.dest = p.addr;
        self.proxy_host = p.host.clone();
        self.to = crate::header::NameAddr::new(uri.clone());
        self.request_uri = uri;
        self.from = Self::from_header(cx, &p.host, &tag);
        true
    }

    /// Timer B or a transport error on the INVITE.
    pub(super) fn invite_failed(&mut self, cx: &mut Shared, timed_out: bool) {
        if self.done {
            return;
        }
        if self.cancel != Cancel::No {
            let end = self
                .ending
                .clone()
                .unwrap_or(CallEnd::Cancelled { response: None });
            self.finish(cx, end);
            return;
        }
        if !self.got_provisional && self.next_proxy(cx) {
            self.send_invite(cx);
            return;
        }
        let end = if timed_out {
            CallEnd::Timeout {
                proxy: self.proxy_host.clone(),
            }
        } else {
            CallEnd::TransportError
        };
        self.finish(cx, end);
    }

    /// A response to some other request of this call: a CANCEL (its answer
    /// says nothing about the INVITE), or a re-INVITE whose 2xx came again
    /// after we acknowledged it.
    pub(super) fn on_other_response(
        &mut self,
        cx: &mut Shared,
        _id: TransactionId,
        resp: Response,
    ) {
        let is_invite_2xx = resp.status.is_success()
            && resp
                .headers
                .cseq()
                .is_ok_and(|c| c.method == Method::Invite);
        if !is_invite_2xx {
            return;
        }
        let tag = resp.headers.to().ok().and_then(|t| t.tag().cloned());
        let seq = resp.headers.cseq().map(|c| c.seq).ok();
        let sent = self
            .acks
            .iter()
            .chain(self.refresh_ack.iter())
            .find(|a| Some(&a.tag) == tag.as_ref() && Some(a.seq) == seq);
        if let Some(a) = sent {
            cx.transmit(self.dest, a.wire.clone());
        }
    }
}
