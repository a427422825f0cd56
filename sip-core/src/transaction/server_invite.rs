//! The server INVITE transaction (RFC 3261 17.2.1, RFC 6026 7.1).
//!
//! ```text
//!  Proceeding ──2xx──▶ Accepted ──Timer L──▶ Terminated
//!      └──300-699──▶ Completed ──ACK──▶ Confirmed ──Timer I──▶ Terminated
//!                        └──Timer H──▶ Terminated (no ACK)
//! ```
//!
//! In Accepted the transaction also does the UAS core's part of RFC 3261
//! 13.3.1.4: it retransmits the 2xx at T1, 2*T1, ... capped at T2 until the
//! user reports the ACK ([`super::TransactionLayer::ack_received`]); without
//! an ACK by Timer L the user gets [`TransactionEvent::AckTimeout`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::context::{Ctx, Status};
use super::{TransactionEvent, TransactionId};
use crate::message::Response;
use crate::text::ByteStr;
use crate::timer::{TimerKind, TimerTable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// Give up waiting for the ACK of a non-2xx.
    H,
    /// Absorb ACK retransmissions in Confirmed.
    I,
    /// Absorb INVITE retransmissions in Accepted.
    L,
    /// Response retransmission (non-2xx in Completed, 2xx in Accepted).
    G,
}

impl TimerKind for Timer {
    const ALL: &'static [Timer] = &[Timer::H, Timer::I, Timer::L, Timer::G];
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
}

#[derive(Debug)]
pub(super) struct ServerInvite {
    pub(super) state: State,
    pub(super) reply_to: SocketAddr,
    last_response: Option<Bytes>,
    /// The To tag of the final response (RFC 2543 ACK matching).
    pub(super) final_to_tag: Option<ByteStr>,
    timers: TimerTable<Timer, 4>,
    interval_g: Duration,
    acked: bool,
}

impl ServerInvite {
    pub(super) fn new(reply_to: SocketAddr, t1: Duration) -> ServerInvite {
        ServerInvite {
            state: State::Proceeding,
            reply_to,
            last_response: None,
            final_to_tag: None,
            timers: TimerTable::default(),
            interval_g: t1,
            acked: false,
        }
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    /// Whether no final response was sent yet.
    pub(super) fn is_proceeding(&self) -> bool {
        self.state == State::Proceeding
    }

    /// The INVITE arrived again: repeat the last response, except in
    /// Accepted and Confirmed where the 2xx retransmission or the ACK cover it.
    pub(super) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) {
        if matches!(self.state, State::Proceeding | State::Completed) {
            if let Some(r) = &self.last_response {
                ctx.send(self.reply_to, r.clone());
            }
        }
    }

    /// An ACK matched this transaction.
    pub(super) fn on_ack(&mut self, ctx: &mut Ctx<'_>) {
        match self.state {
            State::Completed => {
                self.state = State::Confirmed;
                self.timers.clear();
                self.timers.set_after(Timer::I, ctx.now, ctx.config.t4);
            }
            State::Accepted => self.ack_received(),
            State::Proceeding | State::Confirmed => {}
        }
    }

    /// The user saw the ACK of our 2xx: stop retransmitting it.
    pub(super) fn ack_received(&mut self) {
        if self.state == State::Accepted {
            self.acked = true;
            self.timers.stop(Timer::G);
        }
    }

    /// Sends a response from the user. `Err(())` if the state forbids it.
    pub(super) fn respond(&mut self, ctx: &mut Ctx<'_>, response: &Response) -> Result<(), ()> {
        let status = response.status;
        match self.state {
            State::Proceeding => {}
            State::Accepted if status.is_success() => {}
            _ => return Err(()),
        }
        let wire = response.to_bytes();
        ctx.send(self.reply_to, wire.clone());
        self.last_response = Some(wire);
        if status.is_provisional() {
            return Ok(());
        }
        self.final_to_tag = response.headers.to().ok().and_then(|t| t.tag().cloned());
        self.interval_g = ctx.config.t1;
        self.timers.set_after(Timer::G, ctx.now, self.interval_g);
        if status.is_success() {
            if self.state == State::Proceeding {
                self.state = State::Accepted;
                self.timers
                    .set_after(Timer::L, ctx.now, ctx.config.transaction_timeout());
            }
        } else {
            self.state = State::Completed;
            self.timers
                .set_after(Timer::H, ctx.now, ctx.config.transaction_timeout());
        }
        Ok(())
    }

    pub(super) fn on_timer(&mut self, ctx: &mut Ctx<'_>) -> Status {
        let Some(timer) = self.timers.take_expired(ctx.now) else {
            return Status::Alive;
        };
        match timer {
            Timer::G => {
                if let Some(r) = &self.last_response {
                    ctx.send(self.reply_to, r.clone());
                }
                self.interval_g = ctx.config.capped_double(self.interval_g);
                self.timers.set_after(Timer::G, ctx.now, self.interval_g);
                Status::Alive
            }
            Timer::H => {
                ctx.event(TransactionEvent::AckTimeout { id: ctx.id });
                Status::Terminated
            }
            Timer::L => {
                if !self.acked {
                    ctx.event(TransactionEvent::AckTimeout { id: ctx.id });
                }
                Status::Terminated
            }
            Timer::I => Status::Terminated,
        }
    }

    pub(super) fn on_transport_error(&mut self, id: TransactionId, ctx: &mut Ctx<'_>) -> Status {
        ctx.event(TransactionEvent::TransportError { id });
        Status::Terminated
    }
}
