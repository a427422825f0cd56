//! A tiny registrar and UAS for the tests, built from the crate's own
//! transaction layer, digest code and SDP module.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sip_core::auth::{Algorithm, DigestChallenge, DigestCredentials, Qop};
use sip_core::sdp::{Direction, LocalMedia, SessionDescription};
use sip_core::transaction::{
    ServerMatch, TimerConfig, TransactionEvent, TransactionId, TransactionLayer, TransactionOutput,
    Transmit,
};
use sip_core::{
    CSeq, HeaderName, Message, Method, NameAddr, Request, Response, StatusCode, Transport, Uri, Via,
};

/// How the registrar answers REGISTER.
#[derive(Clone, Debug, Default)]
pub struct Registrar {
    /// Demand digest credentials for (user, password).
    pub auth: Option<(String, String)>,
    /// Expires granted (in the Contact); `None`: as asked.
    pub grant: Option<u32>,
    /// Answer 423 below this.
    pub min_expires: Option<u32>,
    /// Answer every REGISTER with this status.
    pub reject: Option<u16>,
    /// The next REGISTER with valid credentials gets 401 stale=true once.
    pub stale_once: bool,
    /// A new nonce in every challenge (else the nonce changes only when
    /// it is stale).
    pub rotate_nonce: bool,
    /// Write this source address into `received` / `rport` (a NAT in between).
    pub nat_view: Option<SocketAddr>,
    nonce: u32,
    /// (time, Expires granted, Contact) of every accepted REGISTER.
    pub accepted: Vec<(Duration, u32, String)>,
}

/// One step of the UAS's answer to an INVITE, `after` its arrival.
#[derive(Clone, Debug)]
pub struct Step {
    pub after: Duration,
    pub status: u16,
    pub sdp: bool,
    /// The To tag (forks use different ones).
    pub tag: &'static str,
    /// Extra headers, appended as given (malformed ones too).
    pub headers: Vec<(HeaderName, &'static str)>,
    /// This SDP instead of the answer to the INVITE's offer.
    pub body: Option<&'static str>,
}

impl Step {
    pub fn new(after_ms: u64, status: u16, sdp: bool) -> Step {
        Step {
            after: Duration::from_millis(after_ms),
            status,
            sdp,
            tag: "uas1",
            headers: Vec::new(),
            body: None,
        }
    }

    /// Sends `sdp` (newlines become CRLF) as the body.
    pub fn with_body(mut self, sdp: &'static str) -> Step {
        self.body = Some(sdp);
        self
    }

    pub fn header(mut self, name: HeaderName, value: &'static str) -> Step {
        self.headers.push((name, value));
        self
    }

    pub fn tagged(mut self, tag: &'static str) -> Step {
        self.tag = tag;
        self
    }
}

/// How the UAS answers INVITEs.
#[derive(Clone, Debug)]
pub struct Uas {
    pub script: Vec<Step>,
    /// CANCEL of a proceeding INVITE gets 487 for the INVITE.
    pub honour_cancel: bool,
    /// Session-Expires and refresher to put in the 2xx (with Require: timer).
    pub session_expires: Option<(u32, &'static str)>,
    /// Answer 422 with this Min-SE when the INVITE asks for less.
    pub min_se: Option<u32>,
    /// List UPDATE in Allow.
    pub allow_update: bool,
    pub record_route: Option<&'static str>,
    /// Answer in-dialog requests (re-INVITE, UPDATE) at all.
    pub answer_in_dialog: bool,
    /// Demand proxy credentials (407) for (user, password) on INVITE.
    pub proxy_auth: Option<(String, String)>,
    /// Retry-After on failure responses.
    pub retry_after: Option<u32>,
    /// Challenge INVITEs with 401 / WWW-Authenticate instead of 407 when
    /// `proxy_auth` is set.
    pub auth_401: bool,
    /// Answer in-dialog re-INVITEs and UPDATEs with this status.
    pub in_dialog_status: Option<u16>,
    /// Demand credentials (401) for (user, password) on BYE.
    pub bye_auth: Option<(String, String)>,
}

impl Default for Uas {
    fn default() -> Self {
        Uas {
            script: vec![
                Step::new(0, 100, false),
                Step::new(50, 180, false),
                Step::new(100, 200, true),
            ],
            honour_cancel: true,
            session_expires: None,
            min_se: None,
            allow_update: true,
            record_route: None,
            answer_in_dialog: true,
            proxy_auth: None,
            retry_after: None,
            auth_401: false,
            in_dialog_status: None,
            bye_auth: None,
        }
    }
}

/// The UAS side of one call.
#[derive(Debug)]
pub struct PeerCall {
    pub invite: Request,
    pub invite_tx: TransactionId,
    pub tag: String,
    pub seq: u32,
    pub acked: Vec<Duration>,
    pub confirmed: bool,
    pub ended: bool,
    pub our_media: LocalMedia,
}

pub struct Peer {
    pub addr: SocketAddr,
    pub t0: Instant,
    now: Instant,
    layer: TransactionLayer,
    rng: ChaCha8Rng,
    /// Drop everything (a dead proxy).
    pub silent: bool,
    pub registrar: Registrar,
    pub uas: Uas,
    /// Every request that arrived (retransmissions too).
    pub requests: Vec<(Duration, Request)>,
    /// Every response to the peer's own requests.
    pub responses: Vec<(Duration, Response)>,
    pub calls: Vec<PeerCall>,
    scheduled: Vec<(Instant, usize, Step)>,
    out: VecDeque<Transmit>,
    /// Our client transactions: call index, method, whether it had a body.
    own: Vec<(TransactionId, usize, Method, bool)>,
    /// Server transactions of re-INVITEs we answered (stopped by the ACK).
    reinvites: Vec<TransactionId>,
}

fn answer(req: &Request, status: u16) -> Response {
    let status = StatusCode::new(status).expect("valid status");
    Response::for_request(req, status, status.canonical_reason())
}

impl Peer {
    pub fn new(addr: SocketAddr, t0: Instant, seed: u64) -> Peer {
        Peer {
            addr,
            t0,
            now: t0,
            layer: TransactionLayer::new(TimerConfig::default()),
            rng: ChaCha8Rng::seed_from_u64(seed),
            silent: false,
            registrar: Registrar::default(),
            uas: Uas::default(),
            requests: Vec::new(),
            responses: Vec::new(),
            calls: Vec::new(),
            scheduled: Vec::new(),
            out: VecDeque::new(),
            own: Vec::new(),
            reinvites: Vec::new(),
        }
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        let s = self.scheduled.iter().map(|(at, ..)| *at).min();
        [s, self.layer.poll_timeout()].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.drain();
        self.out.pop_front()
    }

    fn drain(&mut self) {
        while let Some(o) = self.layer.poll_output() {
            match o {
                TransactionOutput::Transmit(t) => self.out.push_back(t),
                TransactionOutput::Event(TransactionEvent::Response { id, response }) => {
                    self.on_response(id, response)
                }
                TransactionOutput::Event(_) => {}
            }
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.layer.handle_timeout(now);
        if self.silent {
            // A dead proxy: its timers run down, nothing leaves it.
            self.scheduled.retain(|(at, ..)| *at > now);
            self.drain();
            self.out.clear();
            return;
        }
        let due: Vec<_> = self
            .scheduled
            .iter()
            .filter(|(at, ..)| *at <= now)
            .cloned()
            .collect();
        self.scheduled.retain(|(at, ..)| *at > now);
        for (_, call, step) in due {
            self.respond_step(now, call, &step);
        }
        self.drain();
    }

    pub fn receive(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        self.now = now;
        if self.silent {
            return;
        }
        let Ok(msg) = Message::parse(data) else {
            return;
        };
        match msg {
            Message::Response(r) => {
                let _ = self.layer.receive_response(now, r);
            }
            Message::Request(r) => {
                self.requests.push((now - self.t0, r.clone()));
                match self.layer.receive_request(now, r, from) {
                    ServerMatch::New { id, request } => self.on_request(now, id, request),
                    ServerMatch::Ack(ack) => self.on_ack(now, ack),
                    _ => {}
                }
            }
        }
        self.drain();
    }

    fn on_request(&mut self, now: Instant, id: TransactionId, req: Request) {
        let to_tag = req.headers.to().ok().and_then(|t| t.tag().cloned());
        match (req.method.clone(), to_tag) {
            (Method::Register, _) => self.on_register(now, id, req),
            (Method::Invite, None) => self.on_invite(now, id, req),
            (Method::Cancel, _) => {
                let _ = self.layer.respond(now, id, answer(&req, 200));
                if let Some(inv) = self.layer.find_cancelled_invite(&req) {
                    if self.uas.honour_cancel && self.layer.is_proceeding(inv) {
                        if let Some(i) = self.calls.iter().position(|c| c.invite_tx == inv) {
                            self.scheduled.retain(|(_, c, _)| *c != i);
                            let mut r = answer(&self.calls[i].invite, 487);
                            let _ = r.set_to_tag(&self.calls[i].tag.clone());
                            let _ = self.layer.respond(now, inv, r);
                            self.calls[i].ended = true;
                        }
                    }
                }
            }
            (Method::Bye, Some(_)) => {
                if let Some((user, password)) = self.uas.bye_auth.clone() {
                    let current = format!("nonce{}", self.registrar.nonce);
                    let valid = req
                        .headers
                        .authorization()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| DigestCredentials::from_credentials(a).ok())
                        .any(|c| {
                            c.nonce.as_str() == current
                                && c.verify(&user, &password, "BYE", &req.body)
                        });
                    if !valid {
                        let mut r = answer(&req, 401);
                        let ch = self.challenge(false);
                        r.headers.push(HeaderName::WwwAuthenticate, ch);
                        let _ = self.layer.respond(now, id, r);
                        return;
                    }
                }
                let _ = self.layer.respond(now, id, answer(&req, 200));
                if let Some(c) = self.call_of(&req) {
                    self.calls[c].ended = true;
                }
            }
            (Method::Invite | Method::Update, Some(_)) => {
                if !self.uas.answer_in_dialog {
                    return;
                }
                let Some(c) = self.call_of(&req) else {
                    let _ = self.layer.respond(now, id, answer(&req, 481));
                    return;
                };
                if let Some(status) = self.uas.in_dialog_status {
                    let _ = self.layer.respond(now, id, answer(&req, status));
                    return;
                }
                let mut r = answer(&req, 200);
                if let Some(se) = req.headers.get(&HeaderName::SessionExpires) {
                    r.headers.push(HeaderName::Require, "timer");
                    r.headers.push(HeaderName::SessionExpires, se.clone());
                }
                if req.method == Method::Invite {
                    if let Ok(offer) = SessionDescription::parse(&req.body) {
                        if let Ok((sdp, _)) = self.calls[c].our_media.answer(&offer) {
                            r.set_body("application/sdp", sdp.to_text());
                        }
                    }
                    r.headers
                        .push(HeaderName::Contact, format!("<sip:uas@{}>", self.addr));
                    self.reinvites.push(id);
                }
                let _ = self.layer.respond(now, id, r);
            }
            (_, _) => {
                let _ = self.layer.respond(now, id, answer(&req, 200));
            }
        }
    }

    fn call_of(&self, req: &Request) -> Option<usize> {
        let call_id = req.headers.call_id().ok()?;
        self.calls
            .iter()
            .position(|c| c.invite.headers.call_id().ok().as_ref() == Some(&call_id))
    }

    fn challenge(&mut self, stale: bool) -> String {
        if stale || self.registrar.rotate_nonce || self.registrar.nonce == 0 {
            self.registrar.nonce += 1;
        }
        DigestChallenge {
            realm: "trunk.test".into(),
            nonce: format!("nonce{}", self.registrar.nonce).into(),
            opaque: None,
            algorithm: Algorithm::Md5,
            qop: vec![Qop::Auth],
            stale,
            userhash: false,
        }
        .to_value()
    }

    fn on_register(&mut self, now: Instant, id: TransactionId, req: Request) {
        let mut resp;
        if let Some(status) = self.registrar.reject {
            resp = answer(&req, status);
        } else if let Some((user, password)) = self.registrar.auth.clone() {
            let current = format!("nonce{}", self.registrar.nonce);
            let creds = req
                .headers
                .authorization()
                .unwrap_or_default()
                .iter()
                .find_map(|a| DigestCredentials::from_credentials(a).ok());
            let valid = creds.as_ref().is_some_and(|c| {
                c.nonce.as_str() == current && c.verify(&user, &password, "REGISTER", &req.body)
            });
            if !valid {
                resp = answer(&req, 401);
                let ch = self.challenge(false);
                resp.headers.push(HeaderName::WwwAuthenticate, ch);
            } else if std::mem::take(&mut self.registrar.stale_once) {
                resp = answer(&req, 401);
                let ch = self.challenge(true);
                resp.headers.push(HeaderName::WwwAuthenticate, ch);
            } else {
                resp = self.grant(now, &req);
            }
        } else {
            resp = self.grant(now, &req);
        }
        let _ = resp.set_to_tag("reg");
        if let Some(seen) = self.registrar.nat_view {
            if let Ok(mut via) = resp.headers.top_via() {
                via.set_received(seen.ip(), seen.port());
                resp.headers
                    .set(HeaderName::Via, sip_core::HeaderValue::to_value(&via));
            }
        }
        let _ = self.layer.respond(now, id, resp);
    }

    fn grant(&mut self, now: Instant, req: &Request) -> Response {
        let asked = req.headers.expires().ok().flatten().unwrap_or(3600);
        if let Some(min) = self.registrar.min_expires {
            if asked > 0 && asked < min {
                let mut r = answer(req, 423);
                r.headers.push(HeaderName::MinExpires, min.to_string());
                return r;
            }
        }
        let granted = if asked == 0 {
            0
        } else {
            self.registrar.grant.unwrap_or(asked)
        };
        let contact = req
            .headers
            .contacts()
            .ok()
            .and_then(|c| c.first().and_then(|c| c.addr().map(|a| a.uri.to_string())))
            .unwrap_or_default();
        self.registrar
            .accepted
            .push((now - self.t0, granted, contact.clone()));
        let mut r = answer(req, 200);
        if granted > 0 {
            r.headers.push(
                HeaderName::Contact,
                format!("<{contact}>;expires={granted}"),
            );
        }
        r
    }

    fn on_invite(&mut self, now: Instant, id: TransactionId, req: Request) {
        if let Some((user, password)) = self.uas.proxy_auth.clone() {
            let current = format!("nonce{}", self.registrar.nonce);
            let creds = if self.uas.auth_401 {
                req.headers.authorization()
            } else {
                req.headers.proxy_authorization()
            };
            let valid = creds
                .unwrap_or_default()
                .iter()
                .filter_map(|a| DigestCredentials::from_credentials(a).ok())
                .any(|c| {
                    c.nonce.as_str() == current && c.verify(&user, &password, "INVITE", &req.body)
                });
            if !valid {
                let (status, header) = if self.uas.auth_401 {
                    (401, HeaderName::WwwAuthenticate)
                } else {
                    (407, HeaderName::ProxyAuthenticate)
                };
                let mut r = answer(&req, status);
                let ch = self.challenge(false);
                r.headers.push(header, ch);
                let _ = r.set_to_tag("auth");
                let _ = self.layer.respond(now, id, r);
                return;
            }
        }
        if let (Some(min), Ok(Some(se))) = (self.uas.min_se, req.headers.session_expires()) {
            if se.delta < min {
                let mut r = answer(&req, 422);
                r.headers.push(HeaderName::MinSe, min.to_string());
                let _ = r.set_to_tag("uas422");
                let _ = self.layer.respond(now, id, r);
                return;
            }
        }
        let index = self.calls.len();
        let ip = self.addr.ip();
        self.calls.push(PeerCall {
            invite: req,
            invite_tx: id,
            tag: "uas1".into(),
            seq: 1000,
            acked: Vec::new(),
            confirmed: false,
            ended: false,
            our_media: LocalMedia::new(ip, 30000),
        });
        for step in self.uas.script.clone() {
            if step.after.is_zero() {
                self.respond_step(now, index, &step);
            } else {
                self.scheduled.push((now + step.after, index, step));
            }
        }
    }

    fn respond_step(&mut self, now: Instant, index: usize, step: &Step) {
        let Some(call) = self.calls.get_mut(index) else {
            return;
        };
        let mut r = answer(&call.invite, step.status);
        if step.status > 100 {
            let _ = r.set_to_tag(step.tag);
            call.tag = step.tag.to_string();
        }
        if let Some(sdp) = step.body {
            r.set_body("application/sdp", sdp.replace('\n', "\r\n"));
        } else if step.sdp {
            if let Ok(offer) = SessionDescription::parse(&call.invite.body) {
                if let Ok((sdp, _)) = call.our_media.answer(&offer) {
                    r.set_body("application/sdp", sdp.to_text());
                }
            }
        }
        if (101..300).contains(&step.status) {
            r.headers
                .push(HeaderName::Contact, format!("<sip:uas@{}>", self.addr));
            if let Some(rr) = self.uas.record_route {
                r.headers.push(HeaderName::RecordRoute, rr);
            }
        }
        if let (300.., Some(secs)) = (step.status, self.uas.retry_after) {
            r.headers.push(HeaderName::RetryAfter, secs.to_string());
        }
        for (name, value) in &step.headers {
            r.headers.push(name.clone(), *value);
        }
        if (200..300).contains(&step.status) {
            let allow = if self.uas.allow_update {
                "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE"
            } else {
                "INVITE, ACK, CANCEL, BYE, OPTIONS"
            };
            r.headers.push(HeaderName::Allow, allow);
            if let Some((se, refresher)) = self.uas.session_expires {
                r.headers.push(HeaderName::Require, "timer");
                r.headers.push(
                    HeaderName::SessionExpires,
                    format!("{se};refresher={refresher}"),
                );
            }
            call.confirmed = true;
        }
        let id = call.invite_tx;
        let _ = self.layer.respond(now, id, r);
    }

    fn on_ack(&mut self, now: Instant, ack: Request) {
        if let Some(c) = self.call_of(&ack) {
            self.calls[c].acked.push(now - self.t0);
            let tx = self.calls[c].invite_tx;
            self.layer.ack_received(tx);
            for tx in std::mem::take(&mut self.reinvites) {
                self.layer.ack_received(tx);
            }
        }
    }

    /// A request inside call `index`'s dialog, from the UAS side.
    fn in_dialog(&mut self, index: usize, method: Method) -> Request {
        let branch = format!("z9hG4bKpeer{}", self.rng.next_u64());
        let call = &mut self.calls[index];
        call.seq += 1;
        let inv = &call.invite;
        let target: Uri = inv
            .headers
            .contacts()
            .ok()
            .and_then(|c| c.first().and_then(|c| c.addr().map(|a| a.uri.clone())))
            .unwrap_or_else(|| inv.uri.clone());
        let from = inv.headers.to().unwrap().with_tag(&call.tag);
        let to = inv.headers.from().unwrap();
        Request::builder(method.clone(), target)
            .via(
                Via::new(
                    Transport::Udp,
                    self.addr.ip(),
                    Some(self.addr.port()),
                    &branch,
                )
                .with_rport(),
            )
            .max_forwards(70)
            .from(from)
            .to(to)
            .call_id(inv.headers.call_id().unwrap())
            .typed(HeaderName::CSeq, &CSeq::new(call.seq, method))
            .contact(NameAddr::new(
                sip_core::SipUri::new(self.addr.ip())
                    .with_user("uas")
                    .with_port(self.addr.port()),
            ))
            .build()
    }

    fn send(&mut self, now: Instant, index: usize, req: Request, to: SocketAddr) {
        self.now = now;
        let method = req.method.clone();
        let with_body = !req.body.is_empty();
        if let Ok(tx) = self.layer.send_request(now, req, to) {
            self.own.push((tx, index, method, with_body));
        }
        self.drain();
    }

    /// `method` inside call `index`'s dialog with `sdp` as the body (our
    /// offer for `Some(None)`, none for `None`) and `headers` appended.
    pub fn send_in_dialog(
        &mut self,
        now: Instant,
        index: usize,
        method: Method,
        to: SocketAddr,
        sdp: Option<Option<&str>>,
        headers: &[(HeaderName, &str)],
    ) {
        let mut req = self.in_dialog(index, method);
        match sdp {
            Some(Some(text)) => req.set_body("application/sdp", text.replace('\n', "\r\n")),
            Some(None) => {
                let media = &mut self.calls[index].our_media;
                media.session_version += 1;
                req.set_body("application/sdp", media.offer().to_text());
            }
            None => {}
        }
        for (name, value) in headers {
            req.headers.push(name.clone(), *value);
        }
        self.send(now, index, req, to);
    }

    /// Hangs up call `index` (BYE to `to`).
    pub fn send_bye(&mut self, now: Instant, index: usize, to: SocketAddr) {
        let req = self.in_dialog(index, Method::Bye);
        self.calls[index].ended = true;
        self.send(now, index, req, to);
    }

    /// Re-INVITE of call `index` offering `direction` (hold: SendOnly).
    pub fn send_reinvite(
        &mut self,
        now: Instant,
        index: usize,
        direction: Direction,
        to: SocketAddr,
        session_expires: Option<&str>,
    ) {
        let mut req = self.in_dialog(index, Method::Invite);
        let media = &mut self.calls[index].our_media;
        media.direction = direction;
        media.session_version += 1;
        req.set_body("application/sdp", media.offer().to_text());
        if let Some(se) = session_expires {
            req.headers.push(HeaderName::SessionExpires, se);
            req.headers.push(HeaderName::Supported, "timer");
        }
        self.send(now, index, req, to);
    }

    /// UPDATE of call `index` without SDP, refreshing the session.
    pub fn send_update(
        &mut self,
        now: Instant,
        index: usize,
        to: SocketAddr,
        session_expires: &str,
    ) {
        let mut req = self.in_dialog(index, Method::Update);
        req.headers
            .push(HeaderName::SessionExpires, session_expires);
        req.headers.push(HeaderName::Supported, "timer");
        self.send(now, index, req, to);
    }

    /// An out-of-dialog request to `to` (OPTIONS, or an INVITE we expect refused).
    pub fn send_out_of_dialog(&mut self, now: Instant, method: Method, to: SocketAddr, uri: &str) {
        let branch = format!("z9hG4bKpeer{}", self.rng.next_u64());
        let mut b = Request::builder(method.clone(), Uri::parse(uri).unwrap())
            .via(
                Via::new(
                    Transport::Udp,
                    self.addr.ip(),
                    Some(self.addr.port()),
                    &branch,
                )
                .with_rport(),
            )
            .max_forwards(70)
            .from(NameAddr::new(Uri::parse("sip:stranger@peer.test").unwrap()).with_tag("strange"))
            .to(NameAddr::new(Uri::parse(uri).unwrap()))
            .call_id(format!("ood{}", self.rng.next_u32()))
            .cseq(1);
        if method == Method::Invite {
            let sdp = LocalMedia::new(self.addr.ip(), 40000).offer().to_text();
            b = b.body("application/sdp", sdp);
        }
        let req = b.build();
        if let Ok(tx) = self.layer.send_request(now, req, to) {
            self.own.push((tx, usize::MAX, method, false));
        }
        self.drain();
    }

    fn on_response(&mut self, id: TransactionId, resp: Response) {
        self.responses.push((self.now - self.t0, resp.clone()));
        let Some(&(_, index, ref method, with_body)) = self.own.iter().find(|(t, ..)| *t == id)
        else {
            return;
        };
        if *method == Method::Invite && resp.status.is_success() && index != usize::MAX {
            // ACK the 2xx of our re-INVITE.
            let branch = format!("z9hG4bKpeer{}", self.rng.next_u64());
            let call = &self.calls[index];
            let inv = &call.invite;
            let target = inv
                .headers
                .contacts()
                .ok()
                .and_then(|c| c.first().and_then(|c| c.addr().map(|a| a.uri.clone())))
                .unwrap_or_else(|| inv.uri.clone());
            // An offer-less re-INVITE: the 2xx carries the offer, the ACK the answer.
            let answer_sdp = SessionDescription::parse(&resp.body)
                .ok()
                .filter(|_| !with_body)
                .and_then(|offer| call.our_media.answer(&offer).ok())
                .map(|(sdp, _)| sdp.to_text());
            let mut ack = Request::builder(Method::Ack, target)
                .via(Via::new(
                    Transport::Udp,
                    self.addr.ip(),
                    Some(self.addr.port()),
                    &branch,
                ))
                .max_forwards(70)
                .from(inv.headers.to().unwrap().with_tag(&call.tag))
                .to(inv.headers.from().unwrap())
                .call_id(inv.headers.call_id().unwrap())
                .typed(
                    HeaderName::CSeq,
                    &CSeq::new(resp.headers.cseq().unwrap().seq, Method::Ack),
                );
            if let Some(sdp) = answer_sdp {
                ack = ack.body("application/sdp", sdp);
            }
            let ack = ack.build();
            let dest = call_dest(inv);
            self.out.push_back(Transmit {
                to: dest,
                data: ack.to_bytes(),
            });
        }
    }
}

/// Where the caller of `invite` is: its Via sent-by.
fn call_dest(invite: &Request) -> SocketAddr {
    let via = invite.headers.top_via().unwrap();
    SocketAddr::new(via.host.ip().unwrap(), via.port.unwrap_or(5060))
}
