//! Settings of one call's media session.

use std::net::SocketAddr;
use std::time::Duration;

use codecs::Codec;

use crate::jitter::JitterConfig;

/// Settings of one call's media session, from the negotiated SDP and the
/// engine's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaConfig {
    /// The negotiated codec.
    pub codec: Codec,
    /// Its payload type on this call (the static type unless SDP remapped it).
    pub payload_type: u8,
    /// The negotiated `telephone-event/8000` payload type, if any.
    pub dtmf_payload_type: Option<u8>,
    /// The remote RTP address from SDP (replaced by symmetric-RTP latching).
    pub remote_rtp: SocketAddr,
    /// The remote RTCP address; `None` means the RTP port plus one.
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share one port (RFC 5761).
    pub rtcp_mux: bool,
    /// The canonical name sent in RTCP SDES.
    pub cname: String,
    /// Jitter buffer settings.
    pub jitter: JitterConfig,
    /// Silence from the remote party after which `MediaEvent::NoMedia` fires.
    pub inactivity_timeout: Duration,
    /// Keep sending encoded silence when no outbound audio is queued (keeps
    /// NAT bindings and trunks that expect a steady stream happy). When
    /// false, nothing is sent and the marker bit opens each talk spurt.
    pub send_silence: bool,
    /// The 64-bit NTP wallclock at the `now` the session was created, for
    /// sender reports (RTT works without it; lip sync does not matter here).
    pub ntp_at_start: u64,
    /// Most outbound audio that may be queued.
    pub max_outbound_queue: Duration,
    /// Most inbound frames kept when `poll_inbound_frame` is not drained
    /// (the oldest are dropped beyond it).
    pub max_inbound_frames: usize,
}

impl MediaConfig {
    /// Defaults for `codec` talking to `remote_rtp`: static payload type,
    /// DTMF on payload type 101, 10 s inactivity timeout, silence sent.
    pub fn new(codec: Codec, remote_rtp: SocketAddr) -> MediaConfig {
        MediaConfig {
            codec,
            payload_type: codec.payload_type(),
            dtmf_payload_type: Some(101),
            remote_rtp,
            remote_rtcp: None,
            rtcp_mux: false,
            cname: "trunkline".to_owned(),
            jitter: JitterConfig::default(),
            inactivity_timeout: Duration::from_secs(10),
            send_silence: true,
            ntp_at_start: 0,
            max_outbound_queue: Duration::from_secs(120),
            max_inbound_frames: 50,
        }
    }

    pub(crate) fn rtcp_address(&self, rtp: SocketAddr) -> SocketAddr {
        if self.rtcp_mux {
            return rtp;
        }
        self.remote_rtcp.unwrap_or_else(|| {
            let mut a = rtp;
            a.set_port(rtp.port().wrapping_add(1));
            a
        })
    }
}
