//! The client non-INVITE transaction (RFC 3261 17.1.2).
//!
//! ```text
//!  Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──Timer K──▶ Terminated
//!    └────────────200-699─────────────────────┘
//!  Trying / Proceeding ──Timer F──▶ Terminated (timeout)
//! ```
//! Timer E retransmits at T1, 2*T1, ... capped at T2 (at T2 once a
//! provisional response arrived).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::context::{Ctx, Status};
use super::{TransactionEvent, TransactionId};
use crate::message::{Request, Response};
use crate::timer::{TimerKind, TimerTable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// Transaction timeout.
    F,
    /// Wait for retransmitted finals in Completed.
    K,
    /// Request retransmission.
    E,
}

impl TimerKind for Timer {
    const ALL: &'static [Timer] = &[Timer::F, Timer::K, Timer::E];
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Trying,
    Proceeding,
    Completed,
}

#[derive(Debug)]
pub(super) struct ClientNonInvite {
    pub(super) state: State,
    pub(super) request: Request,
    wire: Bytes,
    pub(super) dest: SocketAddr,
    timers: TimerTable<Timer, 3>,
    interval_e: Duration,
}

impl ClientNonInvite {
    /// Sends the request and arms timers E and F.
    pub(super) fn start(ctx: &mut Ctx<'_>, request: Request, dest: SocketAddr) -> ClientNonInvite {
        let wire = request.to_bytes();
        ctx.send(dest, wire.clone());
        let mut timers = TimerTable::default();
        timers.set_after(Timer::E, ctx.now, ctx.config.t1);
        timers.set_after(Timer::F, ctx.now, ctx.config.transaction_timeout());
        ClientNonInvite {
            state: State::Trying,
            request,
            wire,
            dest,
            timers,
            interval_e: ctx.config.t1,
        }
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    pub(super) fn on_response(&mut self, ctx: &mut Ctx<'_>, response: Response) -> Status {
        let id = ctx.id;
        match self.state {
            State::Trying | State::Proceeding if response.status.is_provisional() => {
                self.state = State::Proceeding;
                ctx.event(TransactionEvent::Response { id, response });
            }
            State::Trying | State::Proceeding => {
                self.state = State::Completed;
                self.timers.clear();
                self.timers.set_after(Timer::K, ctx.now, ctx.config.t4);
                ctx.event(TransactionEvent::Response { id, response });
            }
            State::Completed => {}
        }
        Status::Alive
    }

    pub(super) fn on_timer(&mut self, ctx: &mut Ctx<'_>) -> Status {
        let Some(timer) = self.timers.take_expired(ctx.now) else {
            return Status::Alive;
        };
        match timer {
            Timer::E => {
                ctx.send(self.dest, self.wire.clone());
                self.interval_e = match self.state {
                    State::Proceeding => ctx.config.t2,
                    _ => ctx.config.capped_double(self.interval_e),
                };
                self.timers.set_after(Timer::E, ctx.now, self.interval_e);
                Status::Alive
            }
            Timer::F => {
                ctx.event(TransactionEvent::Timeout { id: ctx.id });
                Status::Terminated
            }
            Timer::K => Status::Terminated,
        }
    }

    /// The transport failed: report it unless the final response already came.
    pub(super) fn on_transport_error(&mut self, id: TransactionId, ctx: &mut Ctx<'_>) -> Status {
        match self.state {
            State::Trying | State::Proceeding => {
                ctx.event(TransactionEvent::TransportError { id });
                Status::Terminated
            }
            State::Completed => Status::Alive,
        }
    }
}
