//! What a media session hands back to its driver.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

/// Which of the call's two sockets a datagram leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// The RTP socket.
    Rtp,
    /// The RTCP socket (the RTP socket too with rtcp-mux).
    Rtcp,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The local socket to send from.
    pub socket: SocketKind,
    /// The datagram.
    pub payload: Bytes,
}

/// Something the call engine should know or act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaEvent {
    /// The remote party pressed a key (RFC 4733), reported once per press.
    Dtmf {
        /// 0-9, `*`, `#` or A-D.
        digit: char,
        /// How long it was held.
        duration: Duration,
    },
    /// A mark completed: all audio queued before it was sent, or the queue
    /// was cleared.
    MarkDone {
        /// Its name.
        name: String,
        /// Completed by `clear()` rather than by playout.
        cleared: bool,
    },
    /// No RTP received for the inactivity timeout: the call has no audio.
    NoMedia {
        /// How long nothing has arrived.
        silent_for: Duration,
    },
    /// RTP arrived again after `NoMedia`.
    MediaResumed,
    /// Media is now sent to this address (symmetric RTP latched on it).
    RemoteAddressLatched {
        /// The address media came from.
        address: SocketAddr,
    },
    /// The remote party's synchronisation source changed.
    RemoteSsrcChanged {
        /// The previous source.
        old: u32,
        /// The new source.
        new: u32,
    },
    /// The remote party sent an RTCP BYE.
    RemoteBye,
}
