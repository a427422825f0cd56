//! The simulator's SIP logic, sans-IO: datagrams and `now` in; datagrams,
//! events and media commands out. The tokio driver behind [`super::SimTrunk`]
//! owns the sockets and the clock; a test can drive a [`SimCore`] in
//! simulated time instead.
//!
//! ```text
//!  handle_datagram(now, from, bytes) ─┐                 ┌─ Transmit (SIP datagram)
//!  handle_timeout(now) ───────────────┼─▶  SimCore  ──▶─┼─ Event (SimEvent)
//!  media_opened(now, call, port) ─────┘                 ├─ OpenMedia / StartMedia / UpdateMedia
//!                                                       └─ EndCall (stop media, report)
//! ```

mod auth;
mod call;
mod registrar;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use media::MediaConfig;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sip_core::sdp::{LocalMedia, NegotiatedMedia, SessionDescription};
use sip_core::transaction::{
    ServerMatch, TransactionEvent, TransactionId, TransactionLayer, TransactionOutput,
};
use sip_core::{HeaderName, Message, Method, Request, Response, StatusCode, UaPolicy};

use self::auth::{AuthCheck, Authenticator};
use self::call::{Call, CallTimer, Phase, dialed_number};
use self::registrar::{RegisterError, Registrar};
use super::config::{InviteAuth, SimConfig, WrongPassword};
use super::event::{CallEnd, CallReport, SimEvent};
use super::outcome::CallOutcome;

/// The User-Agent and Server header of the simulator.
pub(super) const USER_AGENT: &str = "Trunkline-SimTrunk";
/// The methods the simulator answers.
const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER";

/// What the core asks its driver to do.
#[derive(Debug)]
#[non_exhaustive]
pub enum CoreOutput {
    /// Send a SIP datagram.
    Transmit {
        /// Destination.
        to: SocketAddr,
        /// The message.
        data: Bytes,
    },
    /// Report an event.
    Event(SimEvent),
    /// Open an RTP/RTCP socket pair for the call and answer
    /// [`SimCore::media_opened`].
    OpenMedia {
        /// The call.
        call_id: String,
    },
    /// Start sending and receiving audio on the call's sockets.
    StartMedia {
        /// The call.
        call_id: String,
        /// The media session's settings.
        config: Box<MediaConfig>,
    },
    /// The caller moved its media (re-INVITE).
    UpdateMedia {
        /// The call.
        call_id: String,
        /// New RTP address.
        remote_rtp: SocketAddr,
        /// New RTCP address, if given.
        remote_rtcp: Option<SocketAddr>,
    },
    /// The call is over: stop its media (if any), add the media figures to
    /// the report and publish it as [`SimEvent::CallEnded`].
    EndCall(CallReport),
}

/// The trunk simulator's SIP side, sans-IO:
///
/// ```text
/// on datagram:  core.handle_datagram(now, from, bytes)
/// on deadline:  core.handle_timeout(now)
/// then drain:   core.poll_output() -> Transmit / Event / OpenMedia (answer with
///               media_opened) / StartMedia / UpdateMedia / EndCall;
///               sleep until core.poll_timeout()
/// ```
pub struct SimCore {
    config: SimConfig,
    local: SocketAddr,
    transactions: TransactionLayer,
    rng: ChaCha8Rng,
    auth: Authenticator,
    registrar: Registrar,
    policy: UaPolicy,
    calls: HashMap<String, Call>,
    /// Server INVITE transactions and client BYE transactions, by call.
    tx_calls: HashMap<TransactionId, String>,
    timers: BTreeSet<(Instant, String)>,
    out: VecDeque<CoreOutput>,
}

impl SimCore {
    /// A core answering on `local` (the SIP socket's address).
    pub fn new(config: SimConfig, local: SocketAddr) -> SimCore {
        let policy = UaPolicy {
            allowed_methods: vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Register,
            ],
            ..UaPolicy::default()
        };
        SimCore {
            transactions: TransactionLayer::new(config.sip_timers),
            rng: ChaCha8Rng::seed_from_u64(config.plan.seed ^ 0x5349_4d54_5255_4e4b),
            auth: Authenticator::new(config.account.clone(), config.reject_password),
            registrar: Registrar::default(),
            policy,
            calls: HashMap::new(),
            tx_calls: HashMap::new(),
            timers: BTreeSet::new(),
            out: VecDeque::new(),
            local,
            config,
        }
    }

    /// The next thing for the driver to do.
    pub fn poll_output(&mut self) -> Option<CoreOutput> {
        self.out.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let calls = self.timers.first().map(|(at, _)| *at);
        match (calls, self.transactions.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Calls in progress.
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    fn event(&mut self, e: SimEvent) {
        self.out.push_back(CoreOutput::Event(e));
    }

    fn token(&mut self, bytes: usize) -> String {
        let mut raw = vec![0u8; bytes];
        self.rng.fill_bytes(&mut raw);
        raw.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Takes in a datagram from the SIP socket.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        if data.iter().all(u8::is_ascii_whitespace) {
            return; // keep-alive
        }
        match Message::parse(data) {
            Ok(Message::Request(request)) => self.on_request(now, from, request),
            Ok(Message::Response(response)) => {
                let _ = self.transactions.receive_response(now, response);
            }
            Err(e) => self.event(SimEvent::Malformed {
                source: from,
                reason: e.to_string(),
            }),
        }
        self.pump(now);
    }

    /// Fires the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.transactions.handle_timeout(now);
        self.pump(now);
        while let Some((at, call_id)) = self.timers.first().cloned() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, call_id.clone()));
            let timer = self.calls.get_mut(&call_id).and_then(|c| c.deadline.take());
            match timer {
                Some((_, CallTimer::Answer)) => self.ring_over(now, &call_id),
                Some((_, CallTimer::GiveUp)) => {
                    self.final_non_2xx(
                        now,
                        &call_id,
                        StatusCode::TEMPORARILY_UNAVAILABLE,
                        CallEnd::NoAnswerTimeout,
                    );
                }
                Some((_, CallTimer::HangUp)) => {
                    self.hang_up(now, &call_id, CallEnd::SimulatorHungUp)
                }
                None => {}
            }
            self.pump(now);
        }
    }

    fn set_timer(&mut self, call_id: &str, at: Instant, timer: CallTimer) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if let Some((old, _)) = call.deadline.take() {
            self.timers.remove(&(old, call_id.to_owned()));
        }
        call.deadline = Some((at, timer));
        self.timers.insert((at, call_id.to_owned()));
    }

    fn clear_timer(&mut self, call_id: &str) {
        if let Some((old, _)) = self.calls.get_mut(call_id).and_then(|c| c.deadline.take()) {
            self.timers.remove(&(old, call_id.to_owned()));
        }
    }

    /// Drains the transaction layer: datagrams out, events handled.
    fn pump(&mut self, now: Instant) {
        while let Some(output) = self.transactions.poll_output() {
            match output {
                TransactionOutput::Transmit(t) => self.out.push_back(CoreOutput::Transmit {
                    to: t.to,
                    data: t.data,
                }),
                TransactionOutput::Event(e) => self.on_transaction_event(now, e),
            }
        }
    }

    fn on_transaction_event(&mut self, now: Instant, event: TransactionEvent) {
        match event {
            TransactionEvent::Response { id, response } => {
                if response.status.is_final() {
                    self.bye_done(id);
                }
            }
            TransactionEvent::Timeout { id } | TransactionEvent::TransportError { id } => {
                self.bye_done(id);
            }
            TransactionEvent::AckTimeout { id } => {
                let Some(call_id) = self.tx_calls.get(&id).cloned() else {
                    return;
                };
                let unacked = self
                    .calls
                    .get(&call_id)
                    .is_some_and(|c| c.invite_tx == id && !c.acked && c.phase == Phase::Answered);
                if unacked {
                    self.hang_up(now, &call_id, CallEnd::NoAck);
                }
            }
            TransactionEvent::Terminated { id } => {
                self.tx_calls.remove(&id);
            }
        }
    }

    /// The BYE transaction `id` is finished: forget its call.
    fn bye_done(&mut self, id: TransactionId) {
        let Some(call_id) = self.tx_calls.get(&id).cloned() else {
            return;
        };
        if self
            .calls
            .get(&call_id)
            .is_some_and(|c| c.phase == Phase::Ending && c.invite_tx != id)
        {
            self.remove_call(&call_id);
        }
    }

    fn remove_call(&mut self, call_id: &str) {
        self.clear_timer(call_id);
        self.calls.remove(call_id);
    }

    fn on_request(&mut self, now: Instant, from: SocketAddr, request: Request) {
        match self.transactions.receive_request(now, request, from) {
            ServerMatch::New { id, request } => self.on_new_request(now, from, id, request),
            ServerMatch::Absorbed => {}
            ServerMatch::Ack(ack) => self.on_ack(&ack),
            ServerMatch::Overloaded(request) => {
                if request.method != Method::Ack {
                    let resp = Response::for_request(
                        &request,
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Service Unavailable",
                    );
                    if let Ok(via) = request.headers.top_via() {
                        let to = sip_core::transaction::response_destination(&via, from);
                        self.out.push_back(CoreOutput::Transmit {
                            to,
                            data: resp.to_bytes(),
                        });
                    }
                }
            }
        }
    }

    fn respond(&mut self, now: Instant, id: TransactionId, mut response: Response) {
        response
            .headers
            .push(HeaderName::Server, USER_AGENT.to_owned());
        // The transaction may already be gone (a CANCEL raced the answer);
        // then there is nothing left to answer.
        let _ = self.transactions.respond(now, id, response);
    }

    /// A response to `request` with our To tag.
    fn reply(&self, request: &Request, status: StatusCode, tag: &str) -> Response {
        let mut resp = Response::for_request(request, status, status.canonical_reason());
        let _ = resp.set_to_tag(tag);
        resp
    }

    fn on_new_request(&mut self, now: Instant, from: SocketAddr, id: TransactionId, req: Request) {
        if let Err(rejection) = sip_core::validate_request(&req, &self.policy) {
            let resp = rejection.to_response(&req, &self.policy);
            self.respond(now, id, resp);
            return;
        }
        match req.method {
            Method::Invite => self.on_invite(now, from, id, req),
            Method::Cancel => self.on_cancel(now, id, &req),
            Method::Bye => self.on_bye(now, id, &req),
            Method::Options => {
                let mut resp = Response::for_request(&req, StatusCode::OK, "OK");
                let tag = self.token(6);
                let _ = resp.set_to_tag(&tag);
                resp.headers.push(HeaderName::Allow, ALLOW.to_owned());
                resp.headers
                    .push(HeaderName::Accept, "application/sdp".to_owned());
                self.respond(now, id, resp);
                self.event(SimEvent::Options { source: from });
            }
            Method::Register => self.on_register(now, from, id, &req),
            _ => {
                let resp = Response::for_request(
                    &req,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method Not Allowed",
                );
                self.respond(now, id, resp);
            }
        }
    }

    fn call_id_of(req: &Request) -> String {
        req.headers
            .call_id()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default()
    }

    fn on_register(&mut self, now: Instant, from: SocketAddr, id: TransactionId, req: &Request) {
        let credentials = req.headers.authorization().unwrap_or_default();
        let user = match self.auth.check(now, req, &credentials) {
            AuthCheck::Passed(user) => user,
            AuthCheck::Missing => return self.challenge(now, from, id, req, false),
            AuthCheck::Stale => return self.challenge(now, from, id, req, true),
            AuthCheck::Wrong(user) => {
                let status = match self.config.wrong_password {
                    WrongPassword::Forbidden => {
                        let resp = Response::for_request(req, StatusCode::FORBIDDEN, "Forbidden");
                        self.respond(now, id, resp);
                        StatusCode::FORBIDDEN
                    }
                    WrongPassword::Challenge => {
                        self.send_challenge(now, id, req, false);
                        StatusCode::UNAUTHORIZED
                    }
                };
                self.event(SimEvent::RegistrationRejected {
                    user,
                    status: status.as_u16(),
                    source: from,
                });
                return;
            }
        };
        match self.registrar.apply(now, &user, req) {
            Ok(bindings) => {
                let mut resp = Response::for_request(req, StatusCode::OK, "OK");
                let tag = self.token(6);
                let _ = resp.set_to_tag(&tag);
                for (uri, expires) in &bindings {
                    resp.headers
                        .push(HeaderName::Contact, format!("<{uri}>;expires={expires}"));
                }
                self.respond(now, id, resp);
                let event = match bindings.last() {
                    Some((contact, expires)) => SimEvent::Registered {
                        user,
                        contact: contact.clone(),
                        expires: *expires,
                        source: from,
                    },
                    None => SimEvent::Unregistered { user, source: from },
                };
                self.event(event);
            }
            Err(e) => {
                let detail = match e {
                    RegisterError::Malformed => "malformed Contact or Expires",
                    RegisterError::WildcardNeedsZero => "Contact: * needs Expires: 0",
                };
                let resp = Response::for_request(req, StatusCode::BAD_REQUEST, detail);
                self.respond(now, id, resp);
            }
        }
    }

    /// Sends a 401 (REGISTER) or 407 (anything else) with a new nonce.
    fn send_challenge(&mut self, now: Instant, id: TransactionId, req: &Request, stale: bool) {
        let value = self.auth.challenge(now, &mut self.rng, stale);
        let (status, header) = if req.method == Method::Register {
            (StatusCode::UNAUTHORIZED, HeaderName::WwwAuthenticate)
        } else {
            (
                StatusCode::PROXY_AUTHENTICATION_REQUIRED,
                HeaderName::ProxyAuthenticate,
            )
        };
        let tag = self.token(6);
        let mut resp = self.reply(req, status, &tag);
        resp.headers.push(header, value);
        self.respond(now, id, resp);
    }

    fn challenge(
        &mut self,
        now: Instant,
        from: SocketAddr,
        id: TransactionId,
        req: &Request,
        stale: bool,
    ) {
        self.send_challenge(now, id, req, stale);
        let status = if req.method == Method::Register {
            401
        } else {
            407
        };
        self.event(SimEvent::Challenged {
            method: req.method.as_str().to_owned(),
            status,
            call_id: Self::call_id_of(req),
            source: from,
        });
    }

    /// Refuses an INVITE before any call exists.
    fn reject(
        &mut self,
        now: Instant,
        id: TransactionId,
        req: &Request,
        status: StatusCode,
        why: String,
    ) {
        let tag = self.token(6);
        let resp = self.reply(req, status, &tag);
        self.respond(now, id, resp);
        self.event(SimEvent::Rejected {
            call_id: Self::call_id_of(req),
            status: status.as_u16(),
            reason: why,
        });
    }

    /// Our media description for answers (the port is filled in later).
    fn local_media(&self, port: u16, version: u64) -> LocalMedia {
        let mut local = LocalMedia::new(self.config.advertised_ip(), port);
        local.codecs = self
            .config
            .codecs
            .iter()
            .filter_map(|c| match c {
                codecs::Codec::Pcmu => Some(sip_core::sdp::Codec::pcmu()),
                codecs::Codec::Pcma => Some(sip_core::sdp::Codec::pcma()),
                codecs::Codec::Gsm => Some(sip_core::sdp::Codec::gsm()),
                codecs::Codec::G729 => Some(sip_core::sdp::Codec::g729()),
                _ => None,
            })
            .collect();
        local.username = "trunkline-sim".into();
        local.session_id = 1;
        local.session_version = version;
        local
    }

    fn on_invite(&mut self, now: Instant, from: SocketAddr, id: TransactionId, req: Request) {
        let call_id = Self::call_id_of(&req);
        let has_to_tag = req.headers.to().is_ok_and(|t| t.tag().is_some());
        if has_to_tag {
            return self.on_reinvite(now, id, &call_id, &req);
        }
        if self.calls.contains_key(&call_id) {
            let tag = self.token(6);
            let resp = self.reply(&req, StatusCode::LOOP_DETECTED, &tag);
            return self.respond(now, id, resp);
        }
        match &self.config.invite_auth {
            InviteAuth::Digest => {
                let credentials = req.headers.proxy_authorization().unwrap_or_default();
                match self.auth.check(now, &req, &credentials) {
                    AuthCheck::Passed(_) => {}
                    AuthCheck::Missing => return self.challenge(now, from, id, &req, false),
                    AuthCheck::Stale => return self.challenge(now, from, id, &req, true),
                    AuthCheck::Wrong(user) => {
                        if self.config.wrong_password == WrongPassword::Challenge {
                            self.send_challenge(now, id, &req, false);
                            self.event(SimEvent::Rejected {
                                call_id,
                                status: 407,
                                reason: format!("wrong password for '{user}'"),
                            });
                            return;
                        }
                        let why = format!("wrong password for '{user}'");
                        return self.reject(now, id, &req, StatusCode::FORBIDDEN, why);
                    }
                }
            }
            InviteAuth::Ip(allowed) => {
                if !allowed.contains(&from.ip()) {
                    let why = format!("{} is not an allowed address", from.ip());
                    return self.reject(now, id, &req, StatusCode::FORBIDDEN, why);
                }
            }
        }
        let is_sdp = req
            .headers
            .content_type()
            .ok()
            .flatten()
            .is_some_and(|t| t.is("application/sdp"));
        if !is_sdp || req.body.is_empty() {
            let why = "INVITE without an SDP offer (late offer is not simulated)".to_owned();
            return self.reject(now, id, &req, StatusCode::NOT_ACCEPTABLE_HERE, why);
        }
        let offer = match SessionDescription::parse(&req.body) {
            Ok(offer) => offer,
            Err(e) => {
                let why = format!("malformed SDP: {e}");
                return self.reject(now, id, &req, StatusCode::BAD_REQUEST, why);
            }
        };
        if let Err(e) = self.local_media(9, 1).answer(&offer) {
            return self.reject(now, id, &req, e.status(), e.to_string());
        }
        let number = dialed_number(&req.uri);
        if number.is_empty() {
            let why = "the Request-URI has no number".to_owned();
            return self.reject(now, id, &req, StatusCode::NOT_FOUND, why);
        }
        let trying = Response::for_request(&req, StatusCode::TRYING, "Trying");
        self.respond(now, id, trying);
        self.event(SimEvent::Invite {
            call_id: call_id.clone(),
            number: number.clone(),
            source: from,
        });
        let prediction = self.config.plan.predict(&number);
        self.event(SimEvent::Decided {
            call_id: call_id.clone(),
            number: number.clone(),
            outcome: prediction.outcome,
            ring_ms: prediction.ring.as_millis() as u64,
        });
        let local_tag = self.token(6);
        let call = Call {
            call_id: call_id.clone(),
            number,
            prediction,
            invite: req,
            invite_tx: id,
            source: from,
            local_tag,
            offer,
            started: now,
            answered: None,
            acked: false,
            phase: Phase::Ringing,
            deadline: None,
            local_cseq: self.rng.next_u32() % 10_000,
            rtp_port: 0,
            sdp_version: 1,
            codec: None,
            reinvite_tx: None,
            ended: None,
        };
        self.tx_calls.insert(id, call_id.clone());
        self.calls.insert(call_id.clone(), call);
        match prediction.outcome {
            CallOutcome::Busy => {
                self.final_non_2xx(now, &call_id, StatusCode::BUSY_HERE, CallEnd::Busy);
            }
            CallOutcome::Unavailable => {
                self.final_non_2xx(
                    now,
                    &call_id,
                    StatusCode::SERVICE_UNAVAILABLE,
                    CallEnd::Unavailable,
                );
            }
            CallOutcome::NoAnswer => {
                self.ring(now, &call_id);
                let at = now + self.config.no_answer_timeout;
                self.set_timer(&call_id, at, CallTimer::GiveUp);
            }
            CallOutcome::Answer => {
                self.ring(now, &call_id);
                self.set_timer(&call_id, now + prediction.ring, CallTimer::Answer);
            }
        }
    }

    fn ring(&mut self, now: Instant, call_id: &str) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let mut resp = self.reply(&call.invite, StatusCode::RINGING, &call.local_tag);
        resp.headers.push(HeaderName::Contact, self.contact());
        let id = call.invite_tx;
        self.respond(now, id, resp);
        self.event(SimEvent::Ringing {
            call_id: call_id.to_owned(),
        });
    }

    fn contact(&self) -> String {
        let ip = self.config.advertised_ip();
        let host = match ip {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        };
        format!("<sip:sim@{host}:{}>", self.local.port())
    }

    /// Answers the INVITE of `call_id` with a non-2xx final and ends the call.
    fn final_non_2xx(&mut self, now: Instant, call_id: &str, status: StatusCode, end: CallEnd) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let resp = self.reply(&call.invite, status, &call.local_tag);
        let id = call.invite_tx;
        self.respond(now, id, resp);
        self.end_call(now, call_id, end, status.as_u16());
        self.remove_call(call_id);
    }

    /// Publishes the end of a call (once).
    fn end_call(&mut self, now: Instant, call_id: &str, end: CallEnd, status: u16) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if call.ended.is_some() {
            return;
        }
        call.ended = Some(end);
        let ring_end = call.answered.unwrap_or(now);
        let report = CallReport {
            call_id: call_id.to_owned(),
            number: call.number.clone(),
            outcome: call.prediction.outcome,
            end,
            status,
            ring_ms: ms(ring_end.saturating_duration_since(call.started)),
            talk_ms: call
                .answered
                .map_or(0, |at| ms(now.saturating_duration_since(at))),
            media: None,
        };
        self.out.push_back(CoreOutput::EndCall(report));
    }

    /// The ring time is over: ask the driver for RTP sockets.
    fn ring_over(&mut self, _now: Instant, call_id: &str) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        call.phase = Phase::OpeningMedia;
        self.out.push_back(CoreOutput::OpenMedia {
            call_id: call_id.to_owned(),
        });
    }

    /// The driver opened (or failed to open) the RTP sockets of `call_id`.
    /// Returns false when the call is gone (cancelled meanwhile): the driver
    /// closes the sockets.
    pub fn media_opened(&mut self, now: Instant, call_id: &str, port: Result<u16, String>) -> bool {
        let open = self
            .calls
            .get(call_id)
            .is_some_and(|c| c.phase == Phase::OpeningMedia);
        if !open {
            return false;
        }
        let port = match port {
            Ok(port) => port,
            Err(why) => {
                self.event(SimEvent::Error {
                    message: format!("call {call_id}: no RTP port: {why}"),
                });
                self.final_non_2xx(
                    now,
                    call_id,
                    StatusCode::SERVER_INTERNAL_ERROR,
                    CallEnd::MediaFailed,
                );
                self.pump(now);
                return false;
            }
        };
        let local = self.local_media(port, 1);
        let contact = self.contact();
        let Some(call) = self.calls.get_mut(call_id) else {
            return false;
        };
        let Ok((answer, negotiated)) = local.answer(&call.offer) else {
            return false;
        };
        let Some(codec) =
            codecs::Codec::from_rtpmap(&negotiated.codec.name, negotiated.codec.clock_rate)
        else {
            return false;
        };
        call.rtp_port = port;
        call.phase = Phase::Answered;
        call.answered = Some(now);
        call.codec = Some(negotiated.codec.clone());
        let mut resp = Response::for_request(&call.invite, StatusCode::OK, "OK");
        let _ = resp.set_to_tag(&call.local_tag);
        resp.copy_record_route(&call.invite);
        resp.headers.push(HeaderName::Contact, contact);
        resp.headers.push(HeaderName::Allow, ALLOW.to_owned());
        resp.set_body("application/sdp", answer.to_text().into_bytes());
        let id = call.invite_tx;
        let config = media_config(codec, &negotiated, call_id);
        self.respond(now, id, resp);
        self.out.push_back(CoreOutput::StartMedia {
            call_id: call_id.to_owned(),
            config: Box::new(config),
        });
        self.event(SimEvent::Answered {
            call_id: call_id.to_owned(),
            codec: codec.encoding_name().to_owned(),
            rtp_port: port,
            remote_rtp: negotiated.remote_rtp,
        });
        let at = now + self.config.talk_time;
        self.set_timer(call_id, at, CallTimer::HangUp);
        self.pump(now);
        true
    }

    fn on_ack(&mut self, ack: &Request) {
        let call_id = Self::call_id_of(ack);
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        if let Some(tx) = call.reinvite_tx.take() {
            self.transactions.ack_received(tx);
            return;
        }
        if call.phase == Phase::Answered && !call.acked {
            call.acked = true;
            let tx = call.invite_tx;
            self.transactions.ack_received(tx);
            self.event(SimEvent::Acked { call_id });
        }
    }

    fn on_cancel(&mut self, now: Instant, id: TransactionId, req: &Request) {
        let Some(invite_tx) = self.transactions.find_cancelled_invite(req) else {
            let resp = Response::for_request(
                req,
                StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST,
                "Call/Transaction Does Not Exist",
            );
            return self.respond(now, id, resp);
        };
        let known = self
            .tx_calls
            .get(&invite_tx)
            .and_then(|c| self.calls.get(c))
            .map(|c| c.local_tag.clone());
        let tag = known.unwrap_or_else(|| self.token(6));
        let ok = self.reply(req, StatusCode::OK, &tag);
        self.respond(now, id, ok);
        if !self.transactions.is_proceeding(invite_tx) {
            return;
        }
        let Some(call_id) = self.tx_calls.get(&invite_tx).cloned() else {
            return;
        };
        self.event(SimEvent::Canceled {
            call_id: call_id.clone(),
        });
        self.final_non_2xx(
            now,
            &call_id,
            StatusCode::REQUEST_TERMINATED,
            CallEnd::Canceled,
        );
    }

    fn on_bye(&mut self, now: Instant, id: TransactionId, req: &Request) {
        let call_id = Self::call_id_of(req);
        let known = self.calls.get(&call_id).filter(|c| c.in_dialog(req));
        let Some(call) = known else {
            let resp = Response::for_request(
                req,
                StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST,
                "Call/Transaction Does Not Exist",
            );
            return self.respond(now, id, resp);
        };
        let phase = call.phase;
        let tag = call.local_tag.clone();
        let ok = self.reply(req, StatusCode::OK, &tag);
        self.respond(now, id, ok);
        self.event(SimEvent::ByeReceived {
            call_id: call_id.clone(),
        });
        match phase {
            Phase::Answered | Phase::Ending => {
                self.end_call(now, &call_id, CallEnd::CallerHungUp, 200);
                self.remove_call(&call_id);
            }
            Phase::Ringing | Phase::OpeningMedia => {
                self.final_non_2xx(
                    now,
                    &call_id,
                    StatusCode::REQUEST_TERMINATED,
                    CallEnd::Canceled,
                );
            }
        }
    }

    fn on_reinvite(&mut self, now: Instant, id: TransactionId, call_id: &str, req: &Request) {
        let answered = self
            .calls
            .get(call_id)
            .filter(|c| c.in_dialog(req) && c.phase == Phase::Answered);
        let Some(call) = answered else {
            let resp = Response::for_request(
                req,
                StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST,
                "Call/Transaction Does Not Exist",
            );
            return self.respond(now, id, resp);
        };
        let mut local = self.local_media(call.rtp_port, call.sdp_version + 1);
        if let Some(codec) = &call.codec {
            local.codecs.retain(|c| c.same_format(codec));
        }
        let tag = call.local_tag.clone();
        let offer = SessionDescription::parse(&req.body);
        let answered = offer
            .map_err(|e| e.to_string())
            .and_then(|o| local.answer(&o).map_err(|e| e.to_string()));
        let (answer, negotiated) = match answered {
            Ok(pair) => pair,
            Err(why) => {
                let resp = self.reply(req, StatusCode::NOT_ACCEPTABLE_HERE, &tag);
                self.respond(now, id, resp);
                self.event(SimEvent::Rejected {
                    call_id: call_id.to_owned(),
                    status: 488,
                    reason: format!("re-INVITE: {why}"),
                });
                return;
            }
        };
        let contact = self.contact();
        let mut resp = self.reply(req, StatusCode::OK, &tag);
        resp.headers.push(HeaderName::Contact, contact);
        resp.set_body("application/sdp", answer.to_text().into_bytes());
        self.respond(now, id, resp);
        if let Some(call) = self.calls.get_mut(call_id) {
            call.sdp_version += 1;
            call.reinvite_tx = Some(id);
        }
        self.out.push_back(CoreOutput::UpdateMedia {
            call_id: call_id.to_owned(),
            remote_rtp: negotiated.remote_rtp,
            remote_rtcp: negotiated.remote_rtcp,
        });
        self.event(SimEvent::Reinvite {
            call_id: call_id.to_owned(),
        });
    }

    /// Sends BYE on an answered call and ends it.
    fn hang_up(&mut self, now: Instant, call_id: &str, end: CallEnd) {
        let branch = format!("z9hG4bK{}", self.token(8));
        let local = SocketAddr::new(self.config.advertised_ip(), self.local.port());
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if call.phase != Phase::Answered {
            return;
        }
        call.phase = Phase::Ending;
        let built = call.bye(local, &branch);
        self.clear_timer(call_id);
        let sent = built
            .map_err(|e| format!("cannot build BYE: {e}"))
            .and_then(|(bye, to)| {
                self.transactions
                    .send_request(now, bye, to)
                    .map_err(|e| format!("cannot send BYE: {e}"))
            });
        match sent {
            Ok(tx) => {
                self.tx_calls.insert(tx, call_id.to_owned());
                self.event(SimEvent::ByeSent {
                    call_id: call_id.to_owned(),
                });
                self.end_call(now, call_id, end, 200);
            }
            Err(why) => {
                self.event(SimEvent::Error {
                    message: format!("call {call_id}: {why}"),
                });
                self.end_call(now, call_id, end, 200);
                self.remove_call(call_id);
            }
        }
    }

    /// Ends every call at shutdown: BYE to answered calls, 480 to ringing ones.
    pub fn shutdown(&mut self, now: Instant) {
        let ids: Vec<String> = self.calls.keys().cloned().collect();
        for call_id in ids {
            match self.calls.get(&call_id).map(|c| c.phase) {
                Some(Phase::Answered) => self.hang_up(now, &call_id, CallEnd::SimulatorHungUp),
                Some(Phase::Ringing | Phase::OpeningMedia) => self.final_non_2xx(
                    now,
                    &call_id,
                    StatusCode::TEMPORARILY_UNAVAILABLE,
                    CallEnd::NoAnswerTimeout,
                ),
                _ => {}
            }
        }
        self.pump(now);
    }
}

/// Whole milliseconds.
fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The media session's settings for an answered call.
fn media_config(codec: codecs::Codec, negotiated: &NegotiatedMedia, call_id: &str) -> MediaConfig {
    let mut config = MediaConfig::new(codec, negotiated.remote_rtp);
    config.payload_type = negotiated.codec.payload_type;
    config.dtmf_payload_type = negotiated
        .dtmf_payload_type
        .filter(|pt| *pt != negotiated.codec.payload_type);
    config.remote_rtcp = negotiated.remote_rtcp;
    config.cname = format!("sim-{}", call_id.chars().take(16).collect::<String>());
    config.send_silence = true;
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::InviteAuth;
    use sip_core::Response;

    const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
        t=0 0\r\nm=audio 4000 RTP/AVP 8 0\r\na=sendrecv\r\n";

    fn invite() -> String {
        format!(
            "INVITE sip:+60123@127.0.0.1:5070 SIP/2.0\r\n\
            Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKcall1;rport\r\n\
            Max-Forwards: 70\r\n\
            From: <sip:uac@127.0.0.1>;tag=f1\r\n\
            To: <sip:+60123@127.0.0.1>\r\n\
            Call-ID: call-1\r\n\
            CSeq: 1 INVITE\r\n\
            Contact: <sip:uac@127.0.0.1:5080>\r\n\
            Content-Type: application/sdp\r\n\
            Content-Length: {}\r\n\r\n{SDP}",
            SDP.len()
        )
    }

    fn drain(core: &mut SimCore) -> Vec<CoreOutput> {
        std::iter::from_fn(|| core.poll_output()).collect()
    }

    fn statuses(out: &[CoreOutput]) -> Vec<u16> {
        out.iter()
            .filter_map(|o| match o {
                CoreOutput::Transmit { data, .. } => Response::parse(data.clone())
                    .ok()
                    .map(|r| r.status.as_u16()),
                _ => None,
            })
            .collect()
    }

    /// A whole answered call in simulated time: every deadline is exact.
    #[test]
    fn an_answered_call_runs_on_exact_deadlines() {
        let mut config = SimConfig::loopback();
        config.invite_auth = InviteAuth::Ip(vec!["127.0.0.1".parse().unwrap()]);
        config.plan.weights.busy = 0.0;
        config.plan.weights.no_answer = 0.0;
        config.plan.weights.unavailable = 0.0;
        config.talk_time = Duration::from_secs(7);
        let prediction = config.plan.predict("+60123");
        let local: SocketAddr = "127.0.0.1:5070".parse().unwrap();
        let caller: SocketAddr = "127.0.0.1:5080".parse().unwrap();
        let mut core = SimCore::new(config, local);
        let t0 = Instant::now();
        core.handle_datagram(t0, caller, Bytes::from(invite()));
        let out = drain(&mut core);
        assert_eq!(statuses(&out), [100, 180]);
        assert_eq!(core.poll_timeout(), Some(t0 + prediction.ring));

        core.handle_timeout(t0 + prediction.ring);
        let out = drain(&mut core);
        assert!(matches!(&out[..], [CoreOutput::OpenMedia { call_id }] if call_id == "call-1"));
        let answered = t0 + prediction.ring + Duration::from_millis(1);
        assert!(core.media_opened(answered, "call-1", Ok(30_000)));
        let out = drain(&mut core);
        assert_eq!(statuses(&out), [200]);
        let start = out.iter().find_map(|o| match o {
            CoreOutput::StartMedia { config, .. } => Some(config),
            _ => None,
        });
        let media = start.expect("StartMedia");
        assert_eq!(
            media.codec,
            codecs::Codec::Pcma,
            "the offer's first codec (8 0) that the simulator supports"
        );
        assert_eq!(media.remote_rtp, "127.0.0.1:4000".parse().unwrap());

        // The 200 is retransmitted at T1 until the ACK; then BYE at 7 s.
        core.handle_timeout(answered + Duration::from_millis(500));
        assert_eq!(statuses(&drain(&mut core)), [200]);
        let ack = invite()
            .replace("INVITE sip", "ACK sip")
            .replace("z9hG4bKcall1", "z9hG4bKack1")
            .replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
            .replace(SDP, "")
            .replace(
                &format!("Content-Length: {}", SDP.len()),
                "Content-Length: 0",
            );
        let tag = core
            .calls
            .get("call-1")
            .map(|c| c.local_tag.clone())
            .unwrap();
        let ack = ack.replace(
            "To: <sip:+60123@127.0.0.1>",
            &format!("To: <sip:+60123@127.0.0.1>;tag={tag}"),
        );
        core.handle_datagram(
            answered + Duration::from_millis(600),
            caller,
            Bytes::from(ack),
        );
        let out = drain(&mut core);
        assert!(
            out.iter()
                .any(|o| matches!(o, CoreOutput::Event(SimEvent::Acked { .. })))
        );
        assert_eq!(core.poll_timeout(), Some(answered + Duration::from_secs(7)));
        core.handle_timeout(answered + Duration::from_secs(7));
        let out = drain(&mut core);
        let bye = out.iter().find_map(|o| match o {
            CoreOutput::Transmit { to, data } => {
                Request::parse(data.clone()).ok().map(|r| (*to, r))
            }
            _ => None,
        });
        let (to, bye) = bye.expect("BYE");
        assert_eq!(bye.method, Method::Bye);
        assert_eq!(to, caller, "to the caller's Contact");
        assert_eq!(bye.uri.to_string(), "sip:uac@127.0.0.1:5080");
        let report = out.iter().find_map(|o| match o {
            CoreOutput::EndCall(r) => Some(r),
            _ => None,
        });
        let report = report.expect("EndCall");
        assert_eq!(report.end, CallEnd::SimulatorHungUp);
        assert_eq!(report.talk_ms, 7000);
        assert_eq!(report.ring_ms, prediction.ring.as_millis() as u64 + 1);
    }
}
