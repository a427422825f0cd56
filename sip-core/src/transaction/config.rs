//! Timer values of RFC 3261 §17 (Table 4) and RFC 6026.

use std::time::Duration;

/// The base timer values; every transaction timer derives from them.
///
/// Only unreliable transports (UDP) exist so far, so the UDP values of
/// RFC 3261 Table 4 apply: retransmissions (A, E, G) and the waits that absorb
/// them (D, I, J, K).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// T1, the round-trip estimate (500 ms).
    pub t1: Duration,
    /// T2, the cap of non-INVITE and response retransmission intervals (4 s).
    pub t2: Duration,
    /// T4, how long a message may stay in the network (5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    /// T1 = 500 ms, T2 = 4 s, T4 = 5 s.
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// 64*T1: timers B, F, H, J, L and M (32 s by default).
    pub fn transaction_timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer D: how long a client INVITE transaction absorbs retransmitted
    /// non-2xx finals (at least 32 s over UDP).
    pub fn timer_d(&self) -> Duration {
        self.transaction_timeout().max(Duration::from_secs(32))
    }

    /// The next retransmission interval after `current`, capped at T2
    /// (timers E and G).
    pub fn capped_double(&self, current: Duration) -> Duration {
        current.saturating_mul(2).min(self.t2)
    }
}
