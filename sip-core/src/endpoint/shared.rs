//! The state every transaction user of an endpoint shares: configuration,
//! the transaction layer, randomness, credentials, our address and the
//! output queue.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_core::RngCore;

use super::nat::Nat;
use super::{CallHandle, EndpointConfig, Event, Output};
use crate::auth::DigestClient;
use crate::dialog::DialogId;
use crate::header::{NameAddr, Transport, Via};
use crate::message::{HeaderName, Request, RequestBuilder, Response};
use crate::transaction::{
    TransactionError, TransactionEvent, TransactionId, TransactionLayer, TransactionOutput,
    Transmit,
};
use crate::uri::SipUri;
use crate::validate::UaPolicy;

/// Who gets the events of a client transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Registration,
    Call(CallHandle),
    /// Nobody: fire and forget (a BYE for a forked 2xx, a clean-up
    /// un-REGISTER, a request whose user gave up).
    Detached,
}

pub(crate) struct Shared {
    pub(crate) config: EndpointConfig,
    pub(crate) layer: TransactionLayer,
    rng: Box<dyn RngCore + Send>,
    pub(crate) auth: DigestClient,
    pub(crate) nat: Nat,
    pub(crate) out: VecDeque<Output>,
    pub(crate) owners: HashMap<TransactionId, Owner>,
    pub(crate) pending: VecDeque<TransactionEvent>,
    /// The dialogs of our calls, for requests the peer sends in them.
    pub(crate) dialogs: HashMap<DialogId, CallHandle>,
    pub(crate) now: Instant,
    salt: u64,
    /// What we accept: requests are checked against it and Allow, Accept
    /// and Supported are written from it.
    pub(crate) policy: UaPolicy,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl Shared {
    pub(crate) fn new(
        config: EndpointConfig,
        mut rng: Box<dyn RngCore + Send>,
        now: Instant,
    ) -> Shared {
        let mut layer = TransactionLayer::new(config.timers);
        layer.set_max_server_transactions(config.max_server_transactions);
        let auth = DigestClient::new(config.auth_username(), config.account.password.clone());
        let nat = Nat::new(config.local_addr, config.external_addr);
        let salt = rng.next_u64();
        Shared {
            config,
            layer,
            rng,
            auth,
            nat,
            out: VecDeque::new(),
            owners: HashMap::new(),
            pending: VecDeque::new(),
            dialogs: HashMap::new(),
            now,
            salt,
            policy: UaPolicy::default(),
        }
    }

    /// Moves the layer's datagrams to the output queue and its events to
    /// `pending`, in order.
    pub(crate) fn drain_layer(&mut self) {
        while let Some(o) = self.layer.poll_output() {
            match o {
                TransactionOutput::Transmit(t) => self.out.push_back(Output::Transmit(t)),
                TransactionOutput::Event(e) => self.pending.push_back(e),
            }
        }
    }

    /// Starts a client transaction owned by `owner`.
    pub(crate) fn send_request(
        &mut self,
        request: Request,
        to: SocketAddr,
        owner: Owner,
    ) -> Result<TransactionId, TransactionError> {
        let id = self.layer.send_request(self.now, request, to)?;
        self.owners.insert(id, owner);
        self.drain_layer();
        Ok(id)
    }

    /// Answers server transaction `id`. Errors mean the transaction is gone
    /// (its timers ran out), so there is nobody to answer.
    pub(crate) fn respond(&mut self, id: TransactionId, response: Response) {
        let _ = self.layer.respond(self.now, id, response);
        self.drain_layer();
    }

    /// Sends a datagram outside any transaction (ACK for a 2xx, keep-alive,
    /// stateless responses).
    pub(crate) fn transmit(&mut self, to: SocketAddr, data: Bytes) {
        self.out.push_back(Output::Transmit(Transmit { to, data }));
    }

    pub(crate) fn emit(&mut self, event: Event) {
        self.out.push_back(Output::Event(event));
    }

    fn random_hex(&mut self, n: usize) -> String {
        let mut b = [0u8; 16];
        let n = n.min(b.len());
        self.rng.fill_bytes(&mut b[..n]);
        hex(&b[..n])
    }

    /// Adds credentials for every realm we hold a challenge for from
    /// `server`, where `req` goes.
    pub(crate) fn authorize(&mut self, req: &mut Request, server: SocketAddr) {
        if self.auth.has_credentials(server) {
            self.auth.authorize(server, req, &mut *self.rng);
        }
    }

    /// A random 64-bit number.
    pub(crate) fn random_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A fresh Call-ID (128 random bits).
    pub(crate) fn new_call_id(&mut self) -> String {
        self.random_hex(16)
    }

    /// A fresh From/To tag (64 random bits).
    pub(crate) fn new_tag(&mut self) -> String {
        self.random_hex(8)
    }

    /// A fresh RFC 3261 branch.
    pub(crate) fn new_branch(&mut self) -> String {
        format!("z9hG4bK{}", self.random_hex(10))
    }

    /// A uniformly random duration in `[low, high]` (millisecond steps).
    pub(crate) fn random_between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = high.saturating_sub(low).as_millis() as u64;
        let pick = if span == 0 {
            0
        } else {
            self.rng.next_u64() % (span + 1)
        };
        low + Duration::from_millis(pick)
    }

    /// The Via for a new request: our advertised address, a new branch,
    /// `rport`.
    pub(crate) fn new_via(&mut self) -> Via {
        let branch = self.new_branch();
        let at = self.nat.advertised();
        Via::new(Transport::Udp, at.ip(), Some(at.port()), &branch).with_rport()
    }

    /// Our Contact: `<sip:username@advertised>`.
    pub(crate) fn contact(&self) -> NameAddr {
        NameAddr::new(self.contact_uri(self.nat.advertised()))
    }

    pub(crate) fn contact_uri(&self, at: SocketAddr) -> SipUri {
        SipUri::new(at.ip())
            .with_user(&self.config.account.username)
            .with_port(at.port())
    }

    /// A To tag for a response sent without a transaction: the same for
    /// every retransmission of the request (RFC 3261 8.2.7).
    pub(crate) fn stateless_tag(&self, req: &Request) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.salt;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        for name in [HeaderName::CallId, HeaderName::From, HeaderName::CSeq] {
            if let Some(v) = req.headers.get(&name) {
                feed(v.as_bytes());
            }
        }
        format!("{h:016x}")
    }

    /// Adds Allow, Supported and User-Agent to a request being built.
    pub(crate) fn with_capabilities(&self, b: RequestBuilder) -> RequestBuilder {
        b.header(HeaderName::Allow, self.policy.allow())
            .header(HeaderName::Supported, self.policy.supported())
            .header(HeaderName::UserAgent, self.config.user_agent.clone())
    }

    /// Adds Allow, Accept and Supported to a response (the 200 to OPTIONS,
    /// in or outside a dialog).
    pub(crate) fn add_capabilities(&self, r: &mut Response) {
        r.headers.push(HeaderName::Allow, self.policy.allow());
        r.headers.push(HeaderName::Accept, self.policy.accept());
        r.headers
            .push(HeaderName::Supported, self.policy.supported());
    }
}
