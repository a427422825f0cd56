//! The quality summary of one call.

use std::time::Duration;

use crate::jitter::JitterStats;

/// How a call sounded, for its call log.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CallQuality {
    /// RTP packets received from the remote party.
    pub packets_received: u64,
    /// RTP packets the remote party's sequence numbers say were sent.
    pub packets_expected: u64,
    /// Packets lost in the network (expected minus received; negative with duplicates).
    pub packets_lost: i64,
    /// Packets lost or too late to play, in percent of those expected.
    pub loss_percent: f64,
    /// Loss in the last RTCP reporting interval, in percent.
    pub interval_loss_percent: f64,
    /// Interarrival jitter (RFC 3550 A.8).
    pub jitter: Duration,
    /// Round-trip time from the last RTCP report about us.
    pub round_trip_time: Option<Duration>,
    /// Loss the remote party reports for our stream, in percent (last interval).
    pub remote_loss_percent: Option<f64>,
    /// Jitter the remote party reports for our stream.
    pub remote_jitter: Option<Duration>,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload octets sent.
    pub octets_sent: u64,
    /// Datagrams dropped as malformed RTP or RTCP.
    pub malformed_packets: u64,
    /// Datagrams dropped as coming from an unknown address, source or payload type.
    pub ignored_packets: u64,
    /// The jitter buffer's figures.
    pub jitter_buffer: JitterStats,
    /// Received payloads the decoder rejected (played as concealment).
    pub decode_errors: u64,
    /// Outgoing frames the encoder rejected (not sent).
    pub encode_errors: u64,
    /// 20 ms receive ticks skipped because the driver called
    /// `handle_timeout` too late (a stalled task or an overloaded host).
    pub ticks_skipped: u64,
    /// Received frames dropped because `poll_inbound_frame` was not drained.
    pub inbound_frames_dropped: u64,
    /// Estimated mouth-to-ear delay of the received audio.
    pub one_way_delay: Duration,
    /// ITU-T G.107 transmission rating R (0-100).
    pub r_factor: f64,
    /// Mean opinion score estimated from R (1.0-4.5).
    pub mos: f64,
}
