//! The server non-INVITE transaction (RFC 3261 17.2.2).
//!
//! ```text
//!  Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──Timer J──▶ Terminated
//!    └────────────200-699────────────────────┘
//! ```

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

use super::context::{Ctx, Status};
use super::{TransactionEvent, TransactionId};
use crate::message::Response;
use crate::timer::deadline;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Trying,
    Proceeding,
    Completed,
}

#[derive(Debug)]
pub(super) struct ServerNonInvite {
    pub(super) state: State,
    pub(super) reply_to: SocketAddr,
    last_response: Option<Bytes>,
    /// Timer J: absorb request retransmissions in Completed.
    timer_j: Option<Instant>,
}

impl ServerNonInvite {
    pub(super) fn new(reply_to: SocketAddr) -> ServerNonInvite {
        ServerNonInvite {
            state: State::Trying,
            reply_to,
            last_response: None,
            timer_j: None,
        }
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.timer_j
    }

    /// The request arrived again: repeat the last response (nothing yet in Trying).
    pub(super) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(r) = &self.last_response {
            ctx.send(self.reply_to, r.clone());
        }
    }

    /// Sends a response from the user. `Err(())` after the final response.
    pub(super) fn respond(&mut self, ctx: &mut Ctx<'_>, response: &Response) -> Result<(), ()> {
        if self.state == State::Completed {
            return Err(());
        }
        let wire = response.to_bytes();
        ctx.send(self.reply_to, wire.clone());
        self.last_response = Some(wire);
        if response.status.is_provisional() {
            self.state = State::Proceeding;
        } else {
            self.state = State::Completed;
            // A wait too long for an Instant ends the transaction at once
            // rather than keeping it forever.
            let j = deadline(ctx.now, ctx.config.transaction_timeout());
            self.timer_j = Some(j.unwrap_or(ctx.now));
        }
        Ok(())
    }

    pub(super) fn on_timer(&mut self, ctx: &mut Ctx<'_>) -> Status {
        match self.timer_j {
            Some(at) if at <= ctx.now => Status::Terminated,
            _ => Status::Alive,
        }
    }

    pub(super) fn on_transport_error(&mut self, id: TransactionId, ctx: &mut Ctx<'_>) -> Status {
        ctx.event(TransactionEvent::TransportError { id });
        Status::Terminated
    }
}
