//! Counters of the engine, for logs, `/metrics` and tests.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the engine's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Datagrams read from the SIP socket.
    pub sip_received: u64,
    /// Dropped unread: the source is none of the trunks' addresses.
    pub dropped_foreign: u64,
    /// Dropped: a request from a SIP scanner (`User-Agent: friendly-scanner`, sipvicious, ...).
    pub dropped_scanner: u64,
    /// Dropped: not SIP, or a response to nothing we sent.
    pub dropped_unroutable: u64,
    /// Requests outside our dialogs that the endpoint refused (an INVITE to us, ...).
    pub refused_requests: u64,
    /// Call-IDs the SIP driver routes to a trunk now (registrations, calls
    /// and recently ended calls).
    pub sip_routes: u64,
    /// Calls being placed or talking now.
    pub active_calls: u64,
    /// Calls placed since start.
    pub calls_placed: u64,
    /// RTP port pairs free.
    pub rtp_pairs_free: u64,
}

/// The live counters (the SIP driver and the call tasks add to them).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) sip_received: AtomicU64,
    pub(crate) dropped_foreign: AtomicU64,
    pub(crate) dropped_scanner: AtomicU64,
    pub(crate) dropped_unroutable: AtomicU64,
    pub(crate) refused_requests: AtomicU64,
    pub(crate) sip_routes: AtomicU64,
    pub(crate) active_calls: AtomicU64,
    pub(crate) calls_placed: AtomicU64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self, rtp_pairs_free: usize) -> EngineStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        EngineStats {
            sip_received: get(&self.sip_received),
            dropped_foreign: get(&self.dropped_foreign),
            dropped_scanner: get(&self.dropped_scanner),
            dropped_unroutable: get(&self.dropped_unroutable),
            refused_requests: get(&self.refused_requests),
            sip_routes: get(&self.sip_routes),
            active_calls: get(&self.active_calls),
            calls_placed: get(&self.calls_placed),
            rtp_pairs_free: rtp_pairs_free as u64,
        }
    }
}
