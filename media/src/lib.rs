//! A sans-IO RTP media engine: RTP and RTCP (RFC 3550), an adaptive jitter
//! buffer with loss concealment, DTMF (RFC 4733), an outbound playout queue
//! with marks and clear, and call-quality statistics with an E-model score.
//!
//! Nothing here touches a socket, a clock or a global RNG. A driver owns a
//! [`MediaSession`] per call and runs this loop:
//!
//! ```text
//! on datagram on the RTP socket:  session.handle_rtp(now, from, bytes)
//! on datagram on the RTCP socket: session.handle_rtcp(now, from, bytes)
//! on bot audio / mark / clear:    session.queue_outbound(pcm, rate) / mark(name) / clear()
//! on deadline:                    session.handle_timeout(now)
//! then drain: poll_transmit() -> send; poll_event() -> act;
//!             poll_inbound_frame() -> 20 ms of 8 kHz PCM for the AI handler;
//!             sleep until poll_timeout()
//! ```

pub mod dtmf;
mod error;
pub mod inbound;
pub mod jitter;
pub mod playout;
pub mod quality;
pub mod rtcp;
pub mod rtp;
pub mod session;

pub use error::{DtmfError, MediaError, RtcpError, RtpError};
pub use inbound::{FrameKind, InboundFrame};
pub use quality::CallQuality;
pub use session::{MediaConfig, MediaEvent, MediaSession, SocketKind, Transmit};
