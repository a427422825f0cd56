//! Transactions (RFC 3261 §17, with the Accepted states of RFC 6026).
//!
//! A [`TransactionLayer`] holds every client and server transaction of one
//! endpoint, matches received messages to them, runs their timers and
//! retransmissions, and reports to its user (the transaction user: a
//! registration, a dialog, a test peer) through [`TransactionEvent`]s:
//!
//! ```text
//!  TU ──send_request──▶ client INVITE / non-INVITE ──Transmit──▶ network
//!  TU ◀──Response / Timeout / TransportError── receive_response ◀── network
//!  TU ◀──ServerMatch::New── receive_request ◀── network
//!  TU ──respond──▶ server INVITE / non-INVITE ──Transmit──▶ network
//! ```
//!
//! Retransmitted requests and responses are absorbed here; the user sees
//! each provisional response, the final response once (and, for INVITE,
//! every 2xx, which it must acknowledge itself), and a timeout or transport
//! error at most once. Timers use absolute deadlines supplied by the caller.

mod client_invite;
mod client_non_invite;
mod config;
mod context;
mod derived;
mod key;
mod layer;
mod server_invite;
mod server_non_invite;

use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;

use crate::message::{Request, Response};

pub use config::TimerConfig;
pub use derived::{ack_for_non_2xx, cancel_for};
pub use key::response_destination;
pub use layer::TransactionLayer;

/// Identifies one transaction within its [`TransactionLayer`]; never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(u64);

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx{}", self.0)
    }
}

/// A datagram to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The bytes of one SIP message.
    pub data: Bytes,
}

/// What a transaction reports to its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionEvent {
    /// A response to a client transaction: every provisional response, the
    /// final response once, and for INVITE every 2xx (retransmissions and
    /// forks alike; the user acknowledges each).
    Response {
        /// The client transaction.
        id: TransactionId,
        /// The response.
        response: Response,
    },
    /// A client transaction got no final response in time (Timer B or F).
    Timeout {
        /// The client transaction.
        id: TransactionId,
    },
    /// A server INVITE transaction's final response was never acknowledged
    /// (Timer H after a non-2xx, Timer L after a 2xx).
    AckTimeout {
        /// The server transaction.
        id: TransactionId,
    },
    /// The transport could not deliver the transaction's messages.
    TransportError {
        /// The transaction.
        id: TransactionId,
    },
    /// The transaction is gone; its id will not appear again.
    Terminated {
        /// The transaction.
        id: TransactionId,
    },
}

/// What a layer hands out: datagrams and events, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionOutput {
    /// Send this datagram.
    Transmit(Transmit),
    /// Tell the transaction user.
    Event(TransactionEvent),
}

/// What became of a received request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerMatch {
    /// A new server transaction: the user must answer it with
    /// [`TransactionLayer::respond`].
    New {
        /// The new server transaction.
        id: TransactionId,
        /// The request.
        request: Request,
    },
    /// A retransmission of a request a live transaction handles (its last
    /// response, if any, was sent again), or an ACK for a non-2xx response.
    Absorbed,
    /// An ACK that matches no transaction: the acknowledgement of a 2xx,
    /// for the dialog.
    Ack(Request),
    /// The layer holds its maximum of server transactions: answer
    /// statelessly (never an ACK) or drop.
    Overloaded(Request),
}

/// Misuse of the transaction layer by its user.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The request has no top Via with an RFC 3261 branch (`z9hG4bK...`).
    #[error("the request needs a top Via with an RFC 3261 branch (z9hG4bK...)")]
    NoBranch,
    /// ACK for a 2xx is sent outside any transaction.
    #[error("an ACK is not sent through a client transaction")]
    AckIsNotATransaction,
    /// A client transaction with this branch and method already exists.
    #[error("a client transaction with branch {0} already exists")]
    DuplicateBranch(String),
    /// No transaction with this id (it may have terminated).
    #[error("no transaction {0}")]
    UnknownTransaction(TransactionId),
    /// The transaction cannot send this response in its state (a final
    /// response was already sent, or it is a client transaction).
    #[error("transaction {id} cannot send a {status} response now")]
    CannotRespond {
        /// The transaction.
        id: TransactionId,
        /// The refused status code.
        status: u16,
    },
}
