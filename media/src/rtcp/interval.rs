//! The RTCP transmission interval (RFC 3550 §6.3.1 and Appendix A.7).

use std::time::Duration;

/// Minimum interval between reports (RFC 3550 §6.2).
const MIN_INTERVAL_SECS: f64 = 5.0;
/// The compensation factor for the randomisation: e - 3/2.
const COMPENSATION: f64 = std::f64::consts::E - 1.5;
/// Bytes of IPv4 and UDP headers counted in the average RTCP size.
const IP_UDP_OVERHEAD: f64 = 28.0;

/// Computes successive RTCP intervals for one participant.
#[derive(Debug, Clone)]
pub struct RtcpInterval {
    rtcp_bandwidth: f64,
    avg_rtcp_size: f64,
    initial: bool,
}

impl RtcpInterval {
    /// A calculator for a session of `session_bandwidth` bits per second
    /// (RTCP gets 5 % of it) whose reports are about `first_report_bytes`.
    pub fn new(session_bandwidth: u32, first_report_bytes: usize) -> RtcpInterval {
        RtcpInterval {
            rtcp_bandwidth: f64::from(session_bandwidth.max(1000)) * 0.05 / 8.0,
            avg_rtcp_size: first_report_bytes as f64 + IP_UDP_OVERHEAD,
            initial: true,
        }
    }

    /// Folds the size of a report just sent or received into the average.
    pub fn observe_report(&mut self, bytes: usize) {
        self.avg_rtcp_size += (bytes as f64 + IP_UDP_OVERHEAD - self.avg_rtcp_size) / 16.0;
    }

    /// The next interval for `members` participants of which `senders`
    /// send, `we_sent` telling whether we sent RTP since the last report.
    /// `unit` is a uniform random number in [0, 1) that randomises the
    /// interval over [0.5, 1.5] times the deterministic value.
    pub fn next(&mut self, members: u32, senders: u32, we_sent: bool, unit: f64) -> Duration {
        let min = if self.initial {
            MIN_INTERVAL_SECS / 2.0
        } else {
            MIN_INTERVAL_SECS
        };
        self.initial = false;
        let members = f64::from(members.max(1));
        let senders = f64::from(senders);
        let mut n = members;
        let mut bandwidth = self.rtcp_bandwidth;
        if senders <= members * 0.25 {
            if we_sent {
                bandwidth *= 0.25;
                n = senders.max(1.0);
            } else {
                bandwidth *= 0.75;
                n = members - senders;
            }
        }
        let deterministic = (self.avg_rtcp_size * n / bandwidth).max(min);
        let randomised = deterministic * (0.5 + unit.clamp(0.0, 1.0)) / COMPENSATION;
        Duration::from_secs_f64(randomised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_party_voice_call_reports_every_few_seconds() {
        let mut interval = RtcpInterval::new(80_000, 80);
        let first = interval.next(2, 2, true, 0.5);
        assert!((first.as_secs_f64() - 2.5 / COMPENSATION).abs() < 1e-9);
        let low = interval.next(2, 2, true, 0.0);
        let high = interval.next(2, 2, true, 0.999_999);
        assert!(
            (low.as_secs_f64() - 2.5 / COMPENSATION).abs() < 1e-6,
            "{low:?}"
        );
        assert!(
            (high.as_secs_f64() - 7.5 / COMPENSATION).abs() < 1e-3,
            "{high:?}"
        );
    }

    #[test]
    fn a_tiny_bandwidth_stretches_the_interval() {
        let mut interval = RtcpInterval::new(1000, 1000);
        interval.next(2, 2, true, 0.5);
        // 1028 bytes * 2 members / 6.25 bytes/s = 329 s.
        let t = interval.next(2, 2, true, 0.5).as_secs_f64() * COMPENSATION;
        assert!((t - 1028.0 * 2.0 / 6.25).abs() < 1.0, "{t}");
    }
}
