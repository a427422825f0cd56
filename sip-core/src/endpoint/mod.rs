//! The sans-IO SIP user agent: one [`Endpoint`] per SIP socket, driven by
//! [`Endpoint::handle_input`], drained with [`Endpoint::poll_output`].
//!
//! ```text
//!   driver (sockets, clock)               Endpoint
//!   ─ Input::Receive{now,from,data} ──▶  parse ─▶ transaction layer ─▶ registration / calls
//!   ─ Input::Timeout(now) ────────────▶  timers of all of them
//!   ─ Input::Command{now,command} ────▶  register, invite, cancel, bye, hangup
//!   ◀─ Output::Transmit / Event ──────   in order, until
//!   ◀─ Output::Timeout(deadline) ─────   the next deadline (or None: nothing pending)
//! ```
//!
//! ```
//! use std::time::Instant;
//! use rand_core::{RngCore, impls};
//! use sip_core::endpoint::{Account, Command, Endpoint, EndpointConfig, Input, Output, Proxy};
//!
//! # struct Counter(u64);
//! # impl RngCore for Counter {
//! #     fn next_u32(&mut self) -> u32 { self.next_u64() as u32 }
//! #     fn next_u64(&mut self) -> u64 { self.0 += 1; self.0 }
//! #     fn fill_bytes(&mut self, dst: &mut [u8]) { impls::fill_bytes_via_next(self, dst) }
//! # }
//! let account = Account {
//!     username: "alice".into(),
//!     auth_username: None,
//!     password: "secret".into(),
//!     proxies: vec![Proxy::new("192.0.2.1:5060".parse().unwrap(), "sip1.example.com")],
//!     display_name: None,
//!     caller_id: None,
//! };
//! let config = EndpointConfig::new("192.0.2.10:5060".parse().unwrap(), account);
//! let now = Instant::now();
//! let mut ep = Endpoint::new(config, Counter(0), now).unwrap();
//! ep.handle_input(Input::Command { now, command: Command::Register }).unwrap();
//! let Some(Output::Transmit(t)) = ep.poll_output() else { panic!() };
//! assert!(t.data.starts_with(b"REGISTER sip:sip1.example.com SIP/2.0"));
//! assert!(matches!(ep.poll_output(), Some(Output::Timeout(_))));
//! ```

pub(crate) mod call;
pub(crate) mod challenge;
mod config;
mod incoming;
mod input;
mod nat;
mod output;
pub(crate) mod shared;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use rand_core::RngCore;

use self::call::Call;
use self::shared::{Owner, Shared};
use crate::message::{Message, Response};
use crate::registration::Registration;
use crate::timer::DeadlineIndex;
use crate::validate::validate_response;

pub use config::{
    Account, ConfigError, EndpointConfig, Proxy, RegistrationPolicy, SessionTimerConfig,
    is_user_part,
};
pub use input::{CallHandle, Command, Input, InviteRequest};
pub use output::{
    CallEnd, CallEvent, Event, FinalResponse, InputError, Output, RegistrationEvent,
    RegistrationFailure,
};

/// Datagrams larger than this are dropped unread (the UDP maximum).
pub const MAX_DATAGRAM: usize = 65_535;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum TimerOwner {
    Registration,
    Call(CallHandle),
}

/// Sizes of the endpoint's state, for monitoring and for checking that
/// arbitrary input keeps it bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointStats {
    /// Live calls (including ended ones still absorbing retransmissions).
    pub calls: usize,
    /// Live transactions, client and server.
    pub transactions: usize,
    /// Outputs not yet taken with `poll_output`.
    pub queued_outputs: usize,
    /// Dialogs indexed for in-dialog requests (at most one per call).
    pub dialogs: usize,
    /// Client transactions whose owner is remembered (at most one per live
    /// transaction).
    pub transaction_owners: usize,
    /// Digest challenges cached (at most
    /// [`MAX_CACHED_CHALLENGES`](crate::auth::MAX_CACHED_CHALLENGES)).
    pub cached_challenges: usize,
}

/// A SIP user agent for one trunk account on one socket (see the
/// [module documentation](self)).
pub struct Endpoint {
    shared: Shared,
    registration: Registration,
    calls: HashMap<CallHandle, Call>,
    deadlines: DeadlineIndex<TimerOwner>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("config", &self.shared.config)
            .field("registration", &self.registration)
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint with `config`, drawing Call-IDs, tags, branches and
    /// cnonces from `rng` (seed it for reproducible runs). `now` is the
    /// current time.
    pub fn new(
        config: EndpointConfig,
        rng: impl RngCore + Send + 'static,
        now: Instant,
    ) -> Result<Endpoint, ConfigError> {
        config.validate()?;
        let mut shared = Shared::new(config, Box::new(rng), now);
        let registration = Registration::new(&mut shared);
        Ok(Endpoint {
            shared,
            registration,
            calls: HashMap::new(),
            deadlines: DeadlineIndex::default(),
        })
    }

    /// Feeds one input. Datagrams and timeouts never fail (bad input is
    /// dropped or answered); a command fails only when it does not fit the
    /// endpoint's state ([`InputError`]). Then drain [`poll_output`](Self::poll_output).
    pub fn handle_input(&mut self, input: Input) -> Result<(), InputError> {
        let result = match input {
            Input::Receive { now, from, data } => {
                self.set_now(now);
                self.receive(from, data);
                Ok(())
            }
            Input::Timeout(now) => {
                self.set_now(now);
                self.handle_timeout();
                Ok(())
            }
            Input::TransportError { now, to } => {
                self.set_now(now);
                let now = self.shared.now;
                self.shared.layer.transport_error(now, to);
                Ok(())
            }
            Input::Command { now, command } => {
                self.set_now(now);
                self.command(command)
            }
        };
        self.pump();
        self.reindex_registration();
        result
    }

    /// The next datagram or event, or, once none is left, the deadline for
    /// the next `Input::Timeout` (`None`: nothing is scheduled).
    pub fn poll_output(&mut self) -> Option<Output> {
        self.shared
            .out
            .pop_front()
            .or_else(|| self.poll_timeout().map(Output::Timeout))
    }

    /// The earliest deadline of any transaction, registration or call timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.shared.layer.poll_timeout(), self.deadlines.first()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Our address as the trunk sees it (configured, learned or local).
    pub fn public_address(&self) -> SocketAddr {
        self.shared.nat.advertised()
    }

    /// The host name of the proxy we are registered with, if registered.
    pub fn registered_proxy(&self) -> Option<&str> {
        let index = self.registration.bound_proxy()?;
        self.shared
            .config
            .account
            .proxies
            .get(index)
            .map(|p| p.host.as_str())
    }

    /// Sizes of the state.
    pub fn stats(&self) -> EndpointStats {
        EndpointStats {
            calls: self.calls.len(),
            transactions: self.shared.layer.len(),
            queued_outputs: self.shared.out.len(),
            dialogs: self.shared.dialogs.len(),
            transaction_owners: self.shared.owners.len(),
            cached_challenges: self.shared.auth.cached(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EndpointConfig {
        &self.shared.config
    }

    fn set_now(&mut self, now: Instant) {
        if now > self.shared.now {
            self.shared.now = now;
        }
    }

    fn reindex_registration(&mut self) {
        let next = self.registration.next_deadline();
        self.deadlines.set(TimerOwner::Registration, next);
    }

    /// Runs `f` on call `handle`, then re-indexes its timers or removes it
    /// when it is finished.
    fn with_call<R>(
        &mut self,
        handle: CallHandle,
        f: impl FnOnce(&mut Call, &mut Shared) -> R,
    ) -> Option<R> {
        let call = self.calls.get_mut(&handle)?;
        let r = f(call, &mut self.shared);
        if call.is_finished() {
            if let Some(id) = call.dialog_id() {
                self.shared.dialogs.remove(id);
            }
            self.calls.remove(&handle);
            self.deadlines.set(TimerOwner::Call(handle), None);
        } else {
            let next = call.next_deadline();
            self.deadlines.set(TimerOwner::Call(handle), next);
        }
        Some(r)
    }

    /// Hands transaction events to their owners until none is left.
    fn pump(&mut self) {
        loop {
            self.shared.drain_layer();
            let Some(event) = self.shared.pending.pop_front() else {
                break;
            };
            let id = match &event {
                crate::transaction::TransactionEvent::Response { id, .. }
                | crate::transaction::TransactionEvent::Timeout { id }
                | crate::transaction::TransactionEvent::AckTimeout { id }
                | crate::transaction::TransactionEvent::TransportError { id }
                | crate::transaction::TransactionEvent::Terminated { id } => *id,
            };
            let owner = self.shared.owners.get(&id).copied();
            if matches!(
                event,
                crate::transaction::TransactionEvent::Terminated { .. }
            ) {
                self.shared.owners.remove(&id);
            }
            match owner {
                Some(Owner::Registration) => {
                    self.registration
                        .on_transaction_event(&mut self.shared, event);
                }
                Some(Owner::Call(h)) => {
                    self.with_call(h, |c, cx| c.on_transaction_event(cx, event));
                }
                Some(Owner::Detached) | None => {}
            }
        }
    }

    fn handle_timeout(&mut self) {
        let now = self.shared.now;
        self.shared.layer.handle_timeout(now);
        self.pump();
        self.reindex_registration();
        while let Some(owner) = self.deadlines.pop_due(now) {
            match owner {
                TimerOwner::Registration => {
                    self.registration.on_timer(&mut self.shared);
                    self.reindex_registration();
                }
                TimerOwner::Call(h) => {
                    self.with_call(h, |c, cx| c.on_timer(cx));
                }
            }
            self.pump();
            self.reindex_registration();
        }
    }

    fn command(&mut self, command: Command) -> Result<(), InputError> {
        match command {
            Command::Register => {
                self.registration.start(&mut self.shared);
                Ok(())
            }
            Command::Unregister => {
                self.registration.stop(&mut self.shared);
                Ok(())
            }
            Command::Invite { call, request } => {
                if self.calls.contains_key(&call) {
                    return Err(InputError::DuplicateCall(call));
                }
                let proxy = self.registration.active_proxy();
                let c = Call::start(&mut self.shared, call, request, proxy)?;
                self.calls.insert(call, c);
                self.with_call(call, |_, _| ());
                Ok(())
            }
            Command::Cancel { call } => self
                .with_call(call, |c, cx| {
                    c.cancel(cx, CallEnd::Cancelled { response: None })
                })
                .unwrap_or(Err(InputError::UnknownCall(call))),
            Command::Bye { call } => self
                .with_call(call, |c, cx| c.bye(cx))
                .unwrap_or(Err(InputError::UnknownCall(call))),
            Command::Hangup { call } => self
                .with_call(call, |c, cx| c.hangup(cx))
                .unwrap_or(Err(InputError::UnknownCall(call))),
        }
    }

    fn receive(&mut self, from: SocketAddr, data: Bytes) {
        if data.len() > MAX_DATAGRAM || data.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        match Message::parse(data) {
            Ok(Message::Response(r)) => self.on_response(r),
            Ok(Message::Request(r)) => self.on_request(from, r),
            Err(_) => {}
        }
    }

    fn on_response(&mut self, resp: Response) {
        if validate_response(&resp).is_err() {
            return;
        }
        let Ok(via) = resp.headers.top_via() else {
            return;
        };
        let now = self.shared.now;
        let Ok(id) = self.shared.layer.receive_response(now, resp) else {
            return;
        };
        if self.shared.owners.contains_key(&id) {
            if let Some(address) = self.shared.nat.learn(&via) {
                self.shared.emit(Event::PublicAddressChanged { address });
                self.registration.address_changed(&mut self.shared);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The driver moves the endpoint into a task: it must be `Send`.
    #[test]
    fn endpoint_is_send() {
        fn must_be_send<T: Send>() {}
        must_be_send::<super::Endpoint>();
    }
}
