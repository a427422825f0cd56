//! What a transaction state machine gets when it acts: its id, the time,
//! the timer values and the layer's output queue.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

use super::{TimerConfig, TransactionEvent, TransactionId, TransactionOutput, Transmit};

/// Whether a state machine lives on after handling something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// Still running.
    Alive,
    /// Reached the Terminated state: remove it.
    Terminated,
}

pub(super) struct Ctx<'a> {
    pub(super) id: TransactionId,
    pub(super) now: Instant,
    pub(super) config: &'a TimerConfig,
    pub(super) out: &'a mut VecDeque<TransactionOutput>,
}

impl Ctx<'_> {
    pub(super) fn send(&mut self, to: SocketAddr, data: Bytes) {
        self.out
            .push_back(TransactionOutput::Transmit(Transmit { to, data }));
    }

    pub(super) fn event(&mut self, event: TransactionEvent) {
        self.out.push_back(TransactionOutput::Event(event));
    }
}
