//! The SIP driver: one tokio task that owns the SIP UDP socket and one
//! sans-IO [`Endpoint`] per trunk, feeds them datagrams, commands and
//! timeouts, sends what they transmit and hands their events on.
//!
//! ```text
//!  UDP socket ─▶ source a trunk's? ─no─▶ dropped (counted)
//!                   │ yes
//!                   ▼
//!               screen: scanner? ─yes─▶ dropped (counted)
//!                   │ Call-ID known? ─▶ that trunk's Endpoint
//!                   │ else a request ─▶ the trunk at that address (OPTIONS 200, INVITE 403)
//!  commands ─▶ Endpoint (register, invite, hang up)      Endpoint ─▶ transmit (a request's Call-ID learned)
//!  deadlines ─▶ Endpoint::handle_input(Timeout)                  ─▶ events ─▶ registration book, call tasks
//! ```

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::Method;
use sip_core::endpoint::{
    CallEvent, CallHandle, Command, Endpoint, EndpointConfig, Event, Input, InviteRequest, Output,
};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::error::{EngineError, TrunkError};
use super::registration::RegistrationBook;
use super::screen::{Screened, outgoing_call_id, screen};
use super::stats::{Counters, bump};
use crate::scheduler::RegistrationState;

/// How long a finished call's Call-ID still routes (late retransmissions).
const ROUTE_GRACE: Duration = Duration::from_secs(40);

/// What a call task hears from the driver.
#[derive(Debug)]
pub(crate) enum CallSignal {
    /// The SIP Call-ID of the call's INVITE.
    SipCallId(String),
    /// Progress of the call.
    Event(CallEvent),
}

/// What the engine asks of the driver.
#[derive(Debug)]
pub(crate) enum DriverCommand {
    /// Adds (or replaces) a trunk; registers it when `register` is set.
    AddTrunk {
        name: String,
        config: Box<EndpointConfig>,
        register: bool,
        reply: oneshot::Sender<Result<(), TrunkError>>,
    },
    /// Starts registering a trunk; replies whether the trunk exists.
    Register {
        name: String,
        reply: oneshot::Sender<bool>,
    },
    /// Un-registers a trunk; replies whether the trunk exists.
    Unregister {
        name: String,
        reply: oneshot::Sender<bool>,
    },
    /// Places a call.
    Invite {
        trunk: String,
        handle: CallHandle,
        request: Box<InviteRequest>,
        signals: mpsc::UnboundedSender<CallSignal>,
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
    /// Ends a call (CANCEL before the answer, BYE after).
    Hangup { handle: CallHandle },
    /// Un-registers every trunk, waits up to `grace` for the answers, then stops.
    Stop {
        grace: Duration,
        reply: oneshot::Sender<()>,
    },
}

type TrunkId = u64;

struct Slot {
    name: String,
    endpoint: Endpoint,
    /// Replaced by a newer configuration: kept only while its calls last.
    retired: bool,
    /// A REGISTER was asked for and no un-REGISTER since.
    registered: bool,
    /// An un-REGISTER is under way.
    unregistering: bool,
}

struct CallSlot {
    trunk: TrunkId,
    signals: mpsc::UnboundedSender<CallSignal>,
    sip_call_id: Option<String>,
}

/// The driver's state (see the module documentation).
pub(crate) struct SipDriver {
    socket: Arc<UdpSocket>,
    slots: HashMap<TrunkId, Slot>,
    by_name: HashMap<String, TrunkId>,
    next_id: TrunkId,
    deadlines: BTreeSet<(Instant, TrunkId)>,
    deadline_of: HashMap<TrunkId, Instant>,
    routes: HashMap<String, TrunkId>,
    route_expiry: VecDeque<(Instant, String)>,
    sources: HashMap<IpAddr, Vec<TrunkId>>,
    calls: HashMap<CallHandle, CallSlot>,
    /// The next INVITE transmitted belongs to this call.
    invite_owner: Option<CallHandle>,
    counters: Arc<Counters>,
    book: Arc<RegistrationBook>,
    stopping: Option<(Instant, oneshot::Sender<()>)>,
}

impl SipDriver {
    pub(crate) fn new(
        socket: Arc<UdpSocket>,
        counters: Arc<Counters>,
        book: Arc<RegistrationBook>,
    ) -> SipDriver {
        SipDriver {
            socket,
            slots: HashMap::new(),
            by_name: HashMap::new(),
            next_id: 1,
            deadlines: BTreeSet::new(),
            deadline_of: HashMap::new(),
            routes: HashMap::new(),
            route_expiry: VecDeque::new(),
            sources: HashMap::new(),
            calls: HashMap::new(),
            invite_owner: None,
            counters,
            book,
            stopping: None,
        }
    }

    /// Runs until `Stop` completes or every engine handle is gone.
    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<DriverCommand>) {
        let mut buf = vec![0u8; sip_core::endpoint::MAX_DATAGRAM];
        let socket = Arc::clone(&self.socket);
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let sleep = tokio::time::sleep_until(far.into());
        tokio::pin!(sleep);
        loop {
            let next = self.next_deadline().unwrap_or(far);
            if sleep.deadline() != next.into() {
                sleep.as_mut().reset(next.into());
            }
            tokio::select! {
                received = socket.recv_from(&mut buf) => match received {
                    Ok((n, from)) => {
                        let data = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                        self.on_datagram(from, data).await;
                    }
                    Err(e) => tracing::debug!(error = %e, "SIP socket receive error"),
                },
                command = commands.recv() => match command {
                    Some(c) => self.on_command(c).await,
                    None => break,
                },
                () = &mut sleep => self.on_timer(Instant::now()).await,
            }
            if self.stop_complete(Instant::now()) {
                break;
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        [
            self.deadlines.first().map(|(t, _)| *t),
            self.route_expiry.front().map(|(t, _)| *t),
            self.stopping.as_ref().map(|(t, _)| *t),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn set_deadline(&mut self, id: TrunkId, at: Option<Instant>) {
        if let Some(old) = self.deadline_of.remove(&id) {
            self.deadlines.remove(&(old, id));
        }
        if let Some(at) = at {
            self.deadline_of.insert(id, at);
            self.deadlines.insert((at, id));
        }
    }

    fn rebuild_sources(&mut self) {
        self.sources.clear();
        let mut ids: Vec<&TrunkId> = self.slots.keys().collect();
        ids.sort();
        for id in ids {
            if let Some(slot) = self.slots.get(id) {
                for p in &slot.endpoint.config().account.proxies {
                    let list = self.sources.entry(p.addr.ip()).or_default();
                    if !list.contains(id) {
                        list.push(*id);
                    }
                }
            }
        }
    }

    async fn on_datagram(&mut self, from: SocketAddr, data: Bytes) {
        bump(&self.counters.sip_received);
        let Some(candidates) = self.sources.get(&from.ip()) else {
            bump(&self.counters.dropped_foreign);
            return;
        };
        let (call_id, request) = match screen(&data) {
            Screened::KeepAlive => return,
            Screened::Garbage => {
                bump(&self.counters.dropped_unroutable);
                return;
            }
            Screened::Scanner => {
                bump(&self.counters.dropped_scanner);
                return;
            }
            Screened::Sip { call_id, request } => (call_id, request),
        };
        let target = match (self.routes.get(&call_id), request) {
            (Some(id), _) => Some(*id),
            (None, None) => None,
            (None, Some((method, user))) => {
                let live: Vec<TrunkId> = candidates
                    .iter()
                    .copied()
                    .filter(|id| self.slots.get(id).is_some_and(|s| !s.retired))
                    .collect();
                let by_user = user.as_deref().and_then(|u| {
                    live.iter().copied().find(|id| {
                        self.slots
                            .get(id)
                            .is_some_and(|s| s.endpoint.config().account.username == u)
                    })
                });
                if method == Method::Invite {
                    bump(&self.counters.refused_requests);
                }
                by_user.or_else(|| live.first().copied())
            }
        };
        let Some(id) = target else {
            bump(&self.counters.dropped_unroutable);
            return;
        };
        self.input(
            id,
            Input::Receive {
                now: Instant::now(),
                from,
                data,
            },
        )
        .await;
    }

    /// Marks trunk `name` as registering and tells its endpoint to REGISTER.
    async fn start_registering(&mut self, id: TrunkId, name: &str, now: Instant) {
        self.book.set(name, RegistrationState::Registering, None);
        self.input(
            id,
            Input::Command {
                now,
                command: Command::Register,
            },
        )
        .await;
    }

    /// Feeds one input to a trunk's endpoint and drains it.
    async fn input(&mut self, id: TrunkId, input: Input) {
        if let Some(slot) = self.slots.get_mut(&id) {
            if let Err(e) = slot.endpoint.handle_input(input) {
                tracing::warn!(trunk = %slot.name, error = %e, "SIP endpoint refused a command");
            }
        }
        self.drain(id).await;
    }

    /// Takes every output of a trunk's endpoint: sends datagrams, passes
    /// events on, and notes the next deadline.
    async fn drain(&mut self, id: TrunkId) {
        let mut failed: Vec<SocketAddr> = Vec::new();
        loop {
            let Some(slot) = self.slots.get_mut(&id) else {
                self.set_deadline(id, None);
                return;
            };
            match slot.endpoint.poll_output() {
                Some(Output::Transmit(t)) => {
                    self.learn_route(id, &t.data);
                    if let Err(e) = self.socket.send_to(&t.data, t.to).await {
                        tracing::debug!(to = %t.to, error = %e, "SIP send failed");
                        failed.push(t.to);
                    }
                }
                Some(Output::Event(e)) => self.on_event(id, e),
                Some(Output::Timeout(at)) => {
                    self.set_deadline(id, Some(at));
                    if let Some(to) = failed.pop() {
                        let now = Instant::now();
                        if let Some(slot) = self.slots.get_mut(&id) {
                            let _ = slot
                                .endpoint
                                .handle_input(Input::TransportError { now, to });
                        }
                        continue;
                    }
                    break;
                }
                None => {
                    self.set_deadline(id, None);
                    break;
                }
            }
        }
        self.collect_retired(id);
    }

    fn learn_route(&mut self, id: TrunkId, data: &Bytes) {
        let Some((call_id, invite)) = outgoing_call_id(data) else {
            return;
        };
        if invite {
            if let Some(handle) = self.invite_owner.take() {
                if let Some(call) = self.calls.get_mut(&handle) {
                    call.sip_call_id = Some(call_id.clone());
                    let _ = call.signals.send(CallSignal::SipCallId(call_id.clone()));
                }
            }
        }
        self.routes.entry(call_id).or_insert(id);
        self.publish_routes();
    }

    /// Shows the route table's size in the counters.
    fn publish_routes(&self) {
        self.counters.sip_routes.store(
            self.routes.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    fn on_event(&mut self, id: TrunkId, event: Event) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        match event {
            Event::Registration(e) => {
                if let sip_core::endpoint::RegistrationEvent::Unregistered { .. } = &e {
                    slot.unregistering = false;
                }
                tracing::info!(trunk = %slot.name, "{e}");
                if !slot.retired {
                    self.book.on_event(&slot.name, e);
                }
            }
            Event::Call { call, event } => {
                let ended = matches!(event, CallEvent::Ended(_));
                if let Some(c) = self.calls.get(&call) {
                    let _ = c.signals.send(CallSignal::Event(event));
                }
                if ended {
                    if let Some(c) = self.calls.remove(&call) {
                        if let Some(sip_id) = c.sip_call_id {
                            self.route_expiry
                                .push_back((Instant::now() + ROUTE_GRACE, sip_id));
                        }
                    }
                }
            }
            Event::PublicAddressChanged { address } => {
                tracing::info!(trunk = %slot.name, %address, "public address learned");
            }
            Event::IncomingRejected {
                method,
                from,
                status,
            } => {
                tracing::warn!(trunk = %slot.name, %method, from, status = status.as_u16(), "refused a request from the trunk");
            }
        }
    }

    /// Drops a retired trunk once its calls and un-REGISTER are over.
    fn collect_retired(&mut self, id: TrunkId) {
        let done = self
            .slots
            .get(&id)
            .is_some_and(|s| s.retired && !s.unregistering && s.endpoint.stats().calls == 0);
        if done {
            self.slots.remove(&id);
            self.set_deadline(id, None);
            self.routes.retain(|_, t| *t != id);
            self.publish_routes();
            self.rebuild_sources();
        }
    }

    async fn on_timer(&mut self, now: Instant) {
        while let Some((at, _)) = self.route_expiry.front() {
            if *at > now {
                break;
            }
            if let Some((_, call_id)) = self.route_expiry.pop_front() {
                self.routes.remove(&call_id);
            }
        }
        self.publish_routes();
        while let Some(&(at, id)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.set_deadline(id, None);
            self.input(id, Input::Timeout(now)).await;
        }
    }

    async fn on_command(&mut self, command: DriverCommand) {
        let now = Instant::now();
        match command {
            DriverCommand::AddTrunk {
                name,
                config,
                register,
                reply,
            } => {
                let result = self.add_trunk(now, name, *config, register).await;
                let _ = reply.send(result);
            }
            DriverCommand::Register { name, reply } => {
                let id = self.by_name.get(&name).copied();
                if let Some(id) = id {
                    if let Some(slot) = self.slots.get_mut(&id) {
                        slot.registered = true;
                    }
                    self.start_registering(id, &name, now).await;
                }
                let _ = reply.send(id.is_some());
            }
            DriverCommand::Unregister { name, reply } => {
                let id = self.by_name.get(&name).copied();
                if let Some(id) = id {
                    self.unregister(now, id).await;
                }
                let _ = reply.send(id.is_some());
            }
            DriverCommand::Invite {
                trunk,
                handle,
                request,
                signals,
                reply,
            } => {
                let Some(&id) = self.by_name.get(&trunk) else {
                    let _ = reply.send(Err(EngineError::UnknownTrunk(trunk)));
                    return;
                };
                if self.stopping.is_some() {
                    let _ = reply.send(Err(EngineError::Stopped));
                    return;
                }
                self.calls.insert(
                    handle,
                    CallSlot {
                        trunk: id,
                        signals,
                        sip_call_id: None,
                    },
                );
                self.invite_owner = Some(handle);
                let result = match self.slots.get_mut(&id) {
                    Some(slot) => slot.endpoint.handle_input(Input::Command {
                        now,
                        command: Command::Invite {
                            call: handle,
                            request: *request,
                        },
                    }),
                    None => Ok(()),
                };
                self.drain(id).await;
                self.invite_owner = None;
                match result {
                    Ok(()) => {
                        let _ = reply.send(Ok(()));
                    }
                    Err(e) => {
                        self.calls.remove(&handle);
                        let _ = reply.send(Err(EngineError::Invite(e)));
                    }
                }
            }
            DriverCommand::Hangup { handle } => {
                if let Some(id) = self.calls.get(&handle).map(|c| c.trunk) {
                    self.input(
                        id,
                        Input::Command {
                            now,
                            command: Command::Hangup { call: handle },
                        },
                    )
                    .await;
                }
            }
            DriverCommand::Stop { grace, reply } => {
                let ids: Vec<TrunkId> = self.slots.keys().copied().collect();
                for id in ids {
                    self.unregister(now, id).await;
                }
                self.stopping = Some((now + grace, reply));
            }
        }
    }

    async fn unregister(&mut self, now: Instant, id: TrunkId) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        if !slot.registered {
            return;
        }
        slot.registered = false;
        slot.unregistering = true;
        self.input(
            id,
            Input::Command {
                now,
                command: Command::Unregister,
            },
        )
        .await;
    }

    async fn add_trunk(
        &mut self,
        now: Instant,
        name: String,
        config: EndpointConfig,
        register: bool,
    ) -> Result<(), TrunkError> {
        let rng = ChaCha8Rng::from_rng(&mut rand::rng());
        let endpoint = Endpoint::new(config, rng, now).map_err(|e| TrunkError::Account {
            trunk: name.clone(),
            reason: e.to_string(),
        })?;
        if let Some(old) = self.by_name.remove(&name) {
            self.retire(now, old, endpoint.config()).await;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.slots.insert(
            id,
            Slot {
                name: name.clone(),
                endpoint,
                retired: false,
                registered: register,
                unregistering: false,
            },
        );
        self.by_name.insert(name.clone(), id);
        self.rebuild_sources();
        if register {
            self.start_registering(id, &name, now).await;
        } else {
            self.book.set(&name, RegistrationState::NotRequired, None);
        }
        Ok(())
    }

    /// Retires a trunk replaced by `new`: its calls go on; it un-registers
    /// unless the new configuration registers the same account (whose
    /// binding the un-REGISTER would remove).
    async fn retire(&mut self, now: Instant, id: TrunkId, new: &EndpointConfig) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        slot.retired = true;
        let old = slot.endpoint.config();
        let same_account = old.account.username == new.account.username
            && old.account.proxies == new.account.proxies;
        if same_account {
            slot.registered = false;
        } else {
            self.unregister(now, id).await;
        }
        self.collect_retired(id);
    }

    fn stop_complete(&mut self, now: Instant) -> bool {
        let Some((deadline, _)) = &self.stopping else {
            return false;
        };
        let waiting = self.slots.values().any(|s| s.unregistering);
        if waiting && now < *deadline {
            return false;
        }
        if let Some((_, reply)) = self.stopping.take() {
            let _ = reply.send(());
        }
        true
    }
}
