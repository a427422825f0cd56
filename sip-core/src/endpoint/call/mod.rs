//! One outgoing call (the UAC side of an INVITE dialog): INVITE with our
//! offer, provisional responses and early media, the answer and its ACK,
//! CANCEL, BYE either way, re-INVITE/UPDATE from the peer, session timers.
//!
//! ```text
//!  Calling ──1xx──▶ Early ──2xx (ACK)──▶ Confirmed ──BYE sent──▶ Terminating ──▶ ended
//!     │               │ CANCEL ─▶ 487 ─▶ ended                       ▲
//!     └──3xx-6xx, timeout──▶ ended          2xx crossing CANCEL ─────┘ (ACK, BYE)
//! ```

mod incoming;
mod invite;
mod refresh;

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

use super::shared::{Owner, Shared};
use super::{CallEnd, CallEvent, CallHandle, Event, InputError, InviteRequest};
use crate::dialog::Dialog;
use crate::dialog::media::MediaState;
use crate::dialog::session_timer::SessionTimer;
use crate::endpoint::SessionTimerConfig;
use crate::endpoint::challenge::learn_challenge;
use crate::header::{HeaderValue, NameAddr, SessionExpires};
use crate::message::{HeaderName, Method, Request};
use crate::sdp::NegotiatedMedia;
use crate::text::ByteStr;
use crate::text::chars::is_token_str;
use crate::timer::{TimerKind, TimerTable};
use crate::transaction::{TransactionEvent, TransactionId, cancel_for};
use crate::uri::{SipUri, Uri};

/// 2xx responses from different forks remembered for re-ACK at most.
const MAX_FORKS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// Nobody answered within the ring timeout.
    NoAnswer,
    /// A CANCEL got no final response for the INVITE within 64*T1.
    CancelGiveUp,
    /// Time to refresh the session (we are the refresher).
    SessionRefresh,
    /// The peer did not refresh the session in time.
    SessionExpiry,
    /// Retry a refresh that met 491 Request Pending.
    RefreshRetry,
}

impl TimerKind for Timer {
    const ALL: &'static [Timer] = &[
        Timer::NoAnswer,
        Timer::CancelGiveUp,
        Timer::SessionExpiry,
        Timer::SessionRefresh,
        Timer::RefreshRetry,
    ];
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Calling,
    Early,
    Confirmed,
    Terminating,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cancel {
    No,
    /// Requested before any provisional response: send on the first one.
    Wanted,
    Sent,
}

/// An ACK we sent for a 2xx, repeated for each retransmission of it.
#[derive(Debug)]
struct SentAck {
    tag: ByteStr,
    seq: u32,
    wire: Bytes,
}

/// Our re-INVITE or UPDATE refreshing the session.
#[derive(Debug)]
struct Refresh {
    tx: TransactionId,
    method: Method,
    seq: u32,
    rounds: u8,
}

#[derive(Debug)]
pub(crate) struct Call {
    handle: CallHandle,
    target: String,
    proxy: usize,
    dest: SocketAddr,
    proxy_host: String,
    request_uri: Uri,
    from: NameAddr,
    to: NameAddr,
    call_id: String,
    cseq: u32,
    extra_headers: Vec<(HeaderName, String)>,
    session_request: Option<SessionTimerConfig>,
    min_se: u32,
    invite: Option<(TransactionId, Request)>,
    got_provisional: bool,
    /// A provisional response beyond 100 Trying came: the callee was
    /// reached, so a 503 now is the callee's answer, not an unavailable proxy.
    reached_callee: bool,
    auth_rounds: u8,
    interval_rounds: u8,
    phase: Phase,
    cancel: Cancel,
    dialog: Option<Dialog>,
    acks: Vec<SentAck>,
    refresh_ack: Option<SentAck>,
    early: Vec<(ByteStr, NegotiatedMedia)>,
    early_reported: Option<NegotiatedMedia>,
    media: MediaState,
    session: Option<SessionTimer>,
    session_since: Option<Instant>,
    remote_allows_update: bool,
    timers: TimerTable<Timer, 5>,
    refresh: Option<Refresh>,
    incoming_invite: Option<TransactionId>,
    answer_in_ack: bool,
    bye: Option<TransactionId>,
    bye_rounds: u8,
    ending: Option<CallEnd>,
    done: bool,
}

fn request_uri(target: &str, host: &str) -> Result<Uri, InputError> {
    let bad = || InputError::InvalidTarget(target.to_owned());
    if target.contains(':') {
        let uri = Uri::parse(target).map_err(|_| bad())?;
        return match uri {
            Uri::Sip(_) | Uri::Tel(_) => Ok(uri),
            Uri::Other { .. } => Err(bad()),
        };
    }
    if target.is_empty() || target.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad());
    }
    Ok(SipUri::new(host).with_user(target).into())
}

fn extra_headers(list: &[(String, String)]) -> Result<Vec<(HeaderName, String)>, InputError> {
    list.iter()
        .map(|(n, v)| {
            let ok = is_token_str(n) && !v.chars().any(|c| c.is_control());
            if ok {
                Ok((HeaderName::new(n), v.clone()))
            } else {
                Err(InputError::InvalidHeader(format!("{n}: {v}")))
            }
        })
        .collect()
}

impl Call {
    /// Places the call through proxy `proxy` (an index into the account's
    /// proxies).
    pub(crate) fn start(
        cx: &mut Shared,
        handle: CallHandle,
        req: InviteRequest,
        proxy: usize,
    ) -> Result<Call, InputError> {
        let proxy = proxy.min(cx.config.account.proxies.len().saturating_sub(1));
        let p = cx
            .config
            .account
            .proxies
            .get(proxy)
            .cloned()
            .ok_or_else(|| InputError::InvalidTarget(req.target.clone()))?;
        let request_uri = request_uri(&req.target, &p.host)?;
        let extra = extra_headers(&req.extra_headers)?;
        let mut media = MediaState::new(req.media);
        if media.local.session_id == 0 {
            media.local.session_id = cx.random_u64() >> 1;
        }
        if let Some(ip) = cx.nat.public_ip() {
            media.set_address(ip);
        }
        let tag = cx.new_tag();
        let min_se = cx.config.session_timer.map_or(90, |s| s.min_se.max(90));
        let mut call = Call {
            handle,
            target: req.target,
            proxy,
            dest: p.addr,
            proxy_host: p.host.clone(),
            to: NameAddr::new(request_uri.clone()),
            request_uri,
            from: Self::from_header(cx, &p.host, &tag),
            call_id: cx.new_call_id(),
            cseq: 0,
            extra_headers: extra,
            session_request: cx.config.session_timer,
            min_se,
            invite: None,
            got_provisional: false,
            reached_callee: false,
            auth_rounds: 0,
            interval_rounds: 0,
            phase: Phase::Calling,
            cancel: Cancel::No,
            dialog: None,
            acks: Vec::new(),
            refresh_ack: None,
            early: Vec::new(),
            early_reported: None,
            media,
            session: None,
            session_since: None,
            remote_allows_update: false,
            timers: TimerTable::default(),
            refresh: None,
            incoming_invite: None,
            answer_in_ack: false,
            bye: None,
            bye_rounds: 0,
            ending: None,
            done: false,
        };
        call.send_invite(cx);
        if let Some(t) = req.ring_timeout {
            call.timers.set_after(Timer::NoAnswer, cx.now, t);
        }
        Ok(call)
    }

    fn from_header(cx: &Shared, host: &str, tag: &str) -> NameAddr {
        let account = &cx.config.account;
        let user = account.caller_id.as_deref().unwrap_or(&account.username);
        let mut from = NameAddr::new(SipUri::new(host).with_user(user)).with_tag(tag);
        if let Some(d) = &account.display_name {
            from = from.with_display_name(d);
        }
        from
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    /// Whether the call is over and nothing of it needs to stay: its INVITE
    /// transaction ended (no more 2xx to acknowledge) and no request of it
    /// is in flight.
    pub(crate) fn is_finished(&self) -> bool {
        self.done && self.invite.is_none() && self.bye.is_none() && self.refresh.is_none()
    }

    pub(crate) fn dialog_id(&self) -> Option<&crate::dialog::DialogId> {
        self.dialog.as_ref().map(|d| &d.id)
    }

    fn emit(&self, cx: &mut Shared, event: CallEvent) {
        cx.emit(Event::Call {
            call: self.handle,
            event,
        });
    }

    /// The call is over: report it once and stop every timer.
    fn finish(&mut self, cx: &mut Shared, end: CallEnd) {
        if self.done {
            return;
        }
        self.done = true;
        self.timers.clear();
        self.emit(cx, CallEvent::Ended(end));
    }

    /// Builds and sends the INVITE (first, after a challenge, after 422 or
    /// on another proxy).
    fn send_invite(&mut self, cx: &mut Shared) {
        self.cseq = self.cseq.wrapping_add(1);
        let via = cx.new_via();
        let mut b = Request::builder(Method::Invite, self.request_uri.clone())
            .via(via)
            .max_forwards(70)
            .from(self.from.clone())
            .to(self.to.clone())
            .call_id(self.call_id.as_str())
            .cseq(self.cseq)
            .contact(cx.contact());
        b = cx.with_capabilities(b);
        if let Some(st) = self.session_request {
            b = b
                .typed(
                    HeaderName::SessionExpires,
                    &SessionExpires::new(st.session_expires.max(self.min_se), None),
                )
                .header(HeaderName::MinSe, self.min_se.to_string());
        }
        for (n, v) in &self.extra_headers {
            b = b.header(n.clone(), v.as_str());
        }
        let body = self.media.offer();
        let mut req = b.body("application/sdp", body).build();
        if self.auth_rounds > 0 {
            cx.authorize(&mut req, self.dest);
        }
        match cx.send_request(req.clone(), self.dest, Owner::Call(self.handle)) {
            Ok(tx) => {
                if let Some((old, _)) = self.invite.replace((tx, req)) {
                    cx.owners.insert(old, Owner::Detached);
                }
                self.got_provisional = false;
                self.reached_callee = false;
            }
            Err(_) => self.finish(cx, CallEnd::TransportError),
        }
    }

    /// Command: CANCEL (now, or once a provisional response came).
    pub(crate) fn cancel(&mut self, cx: &mut Shared, end: CallEnd) -> Result<(), InputError> {
        match self.phase {
            _ if self.done => Err(self.wrong_state("cancel", "the call has ended")),
            Phase::Confirmed => Err(self.wrong_state("cancel", "the call was answered: use Bye")),
            Phase::Terminating => Err(self.wrong_state("cancel", "the call is ending")),
            Phase::Calling | Phase::Early => {
                if self.cancel != Cancel::No {
                    return Ok(());
                }
                self.ending = Some(end);
                self.timers.stop(Timer::NoAnswer);
                if self.got_provisional {
                    self.send_cancel(cx);
                } else {
                    self.cancel = Cancel::Wanted;
                }
                Ok(())
            }
        }
    }

    fn send_cancel(&mut self, cx: &mut Shared) {
        let Some((_, invite)) = &self.invite else {
            return;
        };
        let mut cancel = cancel_for(invite);
        cancel.headers.push(
            HeaderName::Reason,
            "SIP;cause=487;text=\"Request Terminated\"",
        );
        let _ = cx.send_request(cancel, self.dest, Owner::Call(self.handle));
        self.cancel = Cancel::Sent;
        self.timers.set_after(
            Timer::CancelGiveUp,
            cx.now,
            cx.config.timers.transaction_timeout(),
        );
    }

    /// Command: BYE.
    pub(crate) fn bye(&mut self, cx: &mut Shared) -> Result<(), InputError> {
        match self.phase {
            _ if self.done => Err(self.wrong_state("bye", "the call has ended")),
            Phase::Confirmed => {
                self.send_bye(cx, CallEnd::LocalHangup);
                Ok(())
            }
            Phase::Terminating => Err(self.wrong_state("bye", "the call is ending")),
            Phase::Calling | Phase::Early => {
                Err(self.wrong_state("bye", "the call is not answered: use Cancel"))
            }
        }
    }

    /// Command: whatever ends the call now.
    pub(crate) fn hangup(&mut self, cx: &mut Shared) -> Result<(), InputError> {
        match self.phase {
            _ if self.done => Ok(()),
            Phase::Confirmed => self.bye(cx),
            Phase::Calling | Phase::Early => self.cancel(cx, CallEnd::Cancelled { response: None }),
            Phase::Terminating => Ok(()),
        }
    }

    fn wrong_state(&self, command: &'static str, detail: &'static str) -> InputError {
        InputError::WrongState {
            call: self.handle,
            command,
            detail,
        }
    }

    /// Sends BYE on the confirmed dialog; the call ends with `end` once the
    /// BYE gets its final response (or times out).
    fn send_bye(&mut self, cx: &mut Shared, end: CallEnd) {
        self.timers.clear();
        self.ending = Some(end.clone());
        self.phase = Phase::Terminating;
        let Some(dialog) = self.dialog.as_mut() else {
            self.finish(cx, end);
            return;
        };
        let via = cx.new_via();
        let b = dialog.request(Method::Bye, via);
        let mut bye = b
            .header(HeaderName::UserAgent, cx.config.user_agent.clone())
            .build();
        cx.authorize(&mut bye, self.dest);
        match cx.send_request(bye, self.dest, Owner::Call(self.handle)) {
            Ok(tx) => self.bye = Some(tx),
            Err(_) => self.finish(cx, end),
        }
    }

    /// An event of one of this call's client transactions.
    pub(crate) fn on_transaction_event(&mut self, cx: &mut Shared, event: TransactionEvent) {
        match event {
            TransactionEvent::Response { id, response } => {
                if self.invite.as_ref().is_some_and(|(t, _)| *t == id) {
                    self.on_invite_response(cx, response);
                } else if self.bye == Some(id) {
                    self.on_bye_response(cx, id, response);
                } else if self.refresh.as_ref().is_some_and(|r| r.tx == id) {
                    self.on_refresh_response(cx, response);
                } else {
                    self.on_other_response(cx, id, response);
                }
            }
            TransactionEvent::Timeout { id } | TransactionEvent::TransportError { id } => {
                let timed_out = matches!(event, TransactionEvent::Timeout { .. });
                if self.invite.as_ref().is_some_and(|(t, _)| *t == id) {
                    self.invite_failed(cx, timed_out);
                } else if self.bye == Some(id) {
                    self.bye_done(cx);
                } else if self.refresh.as_ref().is_some_and(|r| r.tx == id) {
                    self.refresh = None;
                    self.send_bye(cx, CallEnd::RefreshFailed { status: None });
                }
            }
            TransactionEvent::Terminated { id } => {
                if self.invite.as_ref().is_some_and(|(t, _)| *t == id) {
                    self.invite = None;
                    if !self.done
                        && self.phase != Phase::Confirmed
                        && self.phase != Phase::Terminating
                    {
                        // Cancelled and given up on, or dropped by the layer.
                        let end = self
                            .ending
                            .clone()
                            .unwrap_or(CallEnd::Cancelled { response: None });
                        self.finish(cx, end);
                    }
                }
                if self.bye == Some(id) {
                    self.bye_done(cx);
                }
                if self.refresh.as_ref().is_some_and(|r| r.tx == id) {
                    self.refresh = None;
                }
                if self.incoming_invite == Some(id) {
                    self.incoming_invite = None;
                }
            }
            TransactionEvent::AckTimeout { id } => {
                if self.incoming_invite == Some(id) {
                    // RFC 3261 13.3.1.4: no ACK for our 2xx: end the session.
                    self.incoming_invite = None;
                    self.send_bye(cx, CallEnd::AckNotReceived);
                }
            }
        }
    }

    fn on_bye_response(
        &mut self,
        cx: &mut Shared,
        id: TransactionId,
        resp: crate::message::Response,
    ) {
        if resp.status.is_provisional() {
            return;
        }
        if matches!(resp.status.as_u16(), 401 | 407) {
            let sent = cx.layer.client_request(id).cloned();
            if let Some(sent) = sent {
                if learn_challenge(&mut cx.auth, self.dest, &sent, &resp, &mut self.bye_rounds)
                    .is_ok()
                {
                    let mut again = sent;
                    again.headers.set(HeaderName::Via, cx.new_via().to_value());
                    if let Some(d) = self.dialog.as_mut() {
                        d.local_seq = d.local_seq.wrapping_add(1);
                        again.headers.set(
                            HeaderName::CSeq,
                            crate::header::CSeq::new(d.local_seq, Method::Bye).to_value(),
                        );
                    }
                    cx.authorize(&mut again, self.dest);
                    if let Ok(tx) = cx.send_request(again, self.dest, Owner::Call(self.handle)) {
                        self.bye = Some(tx);
                        return;
                    }
                }
            }
        }
        self.bye_done(cx);
    }

    fn bye_done(&mut self, cx: &mut Shared) {
        self.bye = None;
        let end = self.ending.clone().unwrap_or(CallEnd::LocalHangup);
        self.finish(cx, end);
    }

    /// Fires the timers due now.
    pub(crate) fn on_timer(&mut self, cx: &mut Shared) {
        while let Some(t) = self.timers.take_expired(cx.now) {
            match t {
                Timer::NoAnswer => {
                    let _ = self.cancel(cx, CallEnd::NoAnswer { response: None });
                }
                Timer::CancelGiveUp => {
                    // RFC 3261 9.1: no final response 64*T1 after CANCEL.
                    if let Some((tx, _)) = self.invite.take() {
                        cx.owners.insert(tx, Owner::Detached);
                        cx.layer.terminate(tx);
                    }
                    let end = self
                        .ending
                        .clone()
                        .unwrap_or(CallEnd::Cancelled { response: None });
                    self.finish(cx, end);
                }
                Timer::SessionRefresh | Timer::RefreshRetry => self.send_refresh(cx),
                Timer::SessionExpiry => self.send_bye(cx, CallEnd::SessionExpired),
            }
        }
    }

    /// (Re)arms the session timer after a successful refresh either way.
    fn set_session(&mut self, cx: &mut Shared, session: Option<SessionTimer>) {
        self.session = session;
        self.session_since = Some(cx.now);
        self.timers.stop(Timer::SessionRefresh);
        self.timers.stop(Timer::SessionExpiry);
        self.timers.stop(Timer::RefreshRetry);
        if let Some(st) = session {
            if st.we_refresh {
                self.timers
                    .set_or_stop(Timer::SessionRefresh, st.refresh_at(cx.now));
            } else {
                self.timers
                    .set_or_stop(Timer::SessionExpiry, st.expiry_at(cx.now));
            }
        }
    }
}
