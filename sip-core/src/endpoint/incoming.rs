//! Requests the peer starts: validation with the status a UA answers,
//! retransmissions, CANCEL, requests inside our dialogs, and what we answer
//! outside them (OPTIONS 200, INVITE 403: we only dial out).

use std::net::SocketAddr;

use super::shared::Shared;
use super::{Endpoint, Event};
use crate::dialog::DialogId;
use crate::message::{HeaderName, Method, Request, Response, StatusCode};
use crate::transaction::{ServerMatch, TransactionId, response_destination};
use crate::validate::validate_request;

/// A response to `req` with a To tag (kept, or one for this request).
fn answer(cx: &Shared, req: &Request, status: StatusCode) -> Response {
    let mut r = Response::for_request(req, status, status.canonical_reason());
    let tag = cx.stateless_tag(req);
    let _ = r.set_to_tag(&tag);
    r.headers
        .push(HeaderName::Server, cx.config.user_agent.clone());
    r
}

impl Endpoint {
    pub(super) fn on_request(&mut self, from: SocketAddr, req: Request) {
        if let Err(rejection) = validate_request(&req, &self.shared.policy) {
            if req.method != Method::Ack {
                let mut r = rejection.to_response(&req, &self.shared.policy);
                let tag = self.shared.stateless_tag(&req);
                let _ = r.set_to_tag(&tag);
                self.send_stateless(&req, from, r);
            }
            return;
        }
        let now = self.shared.now;
        match self.shared.layer.receive_request(now, req, from) {
            ServerMatch::Absorbed => {}
            ServerMatch::Overloaded(req) => {
                if req.method != Method::Ack {
                    let mut r = answer(&self.shared, &req, StatusCode::SERVICE_UNAVAILABLE);
                    r.headers.push(HeaderName::RetryAfter, "5");
                    self.send_stateless(&req, from, r);
                }
            }
            ServerMatch::Ack(ack) => {
                let handle =
                    DialogId::of_request(&ack).and_then(|d| self.shared.dialogs.get(&d).copied());
                if let Some(h) = handle {
                    self.with_call(h, |c, cx| c.on_ack(cx, ack));
                }
            }
            ServerMatch::New { id, request } => self.on_new_request(id, request),
        }
    }

    /// A response outside any transaction (a refusal before matching, or
    /// when the layer is full).
    /// Sends `resp` without a transaction: where the top Via says, or back
    /// to the source when the Via itself is what is broken but Call-ID and
    /// CSeq still let the sender match the answer (RFC 4475 3.1.2.1 deserves
    /// its 400); a request with none of that is dropped.
    fn send_stateless(&mut self, req: &Request, from: SocketAddr, resp: Response) {
        let h = &req.headers;
        let to = match h.top_via() {
            Ok(via) => response_destination(&via, from),
            Err(_) if h.call_id().is_ok() && h.cseq().is_ok() => from,
            Err(_) => return,
        };
        self.shared.transmit(to, resp.to_bytes());
    }

    fn on_new_request(&mut self, tx: TransactionId, req: Request) {
        if req.method == Method::Cancel {
            // We answer every INVITE at once, so a CANCEL either finds a
            // completed transaction (200, no effect) or none (481).
            let status = match self.shared.layer.find_cancelled_invite(&req) {
                Some(_) => StatusCode::OK,
                None => StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST,
            };
            let r = answer(&self.shared, &req, status);
            self.shared.respond(tx, r);
            return;
        }
        let in_dialog = req.headers.to().ok().is_some_and(|t| t.tag().is_some());
        if in_dialog {
            let handle =
                DialogId::of_request(&req).and_then(|d| self.shared.dialogs.get(&d).copied());
            let handled =
                handle.and_then(|h| self.with_call(h, |c, cx| c.on_request(cx, tx, req.clone())));
            if handled.is_none() {
                let r = answer(
                    &self.shared,
                    &req,
                    StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST,
                );
                self.shared.respond(tx, r);
            }
            return;
        }
        match req.method {
            Method::Options => {
                let mut r = answer(&self.shared, &req, StatusCode::OK);
                self.shared.add_capabilities(&mut r);
                self.shared.respond(tx, r);
            }
            Method::Invite => {
                let status = self.shared.config.incoming_invite_status;
                let r = answer(&self.shared, &req, status);
                self.shared.respond(tx, r);
                let from = req
                    .headers
                    .get(&HeaderName::From)
                    .map(|f| f.to_string())
                    .unwrap_or_default();
                self.shared.emit(Event::IncomingRejected {
                    method: Method::Invite,
                    from,
                    status,
                });
            }
            _ => {
                let r = answer(
                    &self.shared,
                    &req,
                    StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST,
                );
                self.shared.respond(tx, r);
            }
        }
    }
}
