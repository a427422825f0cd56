//! A sans-IO SIP user agent core.
//!
//! Layers, bottom up (see the crate README for the diagram):
//! - [`message`]: parse requests and responses from bytes (datagrams, or a
//!   stream through [`StreamFramer`]), inspect them through typed header
//!   accessors, build them, print them;
//! - [`auth`]: digest authentication, challenges and a per-realm
//!   credentials cache;
//! - [`sdp`]: session descriptions and the offer/answer of one audio
//!   stream;
//! - [`validate`]: the checks a UA runs on a received request before acting
//!   on it, each failure carrying the status to answer;
//! - [`transaction`]: RFC 3261 client and server transactions with their
//!   timers and retransmissions;
//! - [`dialog`]: dialog state and in-dialog requests;
//! - [`endpoint`]: the user agent an outbound dialer drives: registration,
//!   calls, NAT, behind `handle_input` / `poll_output` / `poll_timeout`.
//!
//! The crate never touches sockets, clocks or global randomness.

pub mod auth;
pub mod dialog;
pub mod endpoint;
pub mod error;
pub mod header;
pub mod message;
pub mod params;
pub(crate) mod registration;
pub mod sdp;
pub mod text;
pub(crate) mod timer;
pub mod transaction;
pub mod uri;
pub mod validate;

pub use error::ParseError;
pub use header::{
    CSeq, Contact, HeaderValue, MediaType, NameAddr, Reason, Refresher, RetryAfter, SessionExpires,
    Transport, Via, Warning,
};
pub use message::{
    Header, HeaderName, Headers, Message, Method, Request, RequestBuilder, Response, StatusCode,
    StreamFramer, Version,
};
pub use params::{Param, Params};
pub use text::ByteStr;
pub use uri::{Host, SipUri, TelUri, Uri};
pub use validate::{Rejection, UaPolicy, validate_request, validate_response};
