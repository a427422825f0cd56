//! The client INVITE transaction (RFC 3261 17.1.1, RFC 6026 7.2).
//!
//! ```text
//!  Calling ──1xx──▶ Proceeding ──2xx──▶ Accepted ──Timer M──▶ Terminated
//!     │  └──────────────2xx───────────────┘
//!     ├──300-699 (send ACK)──▶ Completed ──Timer D──▶ Terminated
//!     └──Timer B──▶ Terminated (timeout)
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use super::context::{Ctx, Status};
use super::derived::ack_for_non_2xx;
use super::{TransactionEvent, TransactionId};
use crate::message::{Request, Response};
use crate::timer::{TimerKind, TimerTable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// Transaction timeout in Calling.
    B,
    /// Wait for retransmitted non-2xx finals in Completed.
    D,
    /// Wait for retransmitted (and forked) 2xx in Accepted.
    M,
    /// Request retransmission.
    A,
}

impl TimerKind for Timer {
    const ALL: &'static [Timer] = &[Timer::B, Timer::D, Timer::M, Timer::A];
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Calling,
    Proceeding,
    Completed,
    Accepted,
}

#[derive(Debug)]
pub(super) struct ClientInvite {
    pub(super) state: State,
    pub(super) request: Request,
    wire: Bytes,
    pub(super) dest: SocketAddr,
    timers: TimerTable<Timer, 4>,
    interval_a: Duration,
    ack: Option<Bytes>,
}

impl ClientInvite {
    /// Sends the INVITE and arms timers A and B.
    pub(super) fn start(ctx: &mut Ctx<'_>, request: Request, dest: SocketAddr) -> ClientInvite {
        let wire = request.to_bytes();
        ctx.send(dest, wire.clone());
        let mut timers = TimerTable::default();
        timers.set_after(Timer::A, ctx.now, ctx.config.t1);
        timers.set_after(Timer::B, ctx.now, ctx.config.transaction_timeout());
        ClientInvite {
            state: State::Calling,
            request,
            wire,
            dest,
            timers,
            interval_a: ctx.config.t1,
            ack: None,
        }
    }

    pub(super) fn next_deadline(&self) -> Option<std::time::Instant> {
        self.timers.next_deadline()
    }

    pub(super) fn on_response(&mut self, ctx: &mut Ctx<'_>, response: Response) -> Status {
        let id = ctx.id;
        let status = response.status;
        match self.state {
            State::Calling | State::Proceeding if status.is_provisional() => {
                self.state = State::Proceeding;
                self.timers.stop(Timer::A);
                self.timers.stop(Timer::B);
                ctx.event(TransactionEvent::Response { id, response });
            }
            State::Calling | State::Proceeding if status.is_success() => {
                self.state = State::Accepted;
                self.timers.clear();
                self.timers
                    .set_after(Timer::M, ctx.now, ctx.config.transaction_timeout());
                ctx.event(TransactionEvent::Response { id, response });
            }
            State::Calling | State::Proceeding => {
                self.state = State::Completed;
                self.timers.clear();
                self.timers
                    .set_after(Timer::D, ctx.now, ctx.config.timer_d());
                let ack = ack_for_non_2xx(&self.request, &response).to_bytes();
                ctx.send(self.dest, ack.clone());
                self.ack = Some(ack);
                ctx.event(TransactionEvent::Response { id, response });
            }
            State::Completed if status.is_final() && !status.is_success() => {
                if let Some(ack) = &self.ack {
                    ctx.send(self.dest, ack.clone());
                }
            }
            State::Accepted if status.is_success() => {
                ctx.event(TransactionEvent::Response { id, response });
            }
            State::Completed | State::Accepted => {}
        }
        Status::Alive
    }

    pub(super) fn on_timer(&mut self, ctx: &mut Ctx<'_>) -> Status {
        let Some(timer) = self.timers.take_expired(ctx.now) else {
            return Status::Alive;
        };
        match timer {
            Timer::A => {
                ctx.send(self.dest, self.wire.clone());
                self.interval_a = self.interval_a.saturating_mul(2);
                self.timers.set_after(Timer::A, ctx.now, self.interval_a);
                Status::Alive
            }
            Timer::B => {
                ctx.event(TransactionEvent::Timeout { id: ctx.id });
                Status::Terminated
            }
            Timer::D | Timer::M => Status::Terminated,
        }
    }

    /// The transport failed: report it unless a final response already came.
    pub(super) fn on_transport_error(&mut self, id: TransactionId, ctx: &mut Ctx<'_>) -> Status {
        match self.state {
            State::Calling | State::Proceeding => {
                ctx.event(TransactionEvent::TransportError { id });
                Status::Terminated
            }
            State::Completed | State::Accepted => Status::Alive,
        }
    }
}
