//! Settings of one call's media session.

use std::net::SocketAddr;
use std::time::Duration;

use codecs::Codec;

use crate::jitter::JitterConfig;

/// Packet length when the remote party states none (RFC 3551).
const DEFAULT_PTIME_MS: u32 = 20;
/// The longest packet sent.
pub const MAX_PTIME_MS: u32 = 60;

/// The shortest packet of `codec` and the step between lengths, in ms.
fn ptime_step_ms(codec: Codec) -> u32 {
    let frame_ms = codec.frame_samples() as u32 * 1000 / codec.clock_rate();
    frame_ms.max(10).div_ceil(10) * 10
}

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
    /// Audio per RTP packet sent (`a=ptime` of the remote party; default
    /// 20 ms). 10 to 60 ms in steps of the codec's frame: 10 ms for G.711
    /// and G.729, 20 ms for GSM. Received packets may have any of these
    /// lengths whatever this says.
    pub ptime: Duration,
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
            ptime: Duration::from_millis(20),
        }
    }

    /// The packet length to send for the remote party's `a=ptime`
    /// (milliseconds): the longest supported length not above it, 20 ms
    /// when it gave none.
    pub fn ptime_for(codec: Codec, remote_ptime_ms: Option<u32>) -> Duration {
        let step = ptime_step_ms(codec);
        let wanted = remote_ptime_ms.unwrap_or(DEFAULT_PTIME_MS);
        let ms = (wanted.min(MAX_PTIME_MS) / step * step).max(step);
        Duration::from_millis(u64::from(ms))
    }

    /// Whether `ptime` is a packet length this codec can be sent with.
    pub(crate) fn ptime_is_supported(&self) -> bool {
        let ms = self.ptime.as_millis();
        let step = u128::from(ptime_step_ms(self.codec));
        self.ptime.subsec_nanos() % 1_000_000 == 0
            && ms % step == 0
            && (step..=u128::from(MAX_PTIME_MS)).contains(&ms)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptime_follows_the_remote_party_within_what_the_codec_allows() {
        let ms = |codec, remote| MediaConfig::ptime_for(codec, remote).as_millis();
        assert_eq!(ms(Codec::Pcmu, None), 20);
        assert_eq!(ms(Codec::Pcmu, Some(30)), 30);
        assert_eq!(ms(Codec::Pcmu, Some(5)), 10);
        assert_eq!(ms(Codec::Pcmu, Some(25)), 20);
        assert_eq!(ms(Codec::G729, Some(40)), 40);
        assert_eq!(ms(Codec::Pcma, Some(240)), 60);
        assert_eq!(ms(Codec::Gsm, Some(30)), 20);
        assert_eq!(ms(Codec::Gsm, Some(10)), 20);
    }

    #[test]
    fn unsupported_packet_lengths_are_refused() {
        let remote = SocketAddr::from(([127, 0, 0, 1], 4000));
        let with = |codec, ms| {
            let mut c = MediaConfig::new(codec, remote);
            c.ptime = Duration::from_millis(ms);
            c.ptime_is_supported()
        };
        assert!(with(Codec::Pcmu, 30));
        assert!(with(Codec::G729, 10));
        assert!(!with(Codec::Gsm, 30));
        assert!(!with(Codec::Pcmu, 25));
        assert!(!with(Codec::Pcmu, 0));
        assert!(!with(Codec::Pcmu, 80));
    }
}
