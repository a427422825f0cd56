//! The session's RTCP side: reading the remote party's reports (RTT, the
//! loss it sees) and writing ours at the RFC 3550 interval.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;

use super::clock::ntp_middle;
use crate::rtcp::{
    Goodbye, ReceiverReport, ReportBlock, RtcpInterval, RtcpPacket, SenderInfo, SenderReport,
    SourceDescription,
};

/// What one received compound told the session.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtcpNews {
    /// The remote source said goodbye.
    pub bye: bool,
}

/// RTCP state of one session.
#[derive(Debug, Clone)]
pub(crate) struct RtcpState {
    interval: RtcpInterval,
    pub next_report: Instant,
    /// Middle 32 bits of the last SR's NTP time, and when it arrived.
    last_sr: Option<(u32, Instant)>,
    pub round_trip_time: Option<Duration>,
    /// The last report block the remote party sent about our stream.
    pub remote_block: Option<ReportBlock>,
    pub address: SocketAddr,
}

impl RtcpState {
    pub(crate) fn new(
        now: Instant,
        session_bandwidth: u32,
        address: SocketAddr,
        unit: f64,
    ) -> RtcpState {
        let mut interval = RtcpInterval::new(session_bandwidth, 80);
        let first = interval.next(2, 2, true, unit);
        RtcpState {
            interval,
            next_report: now + first,
            last_sr: None,
            round_trip_time: None,
            remote_block: None,
            address,
        }
    }

    /// Takes in a parsed compound from the remote party.
    pub(crate) fn handle(
        &mut self,
        now: Instant,
        ntp_now: u64,
        size: usize,
        packets: &[RtcpPacket],
        local_ssrc: u32,
        remote_ssrc: Option<u32>,
    ) -> RtcpNews {
        self.interval.observe_report(size);
        let mut news = RtcpNews::default();
        for packet in packets {
            match packet {
                RtcpPacket::SenderReport(sr) => {
                    if remote_ssrc.is_none_or(|s| s == sr.info.ssrc) {
                        self.last_sr = Some((ntp_middle(sr.info.ntp_timestamp), now));
                    }
                    for block in sr.reports() {
                        self.take_block(block, ntp_now, local_ssrc);
                    }
                }
                RtcpPacket::ReceiverReport(rr) => {
                    for block in rr.reports() {
                        self.take_block(block, ntp_now, local_ssrc);
                    }
                }
                RtcpPacket::Goodbye(bye)
                    if bye.sources().any(|s| remote_ssrc.is_none_or(|r| r == s)) =>
                {
                    news.bye = true;
                }
                _ => {}
            }
        }
        news
    }

    fn take_block(&mut self, block: ReportBlock, ntp_now: u64, local_ssrc: u32) {
        if block.ssrc != local_ssrc {
            return;
        }
        self.remote_block = Some(block);
        if block.last_sr == 0 {
            return;
        }
        let rtt = ntp_middle(ntp_now)
            .wrapping_sub(block.last_sr)
            .wrapping_sub(block.delay_since_last_sr);
        // Anything over a minute is a clock or wrap artefact, not a round trip.
        if rtt < 60 << 16 {
            self.round_trip_time = Some(Duration::from_micros(u64::from(rtt) * 1_000_000 / 65536));
        }
    }

    /// LSR and DLSR for a report block sent at `now`.
    pub(crate) fn last_sr_fields(&self, now: Instant) -> (u32, u32) {
        match self.last_sr {
            Some((lsr, at)) => {
                let delay = now.saturating_duration_since(at);
                let dlsr = (delay.as_micros() * 65536 / 1_000_000).min(u128::from(u32::MAX)) as u32;
                (lsr, dlsr)
            }
            None => (0, 0),
        }
    }

    /// Writes our compound report (SR if we sent since the last one, else
    /// RR; then SDES CNAME; then BYE if leaving) and schedules the next.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write_report(
        &mut self,
        now: Instant,
        out: &mut BytesMut,
        sender: Option<SenderInfo>,
        block: Option<ReportBlock>,
        local_ssrc: u32,
        cname: &str,
        bye: bool,
        unit: f64,
    ) {
        let start = out.len();
        let blocks = block.as_slice();
        match sender {
            Some(info) => SenderReport::write(&info, blocks, out),
            None => ReceiverReport::write(local_ssrc, blocks, out),
        }
        SourceDescription::write_cname(local_ssrc, cname, out);
        if bye {
            Goodbye::write(&[local_ssrc], out);
        }
        self.interval.observe_report(out.len() - start);
        self.next_report = now + self.interval.next(2, 2, sender.is_some(), unit);
    }
}
