//! Requests the peer sends inside the dialog: BYE, re-INVITE and UPDATE
//! (hold, resume, codec change, session refresh), OPTIONS, INFO, and the
//! ACK of our 2xx to a re-INVITE.

use super::{Call, Phase};
use crate::dialog::media::sdp_body;
use crate::dialog::session_timer::SessionTimer;
use crate::endpoint::shared::{Owner, Shared};
use crate::endpoint::{CallEnd, CallEvent};
use crate::header::{HeaderValue, SessionExpires};
use crate::message::{HeaderName, Method, Request, Response, StatusCode};
use crate::sdp::NegotiatedMedia;
use crate::transaction::TransactionId;

impl Call {
    fn response(cx: &Shared, req: &Request, status: StatusCode) -> Response {
        let mut r = Response::for_request(req, status, status.canonical_reason());
        r.headers
            .push(HeaderName::Server, cx.config.user_agent.clone());
        r
    }

    /// A 2xx to a target refresh request: our Contact, capabilities, and
    /// the session timer we agreed.
    fn success(cx: &Shared, req: &Request, session: Option<&SessionExpires>) -> Response {
        let mut r = Self::response(cx, req, StatusCode::OK);
        r.headers.push(HeaderName::Contact, cx.contact().to_value());
        r.headers.push(HeaderName::Allow, cx.policy.allow());
        r.headers.push(HeaderName::Supported, cx.policy.supported());
        if let Some(se) = session {
            r.headers.push(HeaderName::Require, "timer");
            r.headers.push(HeaderName::SessionExpires, se.to_value());
        }
        r
    }

    /// A new request inside our dialog (its server transaction is `tx`).
    pub(crate) fn on_request(&mut self, cx: &mut Shared, tx: TransactionId, req: Request) {
        let Some(dialog) = self.dialog.as_mut() else {
            cx.respond(
                tx,
                Self::response(cx, &req, StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST),
            );
            return;
        };
        if !dialog.accept_remote_cseq(&req) {
            let mut r = Self::response(cx, &req, StatusCode::SERVER_INTERNAL_ERROR);
            r.reason = "CSeq Out of Order".into();
            cx.respond(tx, r);
            return;
        }
        if self.done {
            cx.respond(
                tx,
                Self::response(cx, &req, StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST),
            );
            return;
        }
        match req.method {
            Method::Bye => {
                cx.respond(tx, Self::response(cx, &req, StatusCode::OK));
                let end = match self.phase {
                    Phase::Terminating => self.ending.clone().unwrap_or(CallEnd::RemoteHangup),
                    _ => CallEnd::RemoteHangup,
                };
                self.phase = Phase::Terminating;
                self.finish(cx, end);
            }
            Method::Invite | Method::Update => self.on_session_request(cx, tx, req),
            Method::Options => {
                let mut r = Self::response(cx, &req, StatusCode::OK);
                cx.add_capabilities(&mut r);
                cx.respond(tx, r);
            }
            Method::Info => cx.respond(tx, Self::response(cx, &req, StatusCode::OK)),
            _ => {
                let mut r = Self::response(cx, &req, StatusCode::METHOD_NOT_ALLOWED);
                r.headers.push(HeaderName::Allow, cx.policy.allow());
                cx.respond(tx, r);
            }
        }
    }

    /// A re-INVITE or UPDATE: answer an offer (or offer, for an offer-less
    /// re-INVITE), refresh the target and the session timer.
    fn on_session_request(&mut self, cx: &mut Shared, tx: TransactionId, req: Request) {
        let is_invite = req.method == Method::Invite;
        if self.phase != Phase::Confirmed {
            cx.respond(
                tx,
                Self::response(cx, &req, StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST),
            );
            return;
        }
        let ours_pending = self
            .refresh
            .as_ref()
            .is_some_and(|r| r.method == Method::Invite || r.method == req.method);
        if ours_pending {
            cx.respond(tx, Self::response(cx, &req, StatusCode::REQUEST_PENDING));
            return;
        }
        if is_invite && self.incoming_invite.is_some() {
            // Their previous re-INVITE is not acknowledged yet (RFC 3261 14.2).
            let mut r = Self::response(cx, &req, StatusCode::SERVER_INTERNAL_ERROR);
            r.headers.push(HeaderName::RetryAfter, "1");
            cx.respond(tx, r);
            return;
        }
        let session = match SessionTimer::from_request_as_uas(&req, self.min_se) {
            Ok(s) => s,
            Err(min) => {
                let mut r = Self::response(cx, &req, StatusCode::SESSION_INTERVAL_TOO_SMALL);
                r.headers.push(HeaderName::MinSe, min.to_string());
                cx.respond(tx, r);
                return;
            }
        };
        let mut changed: Option<NegotiatedMedia> = None;
        let body = match sdp_body(&req.headers, &req.body) {
            Some(offer) => match self.media.answer(offer) {
                Ok((answer, agreed)) => {
                    if self.media.negotiated.as_ref() != Some(&agreed) {
                        changed = Some(agreed.clone());
                    }
                    self.media.negotiated = Some(agreed);
                    Some(answer)
                }
                Err(e) => {
                    let mut r = Self::response(cx, &req, e.status());
                    r.headers
                        .push(HeaderName::Warning, format!("399 trunkline \"{e}\""));
                    cx.respond(tx, r);
                    return;
                }
            },
            None if is_invite => {
                self.answer_in_ack = true;
                Some(self.media.offer())
            }
            None => None,
        };
        if let Some(d) = self.dialog.as_mut() {
            d.refresh_target(&req.headers);
        }
        let mut resp = Self::success(cx, &req, session.as_ref().map(|(_, se)| se));
        if let Some(b) = body {
            resp.set_body("application/sdp", b);
        }
        cx.respond(tx, resp);
        if is_invite {
            self.incoming_invite = Some(tx);
            cx.owners.insert(tx, Owner::Call(self.handle));
        }
        match session {
            Some((st, _)) => self.set_session(cx, Some(st)),
            // A re-INVITE without Session-Expires still shows the session
            // is alive: restart the timer we had.
            None => {
                let current = self.session;
                self.set_session(cx, current);
            }
        }
        if let Some(m) = changed {
            self.emit(cx, CallEvent::MediaChanged(m));
        }
    }

    /// The ACK of our 2xx to the peer's re-INVITE.
    pub(crate) fn on_ack(&mut self, cx: &mut Shared, ack: Request) {
        if let Some(tx) = self.incoming_invite.take() {
            cx.layer.ack_received(tx);
        }
        if !std::mem::take(&mut self.answer_in_ack) {
            return;
        }
        if let Some(body) = sdp_body(&ack.headers, &ack.body) {
            if let Ok(agreed) = self.media.read_answer(body) {
                if self.media.negotiated.as_ref() != Some(&agreed) {
                    self.media.negotiated = Some(agreed.clone());
                    self.emit(cx, CallEvent::MediaChanged(agreed));
                }
            }
        }
    }
}
