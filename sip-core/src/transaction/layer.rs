//! The transaction layer: every transaction of one endpoint, matching,
//! timers and output.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::context::{Ctx, Status};
use super::key::{ClientKey, ServerKey, response_destination};
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::{
    ServerMatch, TimerConfig, TransactionError, TransactionEvent, TransactionId, TransactionOutput,
};
use crate::message::{Method, Request, Response};
use crate::timer::DeadlineIndex;

/// Server transactions a layer holds at most unless told otherwise.
pub const DEFAULT_MAX_SERVER_TRANSACTIONS: usize = 4096;

/// The four state machines of RFC 3261 §17.
#[allow(clippy::enum_variant_names)]
#[derive(Debug)]
enum Machine {
    ClientInvite(ClientInvite),
    ClientNonInvite(ClientNonInvite),
    ServerInvite(ServerInvite),
    ServerNonInvite(ServerNonInvite),
}

#[derive(Debug)]
enum Key {
    Client(ClientKey),
    Server(ServerKey),
}

#[derive(Debug)]
struct Entry {
    key: Key,
    machine: Machine,
}

impl Machine {
    fn next_deadline(&self) -> Option<Instant> {
        match self {
            Machine::ClientInvite(m) => m.next_deadline(),
            Machine::ClientNonInvite(m) => m.next_deadline(),
            Machine::ServerInvite(m) => m.next_deadline(),
            Machine::ServerNonInvite(m) => m.next_deadline(),
        }
    }

    fn destination(&self) -> SocketAddr {
        match self {
            Machine::ClientInvite(m) => m.dest,
            Machine::ClientNonInvite(m) => m.dest,
            Machine::ServerInvite(m) => m.reply_to,
            Machine::ServerNonInvite(m) => m.reply_to,
        }
    }
}

/// Every client and server transaction of one endpoint (see the
/// [module documentation](super)).
#[derive(Debug)]
pub struct TransactionLayer {
    config: TimerConfig,
    next_id: u64,
    entries: HashMap<TransactionId, Entry>,
    clients: HashMap<ClientKey, TransactionId>,
    servers: HashMap<ServerKey, TransactionId>,
    server_count: usize,
    max_server: usize,
    deadlines: DeadlineIndex<TransactionId>,
    out: VecDeque<TransactionOutput>,
    last_now: Option<Instant>,
}

impl TransactionLayer {
    /// An empty layer with these timer values.
    pub fn new(config: TimerConfig) -> TransactionLayer {
        TransactionLayer {
            config,
            next_id: 0,
            entries: HashMap::new(),
            clients: HashMap::new(),
            servers: HashMap::new(),
            server_count: 0,
            max_server: DEFAULT_MAX_SERVER_TRANSACTIONS,
            deadlines: DeadlineIndex::default(),
            out: VecDeque::new(),
            last_now: None,
        }
    }

    /// Caps the number of live server transactions; requests beyond it come
    /// back as [`ServerMatch::Overloaded`].
    pub fn set_max_server_transactions(&mut self, max: usize) {
        self.max_server = max;
    }

    /// The timer values.
    pub fn config(&self) -> &TimerConfig {
        &self.config
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Time never runs backwards inside the layer.
    fn clock(&mut self, now: Instant) -> Instant {
        let now = self.last_now.map_or(now, |last| last.max(now));
        self.last_now = Some(now);
        now
    }

    fn allocate_id(&mut self) -> TransactionId {
        self.next_id += 1;
        TransactionId(self.next_id)
    }

    /// Runs `f` on the machine of `id` with a context, then re-indexes its
    /// deadline or removes it when it terminated.
    fn with_machine<R>(
        &mut self,
        id: TransactionId,
        now: Instant,
        f: impl FnOnce(&mut Machine, &mut Ctx<'_>) -> (Status, R),
    ) -> Option<R> {
        let entry = self.entries.get_mut(&id)?;
        let mut ctx = Ctx {
            id,
            now,
            config: &self.config,
            out: &mut self.out,
        };
        let (status, r) = f(&mut entry.machine, &mut ctx);
        match status {
            Status::Alive => {
                let next = entry.machine.next_deadline();
                self.deadlines.set(id, next);
            }
            Status::Terminated => self.remove(id),
        }
        Some(r)
    }

    fn remove(&mut self, id: TransactionId) {
        let Some(entry) = self.entries.remove(&id) else {
            return;
        };
        self.deadlines.set(id, None);
        match entry.key {
            Key::Client(k) => {
                self.clients.remove(&k);
            }
            Key::Server(k) => {
                self.servers.remove(&k);
                self.server_count = self.server_count.saturating_sub(1);
            }
        }
        self.out
            .push_back(TransactionOutput::Event(TransactionEvent::Terminated {
                id,
            }));
    }

    fn insert(&mut self, id: TransactionId, key: Key, machine: Machine) {
        self.deadlines.set(id, machine.next_deadline());
        match &key {
            Key::Client(k) => {
                self.clients.insert(k.clone(), id);
            }
            Key::Server(k) => {
                self.servers.insert(k.clone(), id);
                self.server_count += 1;
            }
        }
        self.entries.insert(id, Entry { key, machine });
    }

    /// Starts a client transaction: sends `request` to `to` now and
    /// retransmits it on the RFC 3261 schedule until a response or timeout.
    /// The request needs a top Via with a `z9hG4bK` branch unique among the
    /// live client transactions of its method.
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Request,
        to: SocketAddr,
    ) -> Result<TransactionId, TransactionError> {
        let now = self.clock(now);
        if request.method == Method::Ack {
            return Err(TransactionError::AckIsNotATransaction);
        }
        let key = ClientKey::of_request(&request).ok_or(TransactionError::NoBranch)?;
        if self.clients.contains_key(&key) {
            return Err(TransactionError::DuplicateBranch(key.branch().to_owned()));
        }
        let id = self.allocate_id();
        let mut ctx = Ctx {
            id,
            now,
            config: &self.config,
            out: &mut self.out,
        };
        let machine = if request.method == Method::Invite {
            Machine::ClientInvite(ClientInvite::start(&mut ctx, request, to))
        } else {
            Machine::ClientNonInvite(ClientNonInvite::start(&mut ctx, request, to))
        };
        self.insert(id, Key::Client(key), machine);
        Ok(id)
    }

    /// Passes a received response to the client transaction it belongs to;
    /// gives it back when none matches (a stray, or a 2xx retransmission
    /// after the INVITE transaction ended).
    pub fn receive_response(
        &mut self,
        now: Instant,
        response: Response,
    ) -> Result<TransactionId, Response> {
        let now = self.clock(now);
        let Some(id) = ClientKey::of_response(&response).and_then(|k| self.clients.get(&k)) else {
            return Err(response);
        };
        let id = *id;
        let handled = self.with_machine(id, now, |m, ctx| match m {
            Machine::ClientInvite(c) => (c.on_response(ctx, response), ()),
            Machine::ClientNonInvite(c) => (c.on_response(ctx, response), ()),
            _ => (Status::Alive, ()),
        });
        debug_assert!(handled.is_some());
        Ok(id)
    }

    /// Matches a received request: a retransmission is absorbed (and the
    /// last response repeated), an ACK for a non-2xx completes its INVITE
    /// transaction, an ACK for a 2xx comes back for the dialog, and anything
    /// else starts a server transaction that the user must answer.
    pub fn receive_request(
        &mut self,
        now: Instant,
        request: Request,
        from: SocketAddr,
    ) -> ServerMatch {
        let now = self.clock(now);
        if request.method == Method::Ack {
            return self.receive_ack(now, request);
        }
        let Some(key) = ServerKey::of_request(&request, request.method.clone(), None) else {
            return ServerMatch::Overloaded(request);
        };
        if let Some(&id) = self.servers.get(&key) {
            self.with_machine(id, now, |m, ctx| {
                match m {
                    Machine::ServerInvite(s) => s.on_retransmission(ctx),
                    Machine::ServerNonInvite(s) => s.on_retransmission(ctx),
                    _ => {}
                }
                (Status::Alive, ())
            });
            return ServerMatch::Absorbed;
        }
        if self.server_count >= self.max_server {
            return ServerMatch::Overloaded(request);
        }
        let Ok(via) = request.headers.top_via() else {
            return ServerMatch::Overloaded(request);
        };
        let reply_to = response_destination(&via, from);
        let machine = if request.method == Method::Invite {
            Machine::ServerInvite(ServerInvite::new(reply_to, self.config.t1))
        } else {
            Machine::ServerNonInvite(ServerNonInvite::new(reply_to))
        };
        let id = self.allocate_id();
        self.insert(id, Key::Server(key), machine);
        ServerMatch::New { id, request }
    }

    fn receive_ack(&mut self, now: Instant, ack: Request) -> ServerMatch {
        let ack_tag = ack.headers.to().ok().and_then(|t| t.tag().cloned());
        let exact = ServerKey::of_request(&ack, Method::Invite, None);
        let found = exact
            .as_ref()
            .and_then(|k| self.servers.get(k))
            .copied()
            .or_else(|| {
                // RFC 2543: the INVITE had no To tag; the ACK carries the tag
                // of the response that the transaction sent.
                let k = ServerKey::of_request(&ack, Method::Invite, Some(None))?;
                let id = *self.servers.get(&k)?;
                match &self.entries.get(&id)?.machine {
                    Machine::ServerInvite(s) if s.final_to_tag == ack_tag => Some(id),
                    _ => None,
                }
            });
        let Some(id) = found else {
            return ServerMatch::Ack(ack);
        };
        let is_rfc3261 = matches!(exact, Some(ServerKey::Rfc3261 { .. }));
        let mut for_dialog = false;
        self.with_machine(id, now, |m, ctx| {
            if let Machine::ServerInvite(s) = m {
                // An RFC 3261 ACK for a 2xx has its own branch and never gets
                // here; an RFC 2543 one may, and the dialog must see it.
                for_dialog = !is_rfc3261 && s.state == super::server_invite::State::Accepted;
                s.on_ack(ctx);
            }
            (Status::Alive, ())
        });
        if for_dialog {
            ServerMatch::Ack(ack)
        } else {
            ServerMatch::Absorbed
        }
    }

    /// Sends `response` through server transaction `id` (to the address its
    /// request's Via names). A 2xx to an INVITE is then retransmitted until
    /// [`ack_received`](Self::ack_received).
    pub fn respond(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Response,
    ) -> Result<(), TransactionError> {
        let now = self.clock(now);
        let status = response.status.as_u16();
        let result = self.with_machine(id, now, |m, ctx| {
            let r = match m {
                Machine::ServerInvite(s) => s.respond(ctx, &response),
                Machine::ServerNonInvite(s) => s.respond(ctx, &response),
                _ => Err(()),
            };
            (Status::Alive, r)
        });
        match result {
            None => Err(TransactionError::UnknownTransaction(id)),
            Some(Err(())) => Err(TransactionError::CannotRespond { id, status }),
            Some(Ok(())) => Ok(()),
        }
    }

    /// The dialog received the ACK for the 2xx that server INVITE
    /// transaction `id` sent: stop retransmitting it.
    pub fn ack_received(&mut self, id: TransactionId) {
        if let Some(Entry {
            machine: Machine::ServerInvite(s),
            ..
        }) = self.entries.get_mut(&id)
        {
            s.ack_received();
            let next = s.next_deadline();
            self.deadlines.set(id, next);
        }
    }

    /// The server INVITE transaction that a received CANCEL targets.
    pub fn find_cancelled_invite(&self, cancel: &Request) -> Option<TransactionId> {
        let key = ServerKey::of_request(cancel, Method::Invite, None)?;
        self.servers.get(&key).copied()
    }

    /// Whether server INVITE transaction `id` has not sent a final response yet.
    pub fn is_proceeding(&self, id: TransactionId) -> bool {
        matches!(
            self.entries.get(&id),
            Some(Entry { machine: Machine::ServerInvite(s), .. }) if s.is_proceeding()
        )
    }

    /// The request a client transaction sent.
    pub fn client_request(&self, id: TransactionId) -> Option<&Request> {
        match &self.entries.get(&id)?.machine {
            Machine::ClientInvite(c) => Some(&c.request),
            Machine::ClientNonInvite(c) => Some(&c.request),
            _ => None,
        }
    }

    /// Whether client INVITE transaction `id` has received a provisional
    /// response and no final one (a CANCEL may be sent).
    pub fn is_invite_proceeding(&self, id: TransactionId) -> bool {
        matches!(
            self.entries.get(&id),
            Some(Entry { machine: Machine::ClientInvite(c), .. })
                if c.state == super::client_invite::State::Proceeding
        )
    }

    /// Ends transaction `id` at once without a report other than
    /// [`TransactionEvent::Terminated`] (an INVITE whose CANCEL went
    /// unanswered for 64*T1, RFC 3261 9.1).
    pub fn terminate(&mut self, id: TransactionId) {
        self.remove(id);
    }

    /// The transport could not send to `to`: every transaction sending there
    /// fails with [`TransactionEvent::TransportError`] (client transactions
    /// that already have their final response are not affected).
    pub fn transport_error(&mut self, now: Instant, to: SocketAddr) {
        let now = self.clock(now);
        let mut ids: Vec<TransactionId> = self
            .entries
            .iter()
            .filter(|(_, e)| e.machine.destination() == to)
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        for id in ids {
            self.with_machine(id, now, |m, ctx| {
                let s = match m {
                    Machine::ClientInvite(c) => c.on_transport_error(id, ctx),
                    Machine::ClientNonInvite(c) => c.on_transport_error(id, ctx),
                    Machine::ServerInvite(s) => s.on_transport_error(id, ctx),
                    Machine::ServerNonInvite(s) => s.on_transport_error(id, ctx),
                };
                (s, ())
            });
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock(now);
        while let Some(id) = self.deadlines.pop_due(now) {
            self.with_machine(id, now, |m, ctx| {
                let s = match m {
                    Machine::ClientInvite(c) => c.on_timer(ctx),
                    Machine::ClientNonInvite(c) => c.on_timer(ctx),
                    Machine::ServerInvite(s) => s.on_timer(ctx),
                    Machine::ServerNonInvite(s) => s.on_timer(ctx),
                };
                (s, ())
            });
        }
    }

    /// The next datagram or event, in the order they arose.
    pub fn poll_output(&mut self) -> Option<TransactionOutput> {
        self.out.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first()
    }
}
